import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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
let dir: string;
before(async () => {
  base = await server.start();
  // A personal access token in a file of the secrets folder, named by the source.
  dir = await mkdtemp(join(tmpdir(), "sluice-sync-jira-dc-"));
  await mkdir(join(dir, "secrets"), { mode: 0o700 });
  await writeFile(join(dir, "secrets", "pat"), "NjU0MzIxOpat\n", { mode: 0o600 });
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

for (const kind of STORE_KINDS) {
  describe(`sync jira-dc (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let site: Site;
    const fixtures = fixtureDir("jira-dc");

    before(async () => {
      server.requests.length = 0;
      server.unmatched.length = 0;
      t = await openTestStore(kind);
      store = t.store;
      await store.sites.ensureOrganisation("demo-org", "Demo");
      site = await store.sites.create("demo-org", { product: "jira", contextPath: "/jira-ops", baseUrl: "http://localhost:8080/jira-ops" });
      await store.settings.set(site.id, "source", { kind: "jira-dc", url: base, tokenFile: "pat", requestsPerSecond: 0 });
    });
    after(async () => t?.cleanup());

    test("a full sync pages with startAt, completes cut-off changelogs and maps DC fields", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env: {}, secretsDir: join(dir, "secrets") });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);
      assert.equal(server.requests[0]!.authorization, "Bearer NjU0MzIxOpat", "a personal access token from the token file");
      assert.deepEqual(
        server.requestsTo("/rest/api/2/search").map((r) => r.query.get("startAt")),
        ["0", "2"],
      );
      const issues = await rowsOf(store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => i.key), ["OPS-1", "OPS-2", "OPS-3"]);
      const ops1 = issues[0]!;
      assert.equal(ops1.description, "Rotate it *quarterly*.\r\nSee runbook.");
      assert.equal(ops1.creator_id, "JIRAUSER10100");
      assert.equal(ops1.creator_name, "carl");
      assert.equal(ops1.assignee_id, "JIRAUSER10101");
      assert.equal(ops1.assignee_name, "dana");
      assert.equal(ops1.priority_sequence, 2);
      assert.equal(ops1.project_type, "service_desk");
      assert.equal(ops1.sprint_ids, "[12]");
      assert.equal(ops1.story_points, 3);
      assert.equal(ops1.updated_date, "2024-05-08T07:00:00Z");
      const history = await rowsOf(store, site, "jira", "issue_history");
      assert.deepEqual(history.map((h) => [h.issue_id, h.change_id, h.author_id, h.field, h.to_string]), [
        [20001, 30001, "JIRAUSER10100", "status", "In Progress"],
        [20001, 30002, "JIRAUSER10101", "assignee", "Dana Vogel"],
        [20001, 30003, "JIRAUSER10100", "status", "Open"],
      ]);
      const users = await rowsOf(store, site, "jira", "users");
      assert.deepEqual(users.map((u) => [u.user_id, u.user_name, u.user_fullname, u.user_email, u.active]), [
        ["JIRAUSER10100", "carl", "Carl Weber", "carl@acme.de", 1],
        ["JIRAUSER10101", "dana", "Dana Vogel", "dana@acme.de", 0],
      ]);
      const worklogs = await rowsOf(store, site, "jira", "worklogs");
      assert.deepEqual(worklogs.map((w) => [w.worklog_id, w.issue_id, w.author_id, w.comment, w.started]), [
        [40001, 20001, "JIRAUSER10101", "Rotated staging first", "2024-05-08T06:00:00Z"],
      ]);
      const sprints = await rowsOf(store, site, "jira", "sprints");
      assert.deepEqual(sprints.map((s) => [s.sprint_id, s.board_id, s.goal]), [[12, 7, "Stabilise"]]);
    });

    test("an incremental sync reads from the cursor in the user's zone and updates the changed issue", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      const before = server.requests.length;
      const run = await runSync({ store, site, env: {}, secretsDir: join(dir, "secrets") });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.counts.issues, 1);
      const search = server.requests.slice(before).find((r) => r.path === "/rest/api/2/search")!;
      assert.equal(search.query.get("jql"), 'updated >= "2024-05-09 07:00" ORDER BY updated ASC, id ASC');
      const issues = await rowsOf(store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => i.summary), ["Rotate the database password", "Renew TLS certificates before June", "Disk alert on db-2"]);
    });
  });
}
