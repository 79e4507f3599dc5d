/**
 * Archived Confluence pages are kept (issue 17): Confluence Cloud lists pages of every live status
 * (`current` and `archived`), so a page archived upstream stays in the store after a reconcile — and a
 * page that is really gone still goes. On SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

for (const kind of STORE_KINDS) {
  describe(`archived Confluence pages (${kind})`, () => {
    let t: TestStore;
    const server = new ReplayServer();
    const fixtures = fixtureDir("confluence-cloud");
    const env = { SLUICE_SECRET_WIKI: "tok" };
    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => {
      await server.stop();
      await t.cleanup();
    });

    test("a page archived upstream is listed by the reconcile and kept; without it in the listing it would go", async () => {
      const site = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki-archived", baseUrl: "http://localhost:8080/wiki-archived" });
      const base = await server.start();
      await t.store.settings.set(site.id, "source", { kind: "confluence-cloud", url: base, email: "ann@acme.com", tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      assert.equal((await runSync({ store: t.store, site, env })).status, "SUCCEEDED");
      const pages = await t.store.data.count(site.id, entity("confluence", "pages"));

      // 65602 is archived now: the listing of current and archived pages still has it.
      server.load(join(fixtures, "common"), join(fixtures, "reconcile"), join(fixtures, "archived"));
      const run = await runSync({ store: t.store, site, env, reconcile: true });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.deleted.pages ?? 0, 0, "the archived page is not swept");
      assert.equal(await t.store.data.count(site.id, entity("confluence", "pages")), pages);
      const sweep = server.requests.filter((r) => r.path === "/wiki/api/v2/pages" && !r.query.has("sort"));
      assert.ok(sweep.length > 0 && sweep.every((r) => r.query.getAll("status").join(",") === "current,archived"), "the sweep asks for current and archived pages");
    });
  });
}
