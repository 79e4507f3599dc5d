import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { uuidToId } from "../src/sources/bitbucket/ids.js";
import type { Store } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { rowsOf } from "./support/store-rows.js";

for (const kind of STORE_KINDS) describe(`sync bitbucket (${kind})`, () => {
  let t: TestStore;
  let store: Store;
  const env = { SLUICE_SECRET_BB: "bbtok" };

  before(async () => {
    t = await openTestStore(kind);
    store = t.store;
    await store.sites.ensureOrganisation("demo-org", "Demo");
  });
  after(() => t.cleanup());

  test("bitbucket-cloud: full sync follows next URLs; incremental filters pull requests with q=updated_on", async () => {
    const server = new ReplayServer();
    const fixtures = fixtureDir("bitbucket-cloud");
    try {
      const base = await server.start();
      const site = await store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-cloud", baseUrl: "http://localhost/bb-cloud" });
      await store.settings.set(site.id, "source", { kind: "bitbucket-cloud", url: `${base}/acme`, email: "jo@acme.com", tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(server.requestsTo("/2.0/workspaces/acme/members")[1]!.query.get("page"), "2");

      const apiId = uuidToId("{1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d}")!;
      const forkId = uuidToId("{9f8e7d6c-5b4a-4392-8171-605f4e3d2c1b}")!;
      const repos = await rowsOf(store, site, "bitbucket", "repositories");
      const byName = Object.fromEntries(repos.map((r) => [r.repository_name, r]));
      assert.deepEqual(
        [byName.api!.repository_id, byName.api!.url, byName.api!.project_key, byName.api!.fork, byName.api!.public, byName.api!.forkable, byName.api!.scope_key],
        [apiId, "https://bitbucket.org/acme/api", "CORE", 0, 0, 1, String(apiId)],
      );
      assert.deepEqual([byName["api-fork"]!.origin, byName["api-fork"]!.fork, byName["api-fork"]!.hierarchy_id], [apiId, 1, "1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d"]);
      assert.ok(forkId > 0);

      const prs = await rowsOf(store, site, "bitbucket", "pull_requests");
      assert.deepEqual(prs.map((p) => [p.pull_request_id, p.scoped_id, p.state, p.from_branch, p.to_branch, p.author_id, p.reviewer_ids, p.closed_date]), [
        [`${apiId}-1`, 1, "MERGED", "feature/rate-limit", "main", "d301aafa-d676-4ee0-88be-962be7417567", '["a2b4c6d8-0000-4111-8222-333344445555"]', "2024-05-03T15:30:00Z"],
        [`${apiId}-2`, 2, "OPEN", "bugfix/pages", "main", "a2b4c6d8-0000-4111-8222-333344445555", null, null],
      ]);
      const activities = await rowsOf(store, site, "bitbucket", "pull_request_activities");
      assert.deepEqual(activities.map((a) => [a.action, a.created_date]).sort(), [
        ["APPROVED", "2024-05-03T15:00:00Z"],
        ["COMMENTED", "2024-05-02T10:00:00Z"],
        ["MERGED", "2024-05-03T15:30:00Z"],
        ["UPDATED", "2024-05-01T09:00:00Z"],
      ]);
      assert.equal(activities.find((a) => a.action === "COMMENTED")!.additional_information, '{"comment_id":501,"text":"Looks good"}');
      const builds = await rowsOf(store, site, "bitbucket", "build_statuses");
      assert.deepEqual(builds.map((b) => [b.commit_hash, b.repository_id, b.build_key, b.build_state, b.build_updated_date, b.ref]), [
        ["a1b2c3d4e5f6", apiId, "ci-build", "SUCCESSFUL", "2024-05-01T09:12:00Z", "feature/rate-limit"],
      ]);
      const commits = await rowsOf(store, site, "bitbucket", "commits");
      assert.deepEqual(commits.map((c) => [String(c.commit_hash).slice(0, 6), c.url, c.author_email, c.committer_timestamp, c.message]), [
        ["a1b2c3", "https://bitbucket.org/acme/api/commits/a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0", "kim@acme.com", "2024-05-03T15:29:00Z", "Merge rate limiting\n"],
        ["b2c3d4", "https://bitbucket.org/acme/api/commits/b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1", "jo@acme.com", "2024-05-01T08:55:00Z", "Add token bucket\n"],
        ["c3d4e5", "https://bitbucket.org/acme/api/commits/c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2", "jo@acme.com", "2024-04-01T08:00:00Z", "Initial commit\n"],
      ]);
      const users = await rowsOf(store, site, "bitbucket", "users");
      assert.deepEqual(users.map((u) => [u.user_name, u.user_fullname, u.user_email]).sort(), [
        ["jo", "Jo Park", ""],
        ["kim", "Kim Ode", ""],
      ]);

      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      const before = server.requests.length;
      const second = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(second.counts.pull_requests, 1);
      // Commits: newest first, down to the last pass's newest commit minus a day; no second page.
      assert.equal(second.counts.commits, 1);
      assert.equal(server.requests.slice(before).filter((r) => r.path === "/2.0/repositories/acme/api/commits").length, 1);
      const after = await rowsOf(store, site, "bitbucket", "pull_requests");
      assert.deepEqual(after.map((p) => p.state), ["MERGED", "DECLINED"]);
    } finally {
      await server.stop();
    }
  });

  test("bitbucket-dc: pages with nextPageStart and maps repositories, pull requests, activities and builds", async () => {
    const server = new ReplayServer();
    const fixtures = fixtureDir("bitbucket-dc");
    try {
      const base = await server.start();
      const site = await store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-dc", baseUrl: "http://localhost/bb-dc" });
      await store.settings.set(site.id, "source", { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(server.requests[0]!.authorization, "Bearer bbtok");
      assert.deepEqual(server.requestsTo("/rest/api/1.0/repos").map((r) => r.query.get("start")), ["0", "1"]);
      const repos = await rowsOf(store, site, "bitbucket", "repositories");
      assert.deepEqual(repos.map((r) => [r.repository_id, r.url, r.project_key, r.project_type, r.origin, r.fork, r.hierarchy_id]), [
        [1, "/projects/PLAT/repos/gateway/browse", "PLAT", "NORMAL", null, 0, "e3c939f9ef4a7fae272e"],
        [2, "/projects/~LEA/repos/gateway/browse", "~LEA", "PERSONAL", 1, 1, "e3c939f9ef4a7fae272e"],
      ]);
      const prs = await rowsOf(store, site, "bitbucket", "pull_requests");
      assert.deepEqual(prs.map((p) => [p.pull_request_id, p.from_repository_id, p.to_repository_id, p.state, p.author_id, p.reviewer_ids, p.created_date, p.closed_date]), [
        ["1-7", 2, 1, "MERGED", "101", '["102"]', "2024-05-01T08:00:00Z", "2024-05-03T12:00:00Z"],
      ]);
      const activities = await rowsOf(store, site, "bitbucket", "pull_request_activities");
      assert.deepEqual(activities.map((a) => [a.activity_id, a.action, a.author_id, a.additional_information]), [
        [9001, "OPENED", "101", null],
        [9002, "COMMENTED", "102", '{"comment_id":33,"text":"Ship it","comment_action":"ADDED"}'],
        [9003, "MERGED", "102", null],
      ]);
      const builds = await rowsOf(store, site, "bitbucket", "build_statuses");
      assert.deepEqual(builds.map((b) => [b.commit_hash, b.build_key, b.build_state, b.build_url, b.ref]), [
        ["8d3f1c2b4a5e6f708192a3b4c5d6e7f809112233", "BAMBOO-PLAN-JOB1", "SUCCESSFUL", "https://bamboo.acme.io/browse/PLAN-JOB1-12", "refs/heads/feature/retry"],
      ]);
      const commits = await rowsOf(store, site, "bitbucket", "commits");
      assert.deepEqual(commits.map((c) => [c.repository_id, c.author_email, c.committer_email, c.author_timestamp, c.committer_timestamp, c.url]), [
        [1, "max@acme.io", "max@acme.io", "2024-04-29T14:13:20Z", "2024-04-29T14:13:20Z", "/projects/PLAT/repos/gateway/commits/11aa22bb33cc44dd55ee66ff77889900aabbccdd"],
        [1, "lea@acme.io", "max@acme.io", "2024-05-03T11:33:20Z", "2024-05-03T12:00:00Z", "/projects/PLAT/repos/gateway/commits/8d3f1c2b4a5e6f708192a3b4c5d6e7f809112233"],
      ]);
      const users = await rowsOf(store, site, "bitbucket", "users");
      assert.deepEqual(users.map((u) => [u.user_id, u.user_name, u.user_email]), [
        ["101", "lea", "lea@acme.io"],
        ["102", "max", "max@acme.io"],
      ]);
    } finally {
      await server.stop();
    }
  });
});
