/**
 * `sluice sql` from the command line, on both stores: an aligned table with the row count on stderr,
 * CSV with `--csv`, a site user's view with `--as`, and a refused statement as one plain line with
 * exit code 2.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "./support/app.js";
import { BIN } from "./support/server.js";
import { STORE_KINDS } from "./support/stores.js";

const run = promisify(execFile);

for (const kind of STORE_KINDS) {
  describe(`sluice sql (${kind})`, () => {
    let t: TestApp;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      t = await startTestApp({ store: kind });
      const url = t.ctx.config.store.kind === "postgres" ? t.ctx.config.store.url : undefined;
      env = { PATH: process.env.PATH, SLUICE_LOG_LEVEL: "warn", SLUICE_DEMO: "false", ...(url ? { SLUICE_DATABASE_URL: url } : {}) };
    });
    after(async () => t?.close());
    const sql = (...args: string[]) => run(process.execPath, [BIN, "--home", t.home, "sql", ...args], { env });

    it("prints an aligned table, numbers on the right, and the row count", async () => {
      const { stdout, stderr } = await sql("--site", "wiki", "SELECT space_key, count(*) AS pages FROM pages GROUP BY 1 ORDER BY 2 DESC, 1");
      const lines = stdout.trimEnd().split("\n");
      assert.match(lines[0]!, /^space_key\s+\|\s+pages$/);
      assert.match(lines[1]!, /^-+-\+-+$/);
      assert.match(lines[2]!, /^ENG\s+\|\s+\d+$/);
      assert.match(stderr, new RegExp(`\\(${lines.length - 2} rows, \\d+ ms\\)`));
    });

    it("prints CSV with --csv, and a site user's rows with --as", async () => {
      const { stdout } = await sql("--site", "wiki", "--csv", "SELECT page_id, page_title FROM pages ORDER BY page_id LIMIT 2");
      const lines = stdout.split(/\r?\n/);
      assert.equal(lines[0], "page_id,page_title");
      assert.equal(lines.filter(Boolean).length, 3);
      const all = Number((await sql("--site", "wiki", "--csv", "SELECT count(DISTINCT space_key) FROM pages")).stdout.split(/\r?\n/)[1]);
      const user = (await sql("--site", "wiki", "--csv", "SELECT user_name FROM users ORDER BY user_name LIMIT 1")).stdout.split(/\r?\n/)[1]!;
      const theirs = Number((await sql("--site", "wiki", "--csv", "--as", user, "SELECT count(DISTINCT space_key) FROM pages")).stdout.split(/\r?\n/)[1]);
      const scopes = await t.ctx.access.scopesFor((await t.ctx.store.sites.byKey("wiki"))!, { username: user, sysadmin: false });
      assert.ok(!scopes.all);
      const browsable = new Set(scopes.scopes);
      const expected = Number((await sql("--site", "wiki", "--csv", `SELECT count(DISTINCT space_key) FROM pages WHERE space_key IN (${[...browsable].map((k) => `'${k.replace(/'/g, "''")}'`).join(", ") || "''"})`)).stdout.split(/\r?\n/)[1]);
      assert.equal(theirs, expected, `${user} sees ${theirs} of ${all} spaces`);
      assert.ok(theirs < all);
    });

    it("says what is wrong with a refused statement, exit code 2", async () => {
      await assert.rejects(sql("--site", "wiki", "SELECT * FROM tokens"), (e: { code?: number; stderr?: string }) => e.code === 2 && /sluice: No such table: tokens/.test(e.stderr ?? ""));
      await assert.rejects(sql("SELECT 1"), (e: { code?: number; stderr?: string }) => e.code === 1 && /--site/.test(e.stderr ?? ""));
    });
  });
}
