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
  describe(`sync confluence-cloud (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let site: Site;
    const fixtures = fixtureDir("confluence-cloud");
    const env = { SLUICE_SECRET_WIKI: "tok" };

    before(async () => {
      server.requests.length = 0;
      server.unmatched.length = 0;
      t = await openTestStore(kind);
      store = t.store;
      await store.sites.ensureOrganisation("demo-org", "Demo");
      site = await store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki", baseUrl: "http://localhost:8080/wiki" });
      await store.settings.set(site.id, "source", { kind: "confluence-cloud", url: base, email: "ann@acme.com", tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
    });
    after(async () => t?.cleanup());

    test("a full sync follows cursor links and stores spaces, pages, blog posts, comments and users", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(server.requestsTo("/wiki/api/v2/pages")[1]!.query.get("cursor"), "eyJpZCI6IjY1NjAxIn0");

      const spaces = await rowsOf(store, site, "confluence", "spaces");
      assert.deepEqual(spaces.map((s) => [s.space_key, s.space_url, s.homepage_url, s.space_type, s.space_status, s.creator_id, s.created_date]), [
        ["ENG", "/wiki/spaces/ENG", "/wiki/spaces/ENG/pages/65537", "global", "CURRENT", "557058:aa11", "2023-01-10T08:00:00Z"],
        ["~bob", "/wiki/spaces/~bob", null, "personal", "ARCHIVED", "712020:bb22", "2023-02-01T09:30:00Z"],
      ]);
      const pages = await rowsOf(store, site, "confluence", "pages");
      assert.deepEqual(pages.map((p) => [p.page_id, p.page_type, p.space_key, p.page_parent_id, p.page_version]), [
        [65537, "page", "ENG", null, 4],
        [65601, "page", "ENG", 65537, 2],
        [65602, "page", "~bob", null, 1],
        [131073, "blogpost", "ENG", null, 1],
      ]);
      const home = pages[0]!;
      assert.equal(home.page_url, "/wiki/spaces/ENG/overview");
      assert.equal(home.page_content, "<p>Welcome to <strong>ENG</strong></p>");
      assert.equal(home.creator_id, "557058:aa11");
      assert.equal(home.last_modifier_id, "712020:bb22");
      assert.equal(home.updated_date, "2024-02-01T10:00:00Z");
      assert.equal(home.last_update_description, "Add links");
      assert.equal(pages[1]!.labels, '["runbook","team:ops"]');
      assert.equal(pages[1]!.scope_key, "ENG");

      const comments = await rowsOf(store, site, "confluence", "comments");
      assert.deepEqual(comments.map((c) => [c.comment_id, c.page_id, c.parent_comment_id, c.creator_id, c.created_date, c.scope_key]), [
        // Edited (version 2 by another user): creator and creation time from its version 1.
        [196609, 65601, null, "557058:aa11", "2024-01-15T16:00:00Z", "ENG"],
        [196610, 65601, 196609, "712020:bb22", "2024-01-16T11:00:00Z", "ENG"],
        [196611, 131073, null, "557058:aa11", "2024-01-21T08:00:00Z", "ENG"],
      ]);
      assert.equal(comments[0]!.comment_content, "<p>Add the restart steps</p>");
      assert.equal(comments[0]!.comment_url, "/wiki/spaces/ENG/pages/65601/Runbooks?focusedCommentId=196609");

      const users = await rowsOf(store, site, "confluence", "users");
      assert.deepEqual(users.map((u) => [u.user_id, u.user_name, u.user_fullname, u.user_email]), [
        ["557058:aa11", "ann", "Ann Lee", "ann@acme.com"],
        ["5d9b0c3e1b2c3d0c0e0a1b2c", "Jira Cloud", "Jira Cloud", ""],
        ["712020:bb22", "bob", "Bob Smith", ""],
      ]);
    });

    test("an incremental sync reads newest changes first and stops at the previous high-water mark", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      const before = server.requests.length;
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.mode, "incremental");
      assert.equal(server.requests.slice(before).filter((r) => r.path === "/wiki/api/v2/pages").length, 1, "no second page once older changes show");
      const pages = await rowsOf(store, site, "confluence", "pages");
      assert.equal(pages.length, 4);
      assert.deepEqual([pages[1]!.page_title, pages[1]!.page_version, pages[1]!.last_modifier_id], ["Runbooks (2024)", 3, "557058:aa11"]);
      assert.equal(run.counts.pages, 3, "the changed page, plus the pages within the overlap");
    });

    test("a page deleted in Confluence disappears after the reconcile", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "reconcile"));
      const run = await runSync({ store, site, env, reconcile: true });
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.deleted, { pages: 1 });
      const pages = await rowsOf(store, site, "confluence", "pages");
      assert.deepEqual(pages.map((p) => p.page_id), [65537, 65601, 131073]);
    });
  });
}
