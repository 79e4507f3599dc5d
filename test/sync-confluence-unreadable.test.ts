/**
 * Nothing skipped in silence (issue 17), Confluence Cloud: a page the listing named whose labels the
 * token may not read (403), and an edited comment whose versions are gone (404), are counted and named
 * in the run record's `skipped`; the sync succeeds with everything else. On SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

// One replay server for the file, started once, shared by both stores' suites.
const server = new ReplayServer();
let base: string;
before(async () => {
  base = await server.start();
});
after(() => server.stop());

for (const kind of STORE_KINDS) {
  describe(`Confluence pages the token cannot read (${kind})`, () => {
    let t: TestStore;
    const fixtures = fixtureDir("confluence-cloud");
    const env = { SLUICE_SECRET_WIKI: "tok" };
    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => t?.cleanup());

    test("a page the token cannot read is counted and named in the run record's skipped", async () => {
      const site = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki-unreadable", baseUrl: "http://localhost:8080/wiki-unreadable" });
      await t.store.settings.set(site.id, "source", { kind: "confluence-cloud", url: base, email: "ann@acme.com", tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
      server.unmatched.length = 0;
      server.load(join(fixtures, "common"), join(fixtures, "full"), join(fixtures, "unreadable"));
      const run = await runSync({ store: t.store, site, env });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.skipped, [
        { entity: "pages", reason: "listed, but the token may not read its labels (403)", count: 1, names: ["65601"] },
        { entity: "comments", reason: "listed, but its versions answered 404 (deleted or restricted since it was listed)", count: 1, names: ["196609"] },
      ]);
      const pages = await t.store.data.distinct(site.id, entity("confluence", "pages"), ["page_id"], { column: "space_key", in: ["ENG", "~bob"] }, 100);
      assert.deepEqual(pages.map((p) => String(p.page_id)).sort(), ["131073", "65537", "65602"], "the other pages are stored, the unreadable one is not stored half-read");
      assert.equal(await t.store.data.count(site.id, entity("confluence", "comments")), 2);
    });
  });
}
