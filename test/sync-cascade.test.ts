/**
 * Deletions cascade (issue 17): a reconcile that deletes a parent deletes every row that belongs to it,
 * as the registry declares (`EntityDef.parents`), to any depth, and touches nothing else — on SQLite and
 * PostgreSQL. Jira Cloud and Confluence Cloud against their replay servers (an issue deleted upstream
 * goes with its worklogs, links at either end, fields, history and attachments; a page with its comments
 * and attachments); the registry's chains of every product through
 * `deleteChildren` on a real store (a page's comments and attachments; a repository's commits, build
 * statuses, pull requests and their activities).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { childrenOf, entity, storedColumns, type EntityDef, type Product } from "../src/core/entities/registry.js";
import { deleteChildren } from "../src/sync/reconcile.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { everyRow } from "./support/store-rows.js";

/** A row of `def` from named values (the rest null). */
function row(def: EntityDef, values: Record<string, unknown>): unknown[] {
  return storedColumns(def).map((c) => values[c.name] ?? null);
}

for (const kind of STORE_KINDS) {
  describe(`deletions cascade (${kind})`, () => {
    let t: TestStore;
    let base: string;
    const server = new ReplayServer();
    const fixtures = fixtureDir("jira-cloud");
    const env = { SLUICE_SECRET_ACME: "s3cret-token" };

    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
      base = await server.start();
    });
    after(async () => {
      await server.stop();
      await t.cleanup();
    });

    test("the registry declares who belongs to whom", () => {
      const names = (p: Product, e: string) => childrenOf(entity(p, e)).map((c) => `${c.def.name}.${c.column}`).sort();
      assert.deepEqual(names("jira", "issues"), ["attachments.issue_id", "issue_fields.issue_id", "issue_history.issue_id", "issue_links.destination_issue_id", "issue_links.source_issue_id", "worklogs.issue_id"]);
      assert.deepEqual(names("confluence", "pages"), ["attachments.page_id", "comments.page_id"]);
      assert.deepEqual(names("bitbucket", "repositories"), ["build_statuses.repository_id", "commits.repository_id", "pull_requests.to_repository_id"]);
      assert.deepEqual(names("bitbucket", "pull_requests"), ["pull_request_activities.pull_request_id"]);
    });

    test("Jira Cloud: an issue deleted upstream goes, after the reconcile, with every row of its own and nothing else", async () => {
      const site = await t.store.sites.create("demo-org", { product: "jira", contextPath: "/jira-cascade", baseUrl: "http://localhost:8080/jira-cascade" });
      await t.store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
      server.load(join(fixtures, "common"), join(fixtures, "full"));
      assert.equal((await runSync({ store: t.store, site, env })).status, "SUCCEEDED");
      server.load(join(fixtures, "common"), join(fixtures, "incremental"));
      assert.equal((await runSync({ store: t.store, site, env })).status, "SUCCEEDED");
      // ED-2 (10002), deleted upstream in the reconcile fixture, with rows of its own of every kind —
      // as a sync had stored them — and rows of other issues that must stay.
      const put = (name: string, values: Record<string, unknown>[]) => t.store.data.upsert(site.id, entity("jira", name), values.map((v) => row(entity("jira", name), v)));
      await put("worklogs", [
        { worklog_id: 900001, issue_id: 10002, author_id: "u1", time_spent_seconds: 60, scope_key: "ED" },
        { worklog_id: 900002, issue_id: 10003, author_id: "u1", time_spent_seconds: 60, scope_key: "ED" },
      ]);
      await put("issue_links", [
        { link_id: 800001, link_type: "Blocks", source_issue_id: 10001, destination_issue_id: 10002, scope_key: "ED" },
        { link_id: 800002, link_type: "Blocks", source_issue_id: 10002, destination_issue_id: 10003, scope_key: "ED" },
        { link_id: 800003, link_type: "Relates", source_issue_id: 10001, destination_issue_id: 10003, scope_key: "ED" },
      ]);
      await put("issue_fields", [{ issue_id: 10002, field_id: "customfield_1", field_name: "Tier", field_type: "string", value: "gold", scope_key: "ED" }]);
      await put("attachments", [{ attachment_id: 700001, issue_id: 10002, filename: "a.txt", size: 1, scope_key: "ED" }]);
      const before_ = await everyRow(t.store, site);

      server.load(join(fixtures, "common"), join(fixtures, "reconcile"));
      const run = await runSync({ store: t.store, site, env, reconcile: true });
      assert.deepEqual(server.unmatched, []);
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.deleted.issues, 1);
      assert.deepEqual({ worklogs: run.deleted.worklogs, links: run.deleted.issue_links, fields: run.deleted.issue_fields, attachments: run.deleted.attachments }, { worklogs: 1, links: 2, fields: 1, attachments: 1 });

      // Exactly the rows of 10002 went; every other row is as it was.
      const after_ = await everyRow(t.store, site);
      for (const [name, rows] of before_) {
        const def = entity("jira", name);
        const cols = storedColumns(def).map((c) => c.name);
        const own = (r: string) => {
          const v = JSON.parse(r) as unknown[];
          if (name === "issues") return v[cols.indexOf("id")] === 10002;
          return (def.parents ?? []).some((p) => v[cols.indexOf(p.column)] === 10002);
        };
        assert.deepEqual(after_.get(name), rows.filter((r) => !own(r)), name);
      }
      assert.ok((after_.get("issue_links") ?? []).length === 1, "the link between two live issues stays");
    });

    test("Confluence Cloud: a page deleted upstream goes, after the reconcile, with its comments and attachments and nothing else", async () => {
      const site = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki-cascade-cloud", baseUrl: "http://localhost:8080/wiki-cascade-cloud" });
      const wikiEnv = { SLUICE_SECRET_WIKI: "tok" };
      await t.store.settings.set(site.id, "source", { kind: "confluence-cloud", url: base, email: "ann@acme.com", tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
      const wiki = fixtureDir("confluence-cloud");
      server.load(join(wiki, "common"), join(wiki, "full"));
      assert.equal((await runSync({ store: t.store, site, env: wikiEnv })).status, "SUCCEEDED");
      // Page 65602, deleted upstream in the reconcile fixture, with a comment and a file of its own (as a
      // sync had stored them), beside the comments of pages that stay.
      const c = (name: string) => entity("confluence", name);
      await t.store.data.upsert(site.id, c("comments"), [row(c("comments"), { comment_id: 990001, page_id: 65602, comment_content: "on the deleted page", scope_key: "~bob" })]);
      await t.store.data.upsert(site.id, c("attachments"), [row(c("attachments"), { attachment_id: 990002, page_id: 65602, filename: "notes.txt", size: 1, scope_key: "~bob" })]);
      const before_ = await everyRow(t.store, site);
      server.load(join(wiki, "common"), join(wiki, "reconcile"));
      const run = await runSync({ store: t.store, site, env: wikiEnv, reconcile: true });
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.deleted, { pages: 1, comments: 1, attachments: 1 });
      const after_ = await everyRow(t.store, site);
      for (const [name, rows] of before_) {
        const def = c(name);
        const cols = storedColumns(def).map((col) => col.name);
        const own = (r: string) => {
          const v = JSON.parse(r) as unknown[];
          return name === "pages" ? v[cols.indexOf("page_id")] === 65602 : (def.parents ?? []).some((p) => v[cols.indexOf(p.column)] === 65602);
        };
        assert.deepEqual(after_.get(name), rows.filter((r) => !own(r)), name);
      }
    });

    test("Confluence and Bitbucket chains: a page's comments and attachments; a repository's commits, builds, pull requests and their activities", async () => {
      const wiki = await t.store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki-cascade", baseUrl: "http://localhost:8080/wiki-cascade" });
      const c = (name: string) => entity("confluence", name);
      await t.store.data.upsert(wiki.id, c("pages"), [row(c("pages"), { page_id: 1, space_key: "S", scope_key: "S" }), row(c("pages"), { page_id: 2, space_key: "S", scope_key: "S" })]);
      await t.store.data.upsert(wiki.id, c("comments"), [row(c("comments"), { comment_id: 11, page_id: 1, scope_key: "S" }), row(c("comments"), { comment_id: 12, page_id: 1, parent_comment_id: 11, scope_key: "S" }), row(c("comments"), { comment_id: 21, page_id: 2, scope_key: "S" })]);
      await t.store.data.upsert(wiki.id, c("attachments"), [row(c("attachments"), { attachment_id: 31, page_id: 1, scope_key: "S" }), row(c("attachments"), { attachment_id: 32, page_id: 2, scope_key: "S" })]);
      const deleted: Record<string, number> = {};
      await t.store.data.deleteByKey(wiki.id, c("pages"), [[1]]);
      await deleteChildren(t.store, wiki.id, c("pages"), ["1"], deleted);
      assert.deepEqual(deleted, { comments: 2, attachments: 1 });
      const left = await everyRow(t.store, wiki);
      assert.equal(left.get("comments")!.length, 1);
      assert.equal(left.get("attachments")!.length, 1);

      const bb = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-cascade", baseUrl: "http://localhost:8080/bb-cascade" });
      const b = (name: string) => entity("bitbucket", name);
      await t.store.data.upsert(bb.id, b("repositories"), [row(b("repositories"), { repository_id: 5, repository_name: "a", slug: "a", project_key: "P", scope_key: "5" }), row(b("repositories"), { repository_id: 6, repository_name: "b", slug: "b", project_key: "P", scope_key: "6" })]);
      await t.store.data.upsert(bb.id, b("commits"), [row(b("commits"), { repository_id: 5, commit_hash: "a".repeat(40), scope_key: "5" }), row(b("commits"), { repository_id: 6, commit_hash: "b".repeat(40), scope_key: "6" })]);
      await t.store.data.upsert(bb.id, b("build_statuses"), [row(b("build_statuses"), { repository_id: 5, commit_hash: "a".repeat(40), build_key: "CI", scope_key: "5" })]);
      await t.store.data.upsert(bb.id, b("pull_requests"), [
        row(b("pull_requests"), { pull_request_id: "5-1", from_repository_id: 6, to_repository_id: 5, scoped_id: 1, scope_key: "5" }),
        row(b("pull_requests"), { pull_request_id: "6-1", from_repository_id: 5, to_repository_id: 6, scoped_id: 1, scope_key: "6" }),
      ]);
      await t.store.data.upsert(bb.id, b("pull_request_activities"), [row(b("pull_request_activities"), { activity_id: 1, pull_request_id: "5-1", action: "OPENED", scope_key: "5" }), row(b("pull_request_activities"), { activity_id: 2, pull_request_id: "6-1", action: "OPENED", scope_key: "6" })]);
      const gone: Record<string, number> = {};
      await t.store.data.deleteByKey(bb.id, b("repositories"), [[5]]);
      await deleteChildren(t.store, bb.id, b("repositories"), ["5"], gone);
      // The pull request from the deleted repository into another stays: it belongs to its target.
      assert.deepEqual(gone, { commits: 1, build_statuses: 1, pull_requests: 1, pull_request_activities: 1 });
      const rest = await everyRow(t.store, bb);
      assert.deepEqual([rest.get("commits")!.length, rest.get("pull_requests")!.length, rest.get("pull_request_activities")!.length], [1, 1, 1]);

      // More children than one batch of keys: found and deleted batch after batch, every one of them.
      const many = Array.from({ length: 12_345 }, (_, i) => row(b("commits"), { repository_id: 7, commit_hash: i.toString(16).padStart(40, "0"), scope_key: "7" }));
      for (let i = 0; i < many.length; i += 2000) await t.store.data.upsert(bb.id, b("commits"), many.slice(i, i + 2000));
      const bulk: Record<string, number> = {};
      await deleteChildren(t.store, bb.id, b("repositories"), ["7"], bulk);
      assert.deepEqual(bulk, { commits: 12_345 });
      assert.equal((await everyRow(t.store, bb)).get("commits")!.length, 1);
    });
  });
}
