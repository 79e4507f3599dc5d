/**
 * Straight from PostgreSQL: `sluice sql grant` makes a login role that psql (the real client) uses to
 * read its site's schema of views under the site user's access rules — and nothing else: not another
 * site's schema, not Sluice's own tables (tokens, accounts, jobs, settings, grants), no writes, no
 * switching roles; its password is needed; `sluice sql revoke` removes it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { entity, storedColumns } from "../src/core/entities/registry.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { BIN } from "./support/server.js";

const run = promisify(execFile);
const PSQL = ["/usr/lib/postgresql/15/bin/psql", "/usr/bin/psql"].find((p) => existsSync(p)) ?? "psql";

describe("PostgreSQL login roles for psql, pandas and BI tools", () => {
  let t: TestApp;
  let wiki: Site;
  let roleUrl: URL;
  let storeUrl: string;

  /** Runs one statement with psql as the granted role; stdout rows (unaligned, tuples only), or the error. */
  const psql = async (sql: string, url: URL = roleUrl): Promise<{ ok: boolean; out: string }> => {
    try {
      const { stdout } = await run(PSQL, [url.toString(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], { env: { PATH: process.env.PATH } });
      return { ok: true, out: stdout.trim() };
    } catch (error) {
      return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
    }
  };
  const cli = (...args: string[]) =>
    run(process.execPath, [BIN, "--home", t.home, ...args], { env: { PATH: process.env.PATH, SLUICE_LOG_LEVEL: "warn", SLUICE_DATABASE_URL: storeUrl, SLUICE_DEMO: "false" } });
  const apiCount = async (sql: string): Promise<number> => {
    const r = await t.app.inject({ method: "POST", url: "/wiki/rest/sql/v1/query", headers: t.auth, payload: { sql } });
    assert.equal(r.statusCode, 200, r.body);
    return Number((JSON.parse(r.body) as { rows: unknown[][] }).rows[0]![0]);
  };

  before(async () => {
    t = await startTestApp({ store: "postgres" });
    storeUrl = (t.ctx.config.store as { url: string }).url;
    wiki = (await t.ctx.store.sites.byKey("wiki"))!;
    const users = entity("confluence", "users");
    await t.ctx.store.data.upsert(wiki.id, users, [storedColumns(users).map((c) => ({ user_id: "alice-id", user_name: "alice", user_fullname: "Alice", user_email: "alice@example.com" })[c.name] ?? null)]);
    await t.ctx.access.grant(wiki, "SPACE:DOCS", { type: "user", name: "alice" });
    const { stdout } = await cli("sql", "grant", "--site", "wiki", "--user", "alice");
    const password = /Password \(shown once\): (\S+)/.exec(stdout)?.[1];
    assert.ok(password, stdout);
    assert.match(stdout, /Role wiki_alice sees \/wiki as alice/);
    roleUrl = new URL(storeUrl);
    roleUrl.username = "wiki_alice";
    roleUrl.password = password;
  });
  after(async () => t?.close());

  it("psql as the role sees its site's views, with the rows alice may browse", async () => {
    const tables = await psql("SELECT table_name FROM information_schema.views WHERE table_schema = current_schema() ORDER BY 1");
    assert.ok(tables.ok, tables.out);
    assert.ok(["pages", "comments", "spaces", "users", "sites"].every((n) => tables.out.split("\n").includes(n)), tables.out);
    const spaces = await psql("SELECT DISTINCT space_key FROM pages ORDER BY 1");
    assert.deepEqual(spaces.out.split("\n"), ["DOCS"]);
    const docs = await apiCount("SELECT count(*) FROM pages WHERE space_key = 'DOCS'");
    assert.equal(Number((await psql("SELECT count(*) FROM pages")).out), docs);
    // Through joins too: comments only of pages alice may browse.
    const joined = await psql("SELECT DISTINCT p.space_key FROM comments c JOIN pages p USING (page_id)");
    assert.deepEqual(joined.out.split("\n").filter(Boolean), ["DOCS"]);
    const url = await psql("SELECT page_url FROM pages LIMIT 1");
    assert.match(url.out, /^http:\/\/localhost:8080\/wiki\//);
  });

  it("a changed grant applies to the next statement", async () => {
    await t.ctx.access.grant(wiki, "SPACE:ENG", { type: "user", name: "alice" });
    assert.deepEqual((await psql("SELECT DISTINCT space_key FROM pages ORDER BY 1")).out.split("\n"), ["DOCS", "ENG"]);
    await t.ctx.access.revoke(wiki, "SPACE:ENG", { type: "user", name: "alice" });
    assert.deepEqual((await psql("SELECT DISTINCT space_key FROM pages ORDER BY 1")).out.split("\n"), ["DOCS"]);
  });

  it("cannot read another site's schema, Sluice's own tables, or other rows of the store's tables", async () => {
    await apiCount("SELECT count(*) FROM pages"); // the sysadmin's role on /wiki exists too
    const jira = await t.app.inject({ method: "POST", url: "/jira/rest/sql/v1/query", headers: t.auth, payload: { sql: "SELECT count(*) FROM issues" } });
    assert.equal(jira.statusCode, 200, jira.body);
    for (const sql of ["SELECT count(*) FROM site_jira.issues", "SELECT * FROM public.tokens", "SELECT * FROM public.accounts", "SELECT * FROM public.jobs", "SELECT * FROM public.settings", "SELECT * FROM public.confluence_grants", "SELECT * FROM sluice_sql.roles"]) {
      const r = await psql(sql);
      assert.equal(r.ok, false, `${sql} answered ${r.out}`);
      assert.match(r.out, /permission denied/, sql);
    }
    // The store's entity tables are readable only under row-level security: alice's site and spaces.
    const raw = await psql("SELECT count(*), count(DISTINCT site_id), min(scope_key), max(scope_key) FROM public.confluence_pages");
    assert.equal(raw.out, `${await apiCount("SELECT count(*) FROM pages WHERE space_key = 'DOCS'")}|1|DOCS|DOCS`);
    assert.equal((await psql("SELECT count(*) FROM public.jira_issues")).out, "0");
    // The policy's helper answers about the caller's own role only.
    assert.equal((await psql("SELECT sluice_sql.scopes('postgres')::text, sluice_sql.sees_all('postgres'), sluice_sql.site_of('postgres')")).out, "{}|f|");
  });

  it("cannot write, create, or become another role", async () => {
    const before = await apiCount("SELECT count(*) FROM pages");
    for (const sql of [
      "INSERT INTO pages (page_id) VALUES (1)",
      "DELETE FROM pages",
      "DELETE FROM public.confluence_pages",
      "UPDATE public.confluence_pages SET page_title = 'x'",
      "CREATE TABLE mine (a int)",
      "CREATE TABLE public.mine (a int)",
      "SET ROLE postgres",
      "SELECT set_config('role', 'postgres', false)",
      "COPY (SELECT 1) TO '/tmp/sluice-psql-copy.txt'",
      "SELECT pg_read_file('/etc/hostname')",
    ]) {
      const r = await psql(sql);
      assert.equal(r.ok, false, `${sql} answered ${r.out}`);
    }
    assert.equal(await apiCount("SELECT count(*) FROM pages"), before);
  });

  it("needs its password; `sluice sql logins` lists it and `sluice sql revoke` removes it", async () => {
    const wrong = new URL(roleUrl);
    wrong.password = "not-the-password";
    const refused = await psql("SELECT 1", wrong);
    assert.equal(refused.ok, false);
    assert.match(refused.out, /password authentication failed/);
    assert.match((await cli("sql", "logins")).stdout, /wiki_alice\s+\/wiki\s+alice/);
    assert.match((await cli("sql", "revoke", "--role", "wiki_alice")).stdout, /dropped/);
    const gone = await psql("SELECT 1");
    assert.equal(gone.ok, false);
    await assert.rejects(cli("sql", "revoke", "--role", "wiki_alice"), /no login role/);
  });
});
