/**
 * Saved SQL queries and dashboards on both stores: the store's records (owner, visibility, chart and
 * items round-trip; a deleted query leaves every dashboard), the service's rules (who sees, changes and
 * deletes what), and the HTTP API (`<site>/rest/sql/v1/queries|dashboards`: shapes, 4xx keys, OpenAPI).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { issueToken } from "../src/access/tokens.js";
import type { ChartSpec } from "../src/core/saved-sql.js";
import { isSluiceError } from "../src/core/errors.js";
import { createSite } from "../src/sites/site-service.js";
import { SavedSqlService } from "../src/sql/saved/saved-sql-service.js";
import type { Account, Site, Store } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

const BAR: ChartSpec = { type: "bar", x: "space_key", y: ["pages"] };
const SQL = "SELECT space_key, count(*) AS pages FROM pages GROUP BY space_key ORDER BY 2 DESC";

/** The error code a promise rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSluiceError(error)) return error.code;
    throw error;
  }
  return "(no error)";
}

for (const kind of STORE_KINDS) {
  describe(`saved SQL (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let wiki: Site;
    let jira: Site;
    let ann: Account;
    let bob: Account;
    let admin: Account;

    before(async () => {
      t = await openTestStore(kind);
      store = t.store;
      wiki = await createSite(store, { product: "confluence", contextPath: "/wiki" });
      jira = await createSite(store, { product: "jira", contextPath: "/jira" });
      ann = await store.accounts.ensureAccount("ann", "Ann", false);
      bob = await store.accounts.ensureAccount("bob", "Bob", false);
      admin = await store.accounts.ensureAccount("root", "Root", true);
    });
    after(async () => {
      await t?.cleanup();
    });

    test("store: a query keeps its owner, SQL, chart and visibility; lists show own and public ones by name", async () => {
      const a = await store.savedSql.addQuery({ siteId: wiki.id, ownerId: ann.id, name: "pages per space", sql: SQL, chart: BAR, visibility: "private" }, 1000);
      const b = await store.savedSql.addQuery({ siteId: wiki.id, ownerId: bob.id, name: "Authors", sql: "SELECT 1", chart: { type: "table", y: [] }, visibility: "public" }, 2000);
      const c = await store.savedSql.addQuery({ siteId: wiki.id, ownerId: bob.id, name: "bob's secret", sql: "SELECT 2", chart: { type: "table", y: [] }, visibility: "private" }, 3000);
      await store.savedSql.addQuery({ siteId: jira.id, ownerId: ann.id, name: "issues", sql: "SELECT 3", chart: { type: "table", y: [] }, visibility: "public" }, 4000);
      assert.deepEqual(await store.savedSql.query(a.id), {
        id: a.id, siteId: wiki.id, ownerId: ann.id, ownerName: "ann", name: "pages per space", sql: SQL, chart: BAR, visibility: "private", createdAt: 1000, updatedAt: 1000,
      });
      const names = async (reader: number | null) => (await store.savedSql.queries(wiki.id, reader)).map((q) => q.name);
      assert.deepEqual(await names(ann.id), ["Authors", "pages per space"]);
      assert.deepEqual(await names(bob.id), ["Authors", "bob's secret"]);
      assert.deepEqual(await names(null), ["Authors", "bob's secret", "pages per space"]);
      assert.equal(await store.savedSql.query(999_999), undefined);

      const changed = await store.savedSql.updateQuery(c.id, { name: "Bob's chart", chart: { type: "pie", x: "k", y: ["n"] }, visibility: "public" }, 5000);
      assert.equal(changed?.name, "Bob's chart");
      assert.deepEqual(changed?.chart, { type: "pie", x: "k", y: ["n"] });
      assert.equal(changed?.sql, "SELECT 2");
      assert.deepEqual([changed?.createdAt, changed?.updatedAt], [3000, 5000]);
      assert.equal(await store.savedSql.updateQuery(999_999, { name: "x" }, 5000), undefined);
      assert.equal(b.ownerName, "bob");
    });

    test("store: dashboards keep their items in order; a deleted query leaves every dashboard, the rest stays", async () => {
      const q = async (name: string) =>
        store.savedSql.addQuery({ siteId: wiki.id, ownerId: ann.id, name, sql: "SELECT 1", chart: { type: "table", y: [] }, visibility: "public" }, 10);
      const [one, two, three] = [await q("one"), await q("two"), await q("three")];
      const items = [
        { queryId: three.id, width: "full" as const },
        { queryId: one.id, width: "half" as const },
        { queryId: two.id, width: "half" as const },
      ];
      const d1 = await store.savedSql.addDashboard({ siteId: wiki.id, ownerId: ann.id, name: "Team", visibility: "public", items }, 20);
      const d2 = await store.savedSql.addDashboard({ siteId: wiki.id, ownerId: bob.id, name: "mine", visibility: "private", items: [{ queryId: two.id, width: "full" }] }, 20);
      assert.deepEqual((await store.savedSql.dashboard(d1.id))?.items, items);
      assert.equal(d1.ownerName, "ann");
      assert.deepEqual((await store.savedSql.dashboards(wiki.id, ann.id)).map((d) => d.name), ["Team"]);
      assert.deepEqual((await store.savedSql.dashboards(wiki.id, bob.id)).map((d) => d.name), ["mine", "Team"]);
      assert.deepEqual(await store.savedSql.dashboards(jira.id, null), []);

      assert.equal(await store.savedSql.deleteQuery(two.id, 30), true);
      assert.equal(await store.savedSql.deleteQuery(two.id, 30), false);
      assert.equal(await store.savedSql.query(two.id), undefined);
      const after1 = await store.savedSql.dashboard(d1.id);
      assert.deepEqual(after1?.items, items.slice(0, 2));
      assert.equal(after1?.updatedAt, 30);
      assert.deepEqual((await store.savedSql.dashboard(d2.id))?.items, []);

      const renamed = await store.savedSql.updateDashboard(d1.id, { name: "Team pages", items: [{ queryId: one.id, width: "full" }] }, 40);
      assert.deepEqual([renamed?.name, renamed?.visibility, renamed?.items], ["Team pages", "public", [{ queryId: one.id, width: "full" }]]);
      assert.equal(await store.savedSql.deleteDashboard(d1.id), true);
      assert.equal(await store.savedSql.dashboard(d1.id), undefined);
      assert.ok(await store.savedSql.query(one.id), "a dashboard's queries stay when it goes");
      assert.equal(await store.savedSql.deleteDashboard(d1.id), false);
    });

    test("service: everyone sees their own and the public ones; only the owner changes, the owner or an admin deletes", async () => {
      const saved = new SavedSqlService(store, () => 100);
      const secret = await saved.createQuery(wiki, ann, { name: "ann private", sql: "SELECT 1", chart: BAR, visibility: "private" });
      const shared = await saved.createQuery(wiki, ann, { name: "ann public", sql: "SELECT 2", chart: BAR, visibility: "public" });
      assert.equal(await codeOf(saved.query(wiki, bob, secret.id)), "sluice.sql.query.not.found");
      assert.equal(await codeOf(saved.query(jira, ann, secret.id)), "sluice.sql.query.not.found", "another site's query is not found");
      assert.equal((await saved.query(wiki, bob, shared.id)).name, "ann public");
      assert.equal((await saved.query(wiki, admin, secret.id)).name, "ann private");
      assert.equal(await codeOf(saved.updateQuery(wiki, bob, shared.id, { name: "taken" })), "sluice.sql.saved.forbidden");
      assert.equal(await codeOf(saved.updateQuery(wiki, admin, secret.id, { name: "taken" })), "sluice.sql.saved.forbidden");
      assert.equal(await codeOf(saved.deleteQuery(wiki, bob, shared.id)), "sluice.sql.saved.forbidden");
      assert.equal((await saved.updateQuery(wiki, ann, secret.id, { visibility: "public" })).visibility, "public");

      // A dashboard names only queries of its site that its owner may see.
      const bobs = await saved.createQuery(wiki, bob, { name: "bob private", sql: "SELECT 3", chart: BAR, visibility: "private" });
      const refused = await saved.createDashboard(wiki, ann, { name: "d", visibility: "public", items: [{ queryId: bobs.id, width: "half" }, { queryId: 999_999, width: "half" }] }).catch((e: unknown) => e);
      assert.ok(isSluiceError(refused) && refused.code === "sluice.sql.saved.invalid", String(refused));
      assert.deepEqual(refused.problems.map((p) => p.message.split(":")[0]), ["items.0.queryId", "items.1.queryId"]);
      const board = await saved.createDashboard(wiki, bob, { name: "bob's board", visibility: "public", items: [{ queryId: bobs.id, width: "half" }, { queryId: shared.id, width: "full" }] });
      // Ann sees Bob's public board, with his private query left out.
      const seen = await saved.dashboard(wiki, ann, board.dashboard.id);
      assert.deepEqual([...seen.queries.keys()], [shared.id]);
      assert.equal(await codeOf(saved.updateDashboard(wiki, ann, board.dashboard.id, { name: "mine now" })), "sluice.sql.saved.forbidden");
      assert.equal(await codeOf(saved.dashboard(jira, bob, board.dashboard.id)), "sluice.sql.dashboard.not.found");
      await saved.deleteDashboard(wiki, admin, board.dashboard.id);
      assert.equal(await codeOf(saved.dashboard(wiki, bob, board.dashboard.id)), "sluice.sql.dashboard.not.found");
      await saved.deleteQuery(wiki, admin, bobs.id);
      assert.equal(await codeOf(saved.query(wiki, bob, bobs.id)), "sluice.sql.query.not.found");
    });
  });

  describe(`saved SQL over HTTP (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ store: kind, seed_demo: true, scale: 0.05 });
    });
    after(async () => {
      await t?.close();
    });
    const call = async (method: "GET" | "POST" | "PUT" | "DELETE", url: string, body?: unknown, token?: string) => {
      const headers = token ? { authorization: `Bearer ${token}` } : t.auth;
      const res = await t.app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined };
    };

    test("save a query, make a dashboard of it, change both, delete both", async () => {
      const created = await call("POST", "/wiki/rest/sql/v1/queries", { name: " Pages per space ", sql: SQL, chart: BAR });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const { id, createdTime, updatedTime, ...rest } = created.json;
      assert.ok(Number.isInteger(id) && !Number.isNaN(Date.parse(createdTime)) && updatedTime === createdTime);
      assert.deepEqual(rest, { site: "wiki", name: "Pages per space", sql: SQL, chart: BAR, visibility: "private", owner: "admin", editable: true, deletable: true });
      assert.deepEqual((await call("GET", "/wiki/rest/sql/v1/queries")).json.values.map((q: { id: number }) => q.id), [id]);
      assert.deepEqual((await call("GET", "/jira/rest/sql/v1/queries")).json.values, []);
      assert.equal((await call("GET", `/wiki/rest/sql/v1/queries/${id}`)).json.sql, SQL);

      const board = await call("POST", "/wiki/rest/sql/v1/dashboards", { name: "Spaces", visibility: "public", items: [{ queryId: id }] });
      assert.equal(board.status, 201, JSON.stringify(board.json));
      assert.deepEqual(board.json.items.map((i: { queryId: number; width: string; query: { name: string } }) => [i.queryId, i.width, i.query.name]), [[id, "half", "Pages per space"]]);
      const listed = (await call("GET", "/wiki/rest/sql/v1/dashboards")).json.values;
      assert.deepEqual(listed.map((d: { name: string; items: unknown[] }) => [d.name, d.items]), [["Spaces", [{ queryId: id, width: "half" }]]]);

      const changed = await call("PUT", `/wiki/rest/sql/v1/queries/${id}`, { chart: { type: "line", x: "space_key", y: ["pages"] }, visibility: "public" });
      assert.equal(changed.status, 200);
      assert.deepEqual([changed.json.name, changed.json.chart.type, changed.json.visibility], ["Pages per space", "line", "public"]);
      const widened = await call("PUT", `/wiki/rest/sql/v1/dashboards/${board.json.id}`, { items: [{ queryId: id, width: "full" }] });
      assert.equal(widened.json.items[0].width, "full");

      assert.equal((await call("DELETE", `/wiki/rest/sql/v1/queries/${id}`)).status, 204);
      const gone = await call("GET", `/wiki/rest/sql/v1/queries/${id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.json.errors[0].key, "sluice.sql.query.not.found");
      assert.deepEqual((await call("GET", `/wiki/rest/sql/v1/dashboards/${board.json.id}`)).json.items, []);
      assert.equal((await call("DELETE", `/wiki/rest/sql/v1/dashboards/${board.json.id}`)).status, 204);
      assert.equal((await call("GET", `/wiki/rest/sql/v1/dashboards/${board.json.id}`)).json.errors[0].key, "sluice.sql.dashboard.not.found");
    });

    test("bad input is a 400 naming each field, an unknown site or id a 404; never a 500", async () => {
      const bad = [
        [{ name: "", sql: SQL }, ["name"]],
        [{ name: "   ", sql: SQL }, ["name"]],
        [{ name: "x", sql: SQL, chart: { type: "bar", y: [] } }, ["chart.x", "chart.y"]],
        [{ name: "x", sql: SQL, chart: { type: "pie", x: "a", y: ["b", "c"] } }, ["chart.y"]],
        [{ name: "x", sql: SQL, chart: { type: "radar" } }, ["chart.type"]],
        [{ name: "x", sql: SQL, visibility: "secret" }, ["visibility"]],
        [{ name: "x\u0000", sql: SQL, extra: 1 }, ["name", "saved query"]],
        [{ sql: 42 }, ["name", "sql"]],
      ] as const;
      for (const [body, fields] of bad) {
        const res = await call("POST", "/wiki/rest/sql/v1/queries", body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.deepEqual(res.json.errors.map((e: { key: string }) => e.key), fields.map(() => "sluice.sql.saved.invalid"), JSON.stringify(res.json));
        assert.deepEqual(res.json.errors.map((e: { message: string }) => e.message.split(":")[0]), fields, JSON.stringify(res.json));
      }
      const twice = await call("POST", "/wiki/rest/sql/v1/dashboards", { name: "d", items: [{ queryId: 5 }, { queryId: 5 }] });
      assert.equal(twice.status, 400);
      assert.match(twice.json.errors[0].message, /^items\.1\.queryId: query 5 is on the dashboard twice/);
      const missing = await call("POST", "/wiki/rest/sql/v1/dashboards", { name: "d", items: [{ queryId: 424242 }] });
      assert.equal(missing.status, 400);
      assert.match(missing.json.errors[0].message, /^items\.0\.queryId: there is no saved query 424242 on \/wiki/);
      const noSite = await call("GET", "/nowhere/rest/sql/v1/queries");
      assert.deepEqual([noSite.status, noSite.json.errors[0].key], [404, "sluice.site.not.found"]);
      const badId = await call("GET", "/wiki/rest/sql/v1/queries/abc");
      assert.deepEqual([badId.status, badId.json.errors[0].key], [400, "sluice.sql.saved.invalid"]);
      assert.equal((await call("DELETE", "/wiki/rest/sql/v1/dashboards/77")).status, 404);
    });

    test("a person's token: their own and the public ones; only the owner changes one", async () => {
      const vera = await issueToken(t.ctx.store, { username: "vera", sysadmin: false, name: "t" });
      const tom = await issueToken(t.ctx.store, { username: "tom", sysadmin: false, name: "t" });
      const secret = (await call("POST", "/wiki/rest/sql/v1/queries", { name: "admin only", sql: "SELECT 1" })).json;
      const shared = (await call("POST", "/wiki/rest/sql/v1/queries", { name: "for all", sql: "SELECT 2", visibility: "public" })).json;
      const names = async (token: string) => (await call("GET", "/wiki/rest/sql/v1/queries", undefined, token)).json.values.map((q: { name: string }) => q.name);
      // The console signs people in: who they are, and the sites SQL runs on.
      assert.deepEqual((await call("GET", "/rest/admin/v1/myself", undefined, vera)).json, { username: "vera", displayName: "vera", sysadmin: false });
      assert.deepEqual((await call("GET", "/rest/sql/v1/sites", undefined, vera)).json.values.map((v: { key: string }) => v.key).sort(), ["bitbucket", "jira", "wiki"]);
      assert.equal((await call("GET", "/rest/admin/v1/sites", undefined, vera)).status, 403, "the admin API stays for administrators");
      assert.deepEqual(await names(vera), ["for all"]);
      const hidden = await call("GET", `/wiki/rest/sql/v1/queries/${secret.id}`, undefined, vera);
      assert.deepEqual([hidden.status, hidden.json.errors[0].key], [404, "sluice.sql.query.not.found"]);
      const seen = await call("GET", `/wiki/rest/sql/v1/queries/${shared.id}`, undefined, vera);
      assert.deepEqual([seen.status, seen.json.editable, seen.json.deletable, seen.json.owner], [200, false, false, "admin"]);
      for (const [method, body] of [["PUT", { name: "mine" }], ["DELETE", undefined]] as const) {
        const refused = await call(method, `/wiki/rest/sql/v1/queries/${shared.id}`, body, vera);
        assert.deepEqual([refused.status, refused.json.errors[0].key], [403, "sluice.sql.saved.forbidden"], `${method}: ${JSON.stringify(refused.json)}`);
      }

      const own = await call("POST", "/wiki/rest/sql/v1/queries", { name: "vera's", sql: "SELECT 3", chart: BAR }, vera);
      assert.deepEqual([own.status, own.json.owner, own.json.editable], [201, "vera", true]);
      assert.deepEqual(await names(tom), ["for all"]);
      const byAdmin = (await call("GET", "/wiki/rest/sql/v1/queries")).json.values.find((q: { name: string }) => q.name === "vera's");
      assert.deepEqual([byAdmin.editable, byAdmin.deletable], [false, true], "an admin sees every query and may delete, not change, another's");

      const refused = await call("POST", "/wiki/rest/sql/v1/dashboards", { name: "d", items: [{ queryId: own.json.id }, { queryId: secret.id }] }, vera);
      assert.equal(refused.status, 400);
      assert.match(refused.json.errors[0].message, new RegExp(`^items\\.1\\.queryId: there is no saved query ${secret.id} on /wiki that you can see`));
      const board = await call("POST", "/wiki/rest/sql/v1/dashboards", { name: "vera's board", items: [{ queryId: own.json.id }, { queryId: shared.id }] }, vera);
      assert.equal(board.status, 201);
      assert.equal((await call("GET", `/wiki/rest/sql/v1/dashboards/${board.json.id}`, undefined, tom)).status, 404);
      assert.equal((await call("PUT", `/wiki/rest/sql/v1/dashboards/${board.json.id}`, { visibility: "public" }, vera)).status, 200);
      // Tom sees the public board, and of its charts only the public one.
      const asTom = await call("GET", `/wiki/rest/sql/v1/dashboards/${board.json.id}`, undefined, tom);
      assert.deepEqual(asTom.json.items.map((i: { query: { name: string } | null }) => i.query?.name ?? null), [null, "for all"]);
    });

    test("the routes are in the OpenAPI document, with their bodies", async () => {
      const doc = (await t.app.inject({ method: "GET", url: "/rest/openapi.json" })).json<{ paths: Record<string, Record<string, any>> }>();
      for (const path of ["/{site}/rest/sql/v1/queries", "/{site}/rest/sql/v1/queries/{id}", "/{site}/rest/sql/v1/dashboards", "/{site}/rest/sql/v1/dashboards/{id}"]) {
        assert.ok(doc.paths[path], `${path} is not documented`);
      }
      const post = doc.paths["/{site}/rest/sql/v1/queries"]!.post;
      assert.deepEqual(Object.keys(post.requestBody.content["application/json"].schema.properties), ["name", "sql", "chart", "visibility"]);
    });
  });
}
