/**
 * Deletions cascade against the replay servers of the other connector kinds (issue 17), on SQLite and
 * PostgreSQL: after a full and an incremental sync, a parent is deleted upstream; the next incremental
 * sync with the reconcile deletes it with every row that belongs to it (the registry's
 * `EntityDef.parents`) and leaves every other row of every entity as it was — each test snapshots the
 * site before and after. Jira Data Center (an issue with its worklogs, links at either end, fields,
 * history and attachments), Confluence Data Center (a page with its comments and attachments),
 * Bitbucket Cloud and Data Center (a fork with its commits, build statuses, the pull requests into it
 * and their activities; its pull request into the repository it was forked from stays, as the
 * registry says a pull request belongs to its target). Rows the fixtures do not produce are stored as
 * a sync stores them (`rowMapper`), beside rows of other parents that must stay.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity, storedColumns, type Product } from "../src/core/entities/registry.js";
import { uuidToId } from "../src/sources/bitbucket/ids.js";
import type { Site, Store } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { rowMapper } from "../src/sync/to-row.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { everyRow } from "./support/store-rows.js";

type Row = Record<string, unknown>;

/** A snapshot row by column name. */
function named(product: Product, name: string, row: string): Row {
  const values = JSON.parse(row) as unknown[];
  return Object.fromEntries(storedColumns(entity(product, name)).map((c, i) => [c.name, values[i]]));
}

/**
 * After the reconcile, every entity holds exactly the rows it held before less those `owned` says
 * belong to the deleted parent; returns how many went per entity (only entities that lost rows).
 */
function assertOnlyOwnedGone(product: Product, before_: Map<string, string[]>, after_: Map<string, string[]>, owned: (name: string, row: Row) => boolean): Record<string, number> {
  const gone: Record<string, number> = {};
  for (const [name, rows] of before_) {
    const kept = rows.filter((r) => !owned(name, named(product, name, r)));
    assert.deepEqual(after_.get(name), kept, `${name}: only the deleted parent's rows go`);
    if (kept.length < rows.length) gone[name] = rows.length - kept.length;
  }
  return gone;
}

/** Stores records of one entity as a sync stores them (the engine's row mapper). */
async function put(store: Store, site: Site, sourceBase: string, name: string, records: Row[]): Promise<void> {
  const def = entity(site.product, name);
  await store.data.upsert(site.id, def, records.map(rowMapper(def, sourceBase)));
}

const server = new ReplayServer();
let base = "";

before(async () => {
  base = await server.start();
});
after(async () => {
  await server.stop();
});

