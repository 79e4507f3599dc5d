/**
 * Values taken from the vendor's own record, not from a stand-in (issue 17): an edited Confluence Cloud
 * comment keeps the creator and creation time of its version 1; Cloud space types outside the spec's
 * `global|personal` map to `global`; a Bitbucket Cloud pull request's `closed_date` is its merge or
 * decline time from the activity, not `updated_on` (which a later comment moves). SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { uuidToId } from "../src/sources/bitbucket/ids.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { rowsOf } from "./support/store-rows.js";

for (const kind of STORE_KINDS) {
  describe(`sync values exact (${kind})`, () => {
    let t: TestStore;
    const env = { SLUICE_SECRET_WIKI: "tok", SLUICE_SECRET_BB: "bbtok" };

    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => t?.cleanup());

    test("confluence-cloud: an edited comment keeps its version 1 creator and date; knowledge_base and collaboration spaces are global", async () => {
      const server = new ReplayServer();
      try {
        const base = await server.start();
        const site = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki", baseUrl: "http://localhost:8080/wiki" });
        await t.store.settings.set(site.id, "source", { kind: "confluence-cloud", url: base, email: "ann@acme.com", tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
        server.load(join(fixtureDir("confluence-cloud"), "values-exact"));
        const run = await runSync({ store: t.store, site, env });
        assert.deepEqual(server.unmatched, []);
        assert.equal(run.status, "SUCCEEDED");

        const spaces = await rowsOf(t.store, site, "confluence", "spaces");
        assert.deepEqual(spaces.map((s) => [s.space_key, s.space_type]), [
          ["KB", "global"],
          ["TEAM", "global"],
          ["~cara", "personal"],
        ]);

        const comments = await rowsOf(t.store, site, "confluence", "comments");
        assert.deepEqual(comments.map((c) => [c.comment_id, c.creator_id, c.created_date, c.last_modifier_id, c.updated_date]), [
          // Version 3 by Cara; Ann wrote version 1.
          [425985, "557058:aa11", "2024-04-08T07:30:00Z", "630000:cc33", "2024-04-10T12:00:00Z"],
          [425986, "630000:cc33", "2024-04-09T09:00:00Z", "630000:cc33", "2024-04-09T09:00:00Z"],
        ]);
        // One versions request for the edited comment, none for the unedited one.
        assert.deepEqual(
          server.requests.filter((r) => r.path.endsWith("/versions")).map((r) => r.path),
          ["/wiki/api/v2/footer-comments/425985/versions"],
        );
        // The creator met only in version 1 is among the users read.
        const users = await rowsOf(t.store, site, "confluence", "users");
        assert.deepEqual(users.map((u) => u.user_id), ["557058:aa11", "630000:cc33"]);
      } finally {
        await server.stop();
      }
    });

    test("bitbucket-cloud: a pull request commented on after its merge or decline keeps that time as closed_date", async () => {
      const server = new ReplayServer();
      try {
        const base = await server.start();
        const site = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-cloud", baseUrl: "http://localhost/bb-cloud" });
        await t.store.settings.set(site.id, "source", { kind: "bitbucket-cloud", url: `${base}/acme`, email: "jo@acme.com", tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
        server.load(join(fixtureDir("bitbucket-cloud"), "values-exact"));
        const run = await runSync({ store: t.store, site, env });
        assert.deepEqual(server.unmatched, []);
        assert.equal(run.status, "SUCCEEDED");

        const repoId = uuidToId("{5c0ffee0-1234-4abc-8def-0123456789ab}")!;
        const prs = await rowsOf(t.store, site, "bitbucket", "pull_requests");
        assert.deepEqual(prs.map((p) => [p.pull_request_id, p.state, p.updated_date, p.closed_date]), [
          [`${repoId}-11`, "MERGED", "2024-06-07T11:00:00Z", "2024-06-03T15:30:00Z"],
          [`${repoId}-12`, "DECLINED", "2024-06-08T16:45:00Z", "2024-06-04T10:15:00Z"],
        ]);
        const activities = await rowsOf(t.store, site, "bitbucket", "pull_request_activities");
        assert.deepEqual(activities.filter((a) => a.action === "MERGED" || a.action === "DECLINED").map((a) => [a.pull_request_id, a.action, a.created_date]).sort(), [
          [`${repoId}-11`, "MERGED", "2024-06-03T15:30:00Z"],
          [`${repoId}-12`, "DECLINED", "2024-06-04T10:15:00Z"],
        ]);
      } finally {
        await server.stop();
      }
    });
  });
}
