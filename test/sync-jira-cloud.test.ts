import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity, exportColumns, storedColumns } from "../src/core/entities/registry.js";
import { headerLine, rowRenderer } from "../src/writers/csv/csv-format.js";
import type { Site, Store } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { CHECKPOINT_KEY, type CheckpointState } from "../src/sync/run-state.js";
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
  describe(`sync jira-cloud (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let site: Site;
    const fixtures = fixtureDir("jira-cloud");
    const env = { SLUICE_SECRET_ACME: "s3cret-token" };

    before(async () => {
      server.requests.length = 0;
      server.unmatched.length = 0;
      t = await openTestStore(kind);
      store = t.store;
      await store.sites.ensureOrganisation("demo-org", "Demo");
      site = await store.sites.create("demo-org", { product: "jira", contextPath: "/jira-acme", baseUrl: "http://localhost:8080/jira-acme" });
      await store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
    });
    after(async () => t?.cleanup());

    test("a full sync stores exactly the fixture's entities, values traced to the fixture", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      const run = await runSync({ store, site, env });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);
      // Basic auth with email + token, never anything else.
      assert.equal(server.requests[0]!.authorization, `Basic ${Buffer.from("alice@acme.com:s3cret-token").toString("base64")}`);

      const issues = await rowsOf(store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => i.key), ["ED-1", "ED-2", "ED-3"]);
      const ed1 = issues[0]!;
      assert.equal(ed1.id, 10001);
      assert.equal(ed1.url, "/browse/ED-1");
      assert.equal(ed1.project_key, "ED");
      assert.equal(ed1.project_name, "Engineering Desk");
      assert.equal(ed1.project_type, "software");
      assert.equal(ed1.project_category, "Platform");
      assert.equal(ed1.issue_type, "Story");
      assert.equal(ed1.description, "Users need the issues file.\n@Bob Smith please review");
      assert.equal(ed1.environment, "Firefox 124");
      assert.equal(ed1.creator_id, "5b10a2844c20165700ede21g");
      assert.equal(ed1.assignee_id, "5b10ac8d82e05b22cc7d4ef5");
      assert.equal(ed1.status, "In Progress");
      assert.equal(ed1.status_category, "In Progress");
      assert.equal(ed1.priority_name, "High");
      assert.equal(ed1.priority_sequence, 2);
      assert.equal(ed1.watchers, 2);
      assert.equal(ed1.votes, 1);
      assert.equal(ed1.created_date, "2024-03-04T05:20:11Z");
      assert.equal(ed1.updated_date, "2024-03-06T22:15:00Z");
      assert.equal(ed1.due_date, "2024-03-20");
      assert.equal(ed1.original_estimate, 28800);
      assert.equal(ed1.remaining_estimate, 14400);
      assert.equal(ed1.time_spent, 14400);
      assert.equal(ed1.labels, '["export"]');
      assert.equal(ed1.components, '["Export"]');
      assert.equal(ed1.affected_versions, '["0.9"]');
      assert.equal(ed1.fix_versions, '["1.0"]');
      assert.equal(ed1.sprint_ids, "[37,38]");
      assert.equal(ed1.story_points, 5);
      assert.equal(ed1.security_level, "Staff only");
      assert.equal(ed1.scope_key, "ED");
      assert.equal(issues[1]!.parent_id, 10001);
      assert.equal(issues[2]!.resolution, "Done");
      assert.equal(issues[2]!.resolution_date, "2024-03-08T21:45:10Z");

      // The changelog of ED-1 was cut off at 2 of 3 histories: the third came from /issue/10001/changelog.
      const history = await rowsOf(store, site, "jira", "issue_history");
      assert.equal(history.filter((h) => h.issue_id === 10001).length, 4);
      const labels = history.find((h) => h.change_id === 20003)!;
      assert.deepEqual([labels.field, labels.to_string, labels.author_id], ["labels", "export", "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"]);
      assert.equal(history.filter((h) => h.issue_id === 10003).length, 2);
      assert.equal(server.requestsTo("/rest/api/3/issue/10001/changelog").length, 1);

      const fields = await rowsOf(store, site, "jira", "issue_fields");
      assert.deepEqual(
        fields.map((f) => [f.issue_id, f.field_id, f.field_name, f.value]),
        [
          [10001, "customfield_10016", "Story point estimate", "5"],
          [10001, "customfield_10020", "Sprint", '["ED Sprint 1","ED Sprint 2"]'],
          [10001, "customfield_10050", "Customer tier", "Gold"],
          [10001, "customfield_10060", "Release notes", "Adds CSV export"],
        ],
      );
      const links = await rowsOf(store, site, "jira", "issue_links");
      assert.deepEqual(links, [
        { link_id: 10200, link_type: "Blocks", outward_description: "blocks", inward_description: "is blocked by", source_issue_id: 10003, destination_issue_id: 10001, scope_key: "ED" },
      ]);

      const users = await rowsOf(store, site, "jira", "users");
      assert.equal(users.length, 3);
      const bob = users.find((u) => u.user_id === "5b10ac8d82e05b22cc7d4ef5")!;
      assert.equal(bob.user_email, "", "a hidden email is exported empty, the user kept");
      assert.equal(users.find((u) => u.user_fullname === "Alice Nguyen")!.user_email, "alice@acme.com");

      const worklogs = await rowsOf(store, site, "jira", "worklogs");
      assert.deepEqual(
        worklogs.map((w) => [w.worklog_id, w.issue_id, w.time_spent_seconds, w.comment, w.scope_key]),
        [
          [100001, 10001, 7200, "Wrote the CSV writer", "ED"],
          [100002, 10001, 7200, "Review", "ED"],
        ],
      );
      const sprints = await rowsOf(store, site, "jira", "sprints");
      assert.deepEqual(sprints.map((s) => [s.sprint_id, s.board_id, s.name, s.state, s.start_date]), [
        [37, 1, "ED Sprint 1", "closed", "2024-03-03T22:00:00Z"],
        [38, 1, "ED Sprint 2", "active", "2024-03-17T23:15:00Z"],
      ]);
      assert.deepEqual(run.counts, { users: 3, issues: 3, issue_fields: 4, issue_history: 6, issue_links: 1, worklogs: 2, sprints: 2 });
      // The export renders the stored relative url on the Sluice site's base URL, in the spec's columns.
      const def = entity("jira", "issues");
      const options = { embeddedLineBreakPreserve: false, embeddedLineBreakEscape: "\\n", descriptionMaxLength: 10000, pageContentMaxLength: 10000 };
      assert.equal(headerLine(exportColumns(def, 2)).split(",").slice(0, 5).join(","), "id,instance_url,url,key,project_key");
      const snap = await store.data.snapshot(site.id);
      let first: unknown[] | undefined;
      for await (const batch of snap.rows(def, 1)) {
        first = batch[0];
        break;
      }
      await snap.close();
      const csv = rowRenderer(exportColumns(def, 2), storedColumns(def), options, site.baseUrl)(first!);
      assert.ok(csv.startsWith("10001,http://localhost:8080/jira-acme,http://localhost:8080/jira-acme/browse/ED-1,ED-1,ED,Engineering Desk,software,Platform,Story,Export issues as CSV,"), csv);
      const cp = await store.settings.get<CheckpointState>(site.id, CHECKPOINT_KEY);
      assert.equal(cp?.streams.issues?.high, Date.parse("2024-03-09T08:45:10.000+11:00"));
    });

    test("an incremental sync asks for the issues updated since the cursor and applies changes and deletions", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      const before = server.requests.length;
      const run = await runSync({ store, site, env });
      assert.equal(run.mode, "incremental");
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.deleted, { worklogs: 1, issue_fields: 1, issue_links: 1 });
      const search = server.requests.slice(before).find((r) => r.path === "/rest/api/3/search/jql")!;
      // Cursor 2024-03-09T08:45:10+11:00 minus the 5-minute overlap, in the token user's zone (Australia/Sydney).
      assert.equal(search.query.get("jql"), 'updated >= "2024-03-09 08:40" ORDER BY updated ASC, id ASC');
      const issues = await rowsOf(store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => [i.key, i.summary]), [
        ["ED-1", "Export issues as CSV"],
        ["ED-2", "Schedule daily and weekly exports"],
        ["ED-3", "Bug: dates are off by one hour"],
        ["ED-4", "Document the sync"],
      ]);
      const worklogs = await rowsOf(store, site, "jira", "worklogs");
      assert.deepEqual(worklogs.map((w) => w.worklog_id), [100001], "the deleted worklog is gone");
      // ED-1 lost its Customer tier and its link to ED-3: the stored field and link go too.
      const fields = await rowsOf(store, site, "jira", "issue_fields");
      assert.deepEqual(fields.map((f) => f.field_id), ["customfield_10016", "customfield_10020", "customfield_10060"]);
      assert.deepEqual(await rowsOf(store, site, "jira", "issue_links"), []);
      const history = await rowsOf(store, site, "jira", "issue_history");
      assert.deepEqual(history.filter((h) => h.change_id === 20030).map((h) => h.field), ["Customer tier", "Link"]);
    });

    test("a deleted issue disappears after the reconcile, with its fields and history", async () => {
      server.load(join(fixtures, "common"), join(fixtures, "reconcile"));
      const run = await runSync({ store, site, env, reconcile: true });
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.deleted, { issues: 1, issue_history: 1 });
      assert.equal(run.mode, "incremental");
      const issues = await rowsOf(store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => i.key), ["ED-1", "ED-3", "ED-4"]);
      const history = await rowsOf(store, site, "jira", "issue_history");
      assert.equal(history.some((h) => h.issue_id === 10002), false);
    });
  });
}