for (const kind of STORE_KINDS) {
  describe(`deletions cascade against the replay servers (${kind})`, () => {
    let t: TestStore;
    const env = { SLUICE_SECRET_CASCADE: "s3cret-token" };

    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => {
      await t.cleanup();
    });

    /** Runs a sync against the fixture folders; returns the finished run. */
    async function sync(site: Site, dirs: string[], reconcile = false) {
      server.load(...dirs);
      const run = await runSync({ store: t.store, site, env, reconcile });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      return run;
    }

    test("Jira DC: an issue deleted upstream goes with its worklogs, links at either end, fields, history and attachments; nothing else changes", async () => {
      const site = await t.store.sites.create("demo-org", { product: "jira", contextPath: `/jira-dc-cascade`, baseUrl: "http://localhost:8080/jira-dc-cascade" });
      await t.store.settings.set(site.id, "source", { kind: "jira-dc", url: base, tokenEnv: "SLUICE_SECRET_CASCADE", requestsPerSecond: 0 });
      const dc = fixtureDir("jira-dc");
      await sync(site, [join(dc, "common"), join(dc, "full")]);
      await sync(site, [join(dc, "common"), join(dc, "incremental")]);

      // OPS-1 (20001) is deleted upstream in the reconcile fixture. The fixtures gave it custom fields,
      // history and worklog 40001; links at either end and an attachment are stored as a sync had
      // stored them, beside rows of OPS-2 (20002) and OPS-3 (20003) that must stay — among them the
      // link OPS-2 → OPS-3, which OPS-2 still shows when the incremental pass reads it again.
      const link = (id: number, type: string, outward: string, inward: string, from: number, to: number) => ({
        link_id: id,
        link_type: type,
        outward_description: outward,
        inward_description: inward,
        source_issue_id: from,
        destination_issue_id: to,
        scope_key: "OPS",
      });
      await put(t.store, site, base, "issue_links", [
        link(10401, "Blocks", "blocks", "is blocked by", 20001, 20003),
        link(10402, "Relates", "relates to", "relates to", 20003, 20001),
        link(10403, "Blocks", "blocks", "is blocked by", 20002, 20003),
      ]);
      await put(t.store, site, base, "attachments", [
        { attachment_id: 10500, issue_id: 20001, filename: "rotation.log", media_type: "text/plain", size: 812, author_id: "JIRAUSER10100", created_date: "2024-05-08T09:10:00.000+0200", scope_key: "OPS" },
        { attachment_id: 10501, issue_id: 20003, filename: "df.txt", media_type: "text/plain", size: 96, author_id: "JIRAUSER10101", created_date: "2024-05-09T07:04:00.000+0200", scope_key: "OPS" },
      ]);
      await put(t.store, site, base, "worklogs", [
        { worklog_id: 40002, issue_id: 20003, author_id: "JIRAUSER10101", time_spent_seconds: 900, started: "2024-05-08T07:30:00.000+0200", created_date: "2024-05-08T08:00:00.000+0200", updated_date: "2024-05-08T08:00:00.000+0200", comment: "Freed space", scope_key: "OPS" },
      ]);
      await put(t.store, site, base, "issue_fields", [{ issue_id: 20003, field_id: "customfield_10106", field_name: "Story Points", field_type: "custom", value: "1", scope_key: "OPS" }]);
      await put(t.store, site, base, "issue_history", [
        { issue_id: 20003, change_id: 30010, author_id: "JIRAUSER10101", created_date: "2024-05-09T07:05:00.000+0200", field: "priority", field_type: "jira", from_value: "2", from_string: "Critical", to_value: "3", to_string: "Major", scope_key: "OPS" },
      ]);
      const before_ = await everyRow(t.store, site);

      const run = await sync(site, [join(dc, "common"), join(dc, "reconcile")], true);
      assert.equal(run.mode, "incremental");
      assert.equal(run.counts.issues, 1, "the incremental pass read OPS-2 again");

      const after_ = await everyRow(t.store, site);
      const gone = assertOnlyOwnedGone("jira", before_, after_, (name, r) => {
        if (name === "issues") return r.id === 20001;
        if (name === "issue_links") return r.source_issue_id === 20001 || r.destination_issue_id === 20001;
        return ["issue_fields", "issue_history", "worklogs", "attachments"].includes(name) && r.issue_id === 20001;
      });
      const expected = { issues: 1, issue_fields: 2, issue_history: 3, worklogs: 1, issue_links: 2, attachments: 1 };
      assert.deepEqual(gone, expected);
      assert.deepEqual(run.deleted, expected);
      assert.deepEqual(
        (after_.get("issue_links") ?? []).map((r) => named("jira", "issue_links", r).link_id),
        [10403],
        "the link between two live issues stays",
      );
    });

    test("Confluence DC: a page deleted upstream goes with its comments and attachments; nothing else changes", async () => {
      const site = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki-dc-cascade", baseUrl: "http://localhost:8080/wiki-dc-cascade" });
      await t.store.settings.set(site.id, "source", { kind: "confluence-dc", url: base, tokenEnv: "SLUICE_SECRET_CASCADE", requestsPerSecond: 0 });
      const dc = fixtureDir("confluence-dc");
      await sync(site, [join(dc, "common"), join(dc, "full")]);
      await sync(site, [join(dc, "common"), join(dc, "incremental")]);

      // "On-call" (1998860) is deleted upstream in the reconcile fixture: the fixtures gave it comments
      // 2097153 and its reply 2097154; a file of its own and, on the home page (1998851) that stays, a
      // comment (last changed before the comment pass's window) and a file are stored as a sync had.
      await put(t.store, site, base, "attachments", [
        { attachment_id: 2099201, page_id: 1998860, filename: "rota.xlsx", media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", size: 20480, author_id: "8a7f808a8c2e1b5a018c2e1c0b4a0001", created_date: "2024-04-03T11:20:00.000+02:00", scope_key: "OPS" },
        { attachment_id: 2099202, page_id: 1998851, filename: "logo.png", media_type: "image/png", size: 4096, author_id: "8a7f808a8c2e1b5a018c2e1c0b4a0000", created_date: "2022-05-01T09:05:00.000+02:00", scope_key: "OPS" },
      ]);
      await put(t.store, site, base, "comments", [
        {
          comment_id: 2097160,
          comment_url: `${base}/display/OPS/Operations+Home?focusedCommentId=2097160#comment-2097160`,
          page_id: 1998851,
          parent_comment_id: null,
          comment_content: "<p>Welcome</p>",
          creator_id: "8a7f808a8c2e1b5a018c2e1c0b4a0000",
          last_modifier_id: "8a7f808a8c2e1b5a018c2e1c0b4a0000",
          created_date: "2024-03-01T10:00:00.000+01:00",
          updated_date: "2024-03-01T10:00:00.000+01:00",
          scope_key: "OPS",
        },
      ]);
      const before_ = await everyRow(t.store, site);

      const run = await sync(site, [join(dc, "common"), join(dc, "reconcile")], true);
      assert.equal(run.mode, "incremental");

      const after_ = await everyRow(t.store, site);
      const gone = assertOnlyOwnedGone("confluence", before_, after_, (name, r) =>
        name === "pages" ? r.page_id === 1998860 : (name === "comments" || name === "attachments") && r.page_id === 1998860,
      );
      assert.deepEqual(gone, { pages: 1, comments: 2, attachments: 1 });
      assert.deepEqual(run.deleted, gone);
      assert.deepEqual((after_.get("pages") ?? []).map((r) => named("confluence", "pages", r).page_id), [1998851, 2064385]);
    });

    test("Bitbucket Cloud: a fork deleted upstream goes with its commits, build statuses, the pull requests into it and their activities; its pull request into api stays; nothing else changes", async () => {
      const site = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bbc-cascade", baseUrl: "http://localhost:8080/bbc-cascade" });
      await t.store.settings.set(site.id, "source", { kind: "bitbucket-cloud", url: `${base}/acme`, email: "jo@acme.com", tokenEnv: "SLUICE_SECRET_CASCADE", requestsPerSecond: 0 });
      const cloud = fixtureDir("bitbucket-cloud");
      await sync(site, [join(cloud, "common"), join(cloud, "full")]);
      await sync(site, [join(cloud, "common"), join(cloud, "incremental")]);

      // acme/api-fork is deleted upstream in the reconcile fixture. Its commits, a build status, a pull
      // request into itself and one from acme/api into it (with their activities) are stored as a sync
      // had; so is its pull request #3 into acme/api, which belongs to api and stays, with its activity.
      const api = uuidToId("{1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d}")!;
      const fork = uuidToId("{9f8e7d6c-5b4a-4392-8171-605f4e3d2c1b}")!;
      const jo = "d301aafa-d676-4ee0-88be-962be7417567";
      const kim = "a2b4c6d8-0000-4111-8222-333344445555";
      await put(t.store, site, base, "commits", [
        { commit_hash: "d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3", url: "https://bitbucket.org/acme/api-fork/commits/d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3", message: "Try a leaky bucket\n", repository_id: fork, author_email: "jo@acme.com", author_timestamp: "2024-05-04T10:00:00+00:00", committer_email: "jo@acme.com", committer_timestamp: "2024-05-04T10:00:00+00:00", scope_key: String(fork) },
        { commit_hash: "e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4", url: "https://bitbucket.org/acme/api-fork/commits/e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4", message: "Tune the bucket\n", repository_id: fork, author_email: "jo@acme.com", author_timestamp: "2024-05-05T10:00:00+00:00", committer_email: "jo@acme.com", committer_timestamp: "2024-05-05T10:00:00+00:00", scope_key: String(fork) },
      ]);
      await put(t.store, site, base, "build_statuses", [
        { commit_hash: "e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4", repository_id: fork, build_key: "ci-build", build_url: "https://ci.acme.com/builds/57", build_name: "CI #57", build_description: "3 tests failed", build_created_date: "2024-05-05T10:05:00.000000+00:00", build_updated_date: "2024-05-05T10:12:00.000000+00:00", build_state: "FAILED", ref: "leaky", scope_key: String(fork) },
      ]);
      const pr = (to: number, id: number, from: number, title: string, author: string, fromBranch: string, toBranch: string, state: string, updated: string) => ({
        pull_request_id: `${to}-${id}`,
        url: `https://bitbucket.org/acme/${to === api ? "api" : "api-fork"}/pull-requests/${id}`,
        scoped_id: id,
        from_repository_id: from,
        to_repository_id: to,
        from_branch: fromBranch,
        to_branch: toBranch,
        title,
        description: null,
        state,
        author_id: author,
        reviewer_ids: [],
        created_date: "2024-05-04T11:00:00.000000+00:00",
        updated_date: updated,
        closed_date: null,
        scope_key: String(to),
      });
      await put(t.store, site, base, "pull_requests", [
        pr(fork, 1, fork, "Leaky bucket", jo, "leaky", "main", "OPEN", "2024-05-05T10:30:00.000000+00:00"),
        pr(fork, 2, api, "Sync with upstream", kim, "main", "main", "OPEN", "2024-05-06T09:00:00.000000+00:00"),
        pr(api, 3, fork, "Leaky bucket for api", jo, "leaky", "main", "OPEN", "2024-05-11T09:00:00.000000+00:00"),
      ]);
      const activity = (id: number, prId: string, author: string, date: string, action: string, info: Row | null) => ({
        activity_id: id,
        pull_request_id: prId,
        author_id: author,
        created_date: date,
        action,
        additional_information: info,
        scope_key: prId.split("-")[0],
      });
      await put(t.store, site, base, "pull_request_activities", [
        activity(7000000000001, `${fork}-1`, jo, "2024-05-04T11:00:00.000000+00:00", "UPDATED", { commit: "e5f6a7b8c9d0" }),
        activity(7000000000002, `${fork}-1`, kim, "2024-05-05T10:30:00.000000+00:00", "COMMENTED", { comment_id: 601, text: "Why leaky?" }),
        activity(7000000000003, `${fork}-2`, kim, "2024-05-06T09:00:00.000000+00:00", "UPDATED", { commit: "a1b2c3d4e5f6" }),
        activity(7000000000004, `${api}-3`, jo, "2024-05-11T09:00:00.000000+00:00", "UPDATED", { commit: "e5f6a7b8c9d0" }),
      ]);
      const before_ = await everyRow(t.store, site);

      const asked = server.requestsTo("/2.0/repositories/acme/api-fork").length;
      const run = await sync(site, [join(cloud, "common"), join(cloud, "reconcile")], true);
      assert.equal(server.requestsTo("/2.0/repositories/acme/api-fork").length - asked, 1, "the fork, left out of the listing, is asked for by id before it counts as gone");
      assert.equal(run.mode, "incremental");

      const after_ = await everyRow(t.store, site);
      const intoFork = new Set((before_.get("pull_requests") ?? []).map((r) => named("bitbucket", "pull_requests", r)).filter((p) => p.to_repository_id === fork).map((p) => p.pull_request_id));
      const gone = assertOnlyOwnedGone("bitbucket", before_, after_, (name, r) => {
        if (name === "repositories" || name === "commits" || name === "build_statuses") return r.repository_id === fork;
        if (name === "pull_requests") return r.to_repository_id === fork;
        return name === "pull_request_activities" && intoFork.has(r.pull_request_id);
      });
      const expected = { repositories: 1, commits: 2, build_statuses: 1, pull_requests: 2, pull_request_activities: 3 };
      assert.deepEqual(gone, expected);
      assert.deepEqual(run.deleted, expected);
      const prs = (after_.get("pull_requests") ?? []).map((r) => named("bitbucket", "pull_requests", r));
      assert.deepEqual(prs.map((p) => p.pull_request_id).sort(), [`${api}-1`, `${api}-2`, `${api}-3`]);
      assert.equal(prs.find((p) => p.pull_request_id === `${api}-3`)?.from_repository_id, fork, "the pull request from the deleted fork into api stays");
    });

    test("Bitbucket DC: a personal fork deleted upstream goes with its commits, build statuses, the pull requests into it and their activities; its merged pull request into PLAT/gateway stays; nothing else changes", async () => {
      const site = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bbdc-cascade", baseUrl: "http://localhost:8080/bbdc-cascade" });
      await t.store.settings.set(site.id, "source", { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_CASCADE", requestsPerSecond: 0 });
      const dc = fixtureDir("bitbucket-dc");
      await sync(site, [join(dc, "common"), join(dc, "full")]);
      // Nothing changed upstream: an incremental pass reads the same.
      await sync(site, [join(dc, "common"), join(dc, "full")]);

      // ~LEA/gateway (2), a fork of PLAT/gateway (1), is deleted upstream in the reconcile fixture. The
      // fixtures gave its pull request 7 into PLAT/gateway (with three activities and a build status
      // stored under 1), which stays. Its commits, a build status, a pull request into itself and one
      // from PLAT/gateway into it (with their activities) are stored as a sync had.
      const lea = "101";
      const max = "102";
      const path = (p: string) => `${base}/projects/~LEA/repos/gateway${p}`;
      await put(t.store, site, base, "commits", [
        { commit_hash: "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291817", url: path("/commits/9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291817"), message: "Jitter the retries", repository_id: 2, author_email: "lea@acme.io", author_timestamp: 1714820000000, committer_email: "lea@acme.io", committer_timestamp: 1714820000000, scope_key: "2" },
        { commit_hash: "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b", url: path("/commits/7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"), message: "Cap the backoff", repository_id: 2, author_email: "lea@acme.io", author_timestamp: 1714830000000, committer_email: "lea@acme.io", committer_timestamp: 1714830000000, scope_key: "2" },
      ]);
      await put(t.store, site, base, "build_statuses", [
        { commit_hash: "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b", repository_id: 2, build_key: "BAMBOO-PLAN-JOB1", build_url: "https://bamboo.acme.io/browse/PLAN-JOB1-14", build_name: "Plan #14", build_number: null, build_description: "1 test failed", build_duration: null, build_created_date: 1714830600000, build_updated_date: 1714830600000, build_state: "FAILED", parent_build_key: null, ref: "refs/heads/jitter", scope_key: "2" },
      ]);
      const pr = (id: number, from: number, title: string, author: string, fromBranch: string, toBranch: string, created: number) => ({
        pull_request_id: `2-${id}`,
        url: path(`/pull-requests/${id}`),
        scoped_id: id,
        from_repository_id: from,
        to_repository_id: 2,
        from_branch: fromBranch,
        to_branch: toBranch,
        title,
        description: null,
        state: "OPEN",
        author_id: author,
        reviewer_ids: [],
        created_date: created,
        updated_date: created,
        closed_date: null,
        scope_key: "2",
      });
      await put(t.store, site, base, "pull_requests", [
        pr(1, 2, "Jitter the retries", lea, "jitter", "master", 1714830000000),
        pr(2, 1, "Catch up with master", max, "master", "master", 1714840000000),
      ]);
      const activity = (id: number, prId: string, author: string, date: number, action: string) => ({
        activity_id: id,
        pull_request_id: prId,
        author_id: author,
        created_date: date,
        action,
        additional_information: null,
        scope_key: "2",
      });
      await put(t.store, site, base, "pull_request_activities", [
        activity(9101, "2-1", lea, 1714830000000, "OPENED"),
        activity(9102, "2-1", max, 1714831000000, "APPROVED"),
        activity(9103, "2-2", max, 1714840000000, "OPENED"),
      ]);
      const before_ = await everyRow(t.store, site);

      const asked = server.requestsTo("/rest/api/1.0/projects/~LEA/repos/gateway").length;
      const run = await sync(site, [join(dc, "common"), join(dc, "reconcile")], true);
      assert.equal(server.requestsTo("/rest/api/1.0/projects/~LEA/repos/gateway").length - asked, 1, "the fork, left out of the listing, is asked for by id before it counts as gone");
      assert.equal(run.mode, "incremental");

      const after_ = await everyRow(t.store, site);
      const gone = assertOnlyOwnedGone("bitbucket", before_, after_, (name, r) => {
        if (name === "repositories" || name === "commits" || name === "build_statuses") return r.repository_id === 2;
        if (name === "pull_requests") return r.to_repository_id === 2;
        return name === "pull_request_activities" && (r.pull_request_id === "2-1" || r.pull_request_id === "2-2");
      });
      const expected = { repositories: 1, commits: 2, build_statuses: 1, pull_requests: 2, pull_request_activities: 3 };
      assert.deepEqual(gone, expected);
      assert.deepEqual(run.deleted, expected);
      const prs = (after_.get("pull_requests") ?? []).map((r) => named("bitbucket", "pull_requests", r));
      assert.deepEqual(prs.map((p) => [p.pull_request_id, p.from_repository_id]), [["1-7", 2]], "the pull request from the deleted fork into PLAT/gateway stays");
      assert.equal((after_.get("pull_request_activities") ?? []).length, 3);
    });
  });
}
