/**
 * Sluice on PostgreSQL as an ordinary role (not a superuser): the role that owns the store's tables,
 * with CREATEROLE. SQL forces row-level security on the entity tables; the store's own reads and
 * writes (the export, upserts, counts) still see every row, and a reader still sees only its own.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { issueToken } from "../src/access/tokens.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { emptyPostgresDatabase } from "./support/stores.js";
import { withClient } from "./support/postgres.js";

describe("PostgreSQL store owned by a non-superuser role, with SQL's row-level security forced", () => {
  let t: TestApp;
  let db: { url: string; drop(): Promise<void> };
  const role = `sluice_app_${process.pid}`;

  before(async () => {
    db = await emptyPostgresDatabase();
    const name = new URL(db.url).pathname.slice(1);
    await withClient(db.url, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN CREATEROLE PASSWORD 'app-password'`);
      await c.query(`ALTER DATABASE ${name} OWNER TO ${role}`);
    });
    const url = new URL(db.url);
    url.username = role;
    url.password = "app-password";
    t = await startTestApp({ config: { store: { kind: "postgres", url: url.toString() } } });
  });
  after(async () => {
    await t?.close();
    await db?.drop();
  });

  it("owns the tables, is not a superuser, and RLS is forced once SQL has run", async () => {
    const ok = await t.app.inject({ method: "POST", url: "/wiki/rest/sql/v1/query", headers: t.auth, payload: { sql: "SELECT count(*) FROM pages" } });
    assert.equal(ok.statusCode, 200, ok.body);
    const pages = (JSON.parse(ok.body) as { rows: number[][] }).rows[0]![0]!;
    assert.ok(pages > 0);
    await withClient(db.url, async (c) => {
      const r = await c.query<{ owner: string; forced: boolean; su: boolean }>(
        `SELECT t.tableowner AS owner, c.relforcerowsecurity AS forced, (SELECT rolsuper FROM pg_roles WHERE rolname = t.tableowner) AS su
         FROM pg_tables t JOIN pg_class c ON c.relname = t.tablename WHERE t.tablename = 'confluence_pages'`,
      );
      assert.deepEqual(r.rows[0], { owner: role, forced: true, su: false });
    });
  });

  it("the store's own counts, writes and export still see every row", async () => {
    const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
    const def = entity("confluence", "pages");
    const total = await t.ctx.store.data.count(wiki.id, { entity: def });
    await withClient(db.url, async (c) => {
      const r = await c.query<{ n: string }>("SELECT count(*) AS n FROM confluence_pages WHERE site_id = $1", [wiki.id]);
      assert.equal(Number(r.rows[0]!.n), total, "as the superuser");
    });
    const start = await t.app.inject({ method: "POST", url: "/wiki/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00:00Z", headers: { ...t.auth, "x-atlassian-token": "no-check" } });
    assert.equal(start.statusCode, 202, start.body);
    const job = await waitForJob(t, "wiki", (JSON.parse(start.body) as { jobId: number }).jobId);
    assert.equal(job.status, "COMPLETED");
    const files = (job.files ?? []) as { name: string; rows: number }[];
    assert.equal(files.find((f) => f.name.startsWith("pages_"))?.rows, total);
  });

  it("a reader still sees only the rows it may browse", async () => {
    const vera = await issueToken(t.ctx.store, { username: "admin-less", sysadmin: false, name: "x" });
    const r = await t.app.inject({ method: "POST", url: "/wiki/rest/sql/v1/query", headers: { authorization: `Bearer ${vera}` }, payload: { sql: "SELECT count(*) FROM pages" } });
    assert.equal(r.statusCode, 200, r.body);
    const seen = (JSON.parse(r.body) as { rows: number[][] }).rows[0]![0]!;
    const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
    const anyone = await t.ctx.store.data.count(wiki.id, { entity: entity("confluence", "pages"), viewer: { all: false, user: null } });
    assert.equal(seen, anyone);
    assert.ok(seen < (await t.ctx.store.data.count(wiki.id, { entity: entity("confluence", "pages") })));
  });
});
