import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Site, Store } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { rowsOf } from "./support/store-rows.js";

// One replay server for the file, shared by both stores' suites (each starts with an empty request log).
const server = new ReplayServer();
let base: string;
before(async () => {
  base = await server.start();
});
after(() => server.stop());

for (const kind of STORE_KINDS) {
  describe(`sync confluence-dc (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let site: Site;
    const fixtures = fixtureDir("confluence-dc");
    const env = { SLUICE_SECRET_WIKI: "tok" };

    before(async () => {
      server.requests.length = 0;
      server.unmatched.length = 0;
      t = await openTestStore(kind);
      store = t.store;
      await store.sites.ensureOrganisation("demo-org", "Demo");
      site = await store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki", baseUrl: "http://localhost:8080/wiki" });
      await store.settings.set(site.id, "source", { kind: "confluence-dc", url: base, tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
    });
    after(async () => t?.cleanup());

    test("a full sync pages with start/limit and _links.next and maps v1 content", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(server.requests[0]!.authorization, "Bearer tok");
      assert.deepEqual(server.requestsTo("/rest/api/space").map((r) => r.query.get("start")), ["0", "1"]);
      const spaces = await rowsOf(store, site, "confluence", "spaces");
      assert.deepEqual(spaces.map((s) => [s.space_key, s.space_url, s.homepage_url, s.space_type, s.space_status]), [
        ["OPS", "/display/OPS", "/display/OPS/Operations+Home", "global", "CURRENT"],
        ["~tom", "/display/~tom", null, "personal", "ARCHIVED"],
      ]);
      const pages = await rowsOf(store, site, "confluence", "pages");
      assert.deepEqual(pages.map((p) => [p.page_id, p.page_type, p.page_parent_id, p.labels, p.page_version, p.creator_id, p.updated_date]), [
        [1998851, "page", null, null, 7, "8a7f808a8c2e1b5a018c2e1c0b4a0000", "2024-04-02T08:00:00Z"],
        [1998860, "page", 1998851, '["oncall","my:todo"]', 3, "8a7f808a8c2e1b5a018c2e1c0b4a0001", "2024-04-03T09:15:00Z"],
        [2064385, "blogpost", null, null, 1, "8a7f808a8c2e1b5a018c2e1c0b4a0000", "2024-04-05T06:00:00Z"],
      ]);
      assert.equal(pages[1]!.last_update_description, "Rota for Q2");
      assert.equal(pages[1]!.page_url, "/display/OPS/On-call");
      const comments = await rowsOf(store, site, "confluence", "comments");
      assert.deepEqual(comments.map((c) => [c.comment_id, c.page_id, c.parent_comment_id, c.comment_content, c.scope_key]), [
        [2097153, 1998860, null, "<p>Swap with me?</p>", "OPS"],
        [2097154, 1998860, 2097153, "<p>Sure</p>", "OPS"],
      ]);
      const users = await rowsOf(store, site, "confluence", "users");
      assert.deepEqual(users.map((u) => [u.user_name, u.user_fullname, u.user_email]), [
        ["eva", "Eva Braun-Lopez", ""],
        ["tom", "Tom Akers", ""],
      ]);
    });

    test("an incremental sync asks CQL for changes since the cursor minus the overlap", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.counts.pages, 2);
      const pages = await rowsOf(store, site, "confluence", "pages");
      assert.deepEqual(pages.map((p) => p.page_title), ["Operations Home", "On-call rota", "Q1 incident review"]);
      assert.equal(pages[1]!.last_modifier_id, "8a7f808a8c2e1b5a018c2e1c0b4a0000");
    });
  });
}
