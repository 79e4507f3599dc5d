/**
 * Issue 17, Bitbucket: pull requests deleted upstream go at a reconcile (with their activities, and
 * never one the API still has), a personal fork's commits stay out of the export unless
 * `exportPersonalForkCommits`, and a pull request updated between two pages of a pass is neither
 * skipped nor stored twice. The pull request listings are live fakes (handlers on the replay server)
 * that order and page as the vendor does, so that a move shifts the pages as it would upstream.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { uuidToId } from "../src/sources/bitbucket/ids.js";
import type { Site, Store } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { exportedRows } from "./support/export-rows.js";
import { fixtureDir, ReplayServer, type Handler } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { rowsOf } from "./support/store-rows.js";

const PAGE = 2;

interface FakePr {
  id: number;
  title: string;
  updated: number;
}

/** The pull requests of one repository, as the vendor holds them. */
class Upstream {
  readonly prs = new Map<number, FakePr>();
  /** Left out of the listing (as an offset listing does when another is deleted mid-pass), still answering by id. */
  readonly unlisted = new Set<number>();
  /** Runs once, after the listing served its first page in the next pass. */
  afterFirstPage: (() => void) | undefined;
  constructor(count: number) {
    for (let id = 1; id <= count; id++) this.prs.set(id, { id, title: `PR ${id}`, updated: Date.UTC(2024, 4, id) });
  }
  update(id: number, title: string, at: number): void {
    const pr = this.prs.get(id)!;
    Object.assign(pr, { title, updated: at });
  }
  listed(order: (a: FakePr, b: FakePr) => number): FakePr[] {
    return [...this.prs.values()].filter((p) => !this.unlisted.has(p.id)).sort(order);
  }
  served(first: boolean): void {
    if (!first || !this.afterFirstPage) return;
    const run = this.afterFirstPage;
    this.afterFirstPage = undefined;
    run();
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "000+00:00");

/** Bitbucket Cloud 2.0: `page` numbers over `sort` (`id` or `updated_on`), `q=updated_on >= …`, `state` ignored (all synced). */
function cloudHandler(up: Upstream, repoUuid: string): Handler {
  const base = "/2.0/repositories/acme/svc/pullrequests";
  return (req, origin) => {
    if (req.path === base) {
      const sort = req.query.get("sort") ?? "id";
      const since = /updated_on >= (.+)/.exec(req.query.get("q") ?? "")?.[1];
      const order = sort === "updated_on" ? (a: FakePr, b: FakePr) => a.updated - b.updated : (a: FakePr, b: FakePr) => a.id - b.id;
      const all = up.listed(order).filter((p) => since === undefined || p.updated >= Date.parse(since));
      const page = Number(req.query.get("page") ?? "1");
      const values = all.slice((page - 1) * PAGE, page * PAGE).map((p) => ({
        id: p.id,
        title: p.title,
        state: "OPEN",
        author: { uuid: "{a2b4c6d8-0000-4111-8222-333344445555}" },
        source: { branch: { name: `feature/${p.id}` }, repository: { uuid: repoUuid } },
        destination: { branch: { name: "main" }, repository: { uuid: repoUuid } },
        created_on: iso(Date.UTC(2024, 3, p.id)),
        updated_on: iso(p.updated),
      }));
      const next = new URLSearchParams(req.query);
      next.set("page", String(page + 1));
      const body = { pagelen: PAGE, page, size: all.length, values, ...(page * PAGE < all.length ? { next: `${origin}${base}?${next}` } : {}) };
      up.served(page === 1);
      return { status: 200, body };
    }
    const one = new RegExp(`^${base}/(\\d+)(/activity|/statuses)?$`).exec(req.path);
    if (!one) return undefined;
    const pr = up.prs.get(Number(one[1]));
    if (!pr) return { status: 404, body: { type: "error", error: { message: "Not found" } } };
    if (one[2] === "/activity") {
      return { status: 200, body: { pagelen: 50, values: [{ comment: { id: 500 + pr.id, created_on: iso(Date.UTC(2024, 4, pr.id, 9)), user: { uuid: "{a2b4c6d8-0000-4111-8222-333344445555}" }, content: { raw: `on ${pr.id}` } } }] } };
    }
    if (one[2] === "/statuses") return { status: 200, body: { pagelen: 50, values: [] } };
    return { status: 200, body: { id: pr.id } };
  };
}

/** Bitbucket DC 1.0: `start` offsets over the update time, oldest first (the order a move disturbs most). */
function dcHandler(up: Upstream, repoId: number): Handler {
  const base = "/rest/api/1.0/projects/PLAT/repos/svc/pull-requests";
  const user = { name: "lea", id: 101, displayName: "Lea Marx", slug: "lea" };
  const ref = (branch: string) => ({ id: `refs/heads/${branch}`, displayId: branch, latestCommit: "aa11aa11aa11aa11aa11aa11aa11aa11aa11aa11", repository: { id: repoId, slug: "svc", project: { key: "PLAT" } } });
  return (req) => {
    if (req.path.startsWith("/rest/build-status/1.0/commits/")) return { status: 200, body: { size: 0, limit: 100, isLastPage: true, start: 0, values: [] } };
    if (req.path === base) {
      const all = up.listed((a, b) => a.updated - b.updated);
      const start = Number(req.query.get("start") ?? "0");
      const values = all.slice(start, start + PAGE).map((p) => ({
        id: p.id,
        title: p.title,
        state: "OPEN",
        createdDate: Date.UTC(2024, 3, p.id),
        updatedDate: p.updated,
        fromRef: ref(`feature/${p.id}`),
        toRef: ref("main"),
        author: { user },
        reviewers: [],
      }));
      const last = start + PAGE >= all.length;
      up.served(start === 0);
      return { status: 200, body: { size: values.length, limit: PAGE, start, isLastPage: last, ...(last ? {} : { nextPageStart: start + PAGE }), values } };
    }
    const one = new RegExp(`^${base}/(\\d+)(/activities)?$`).exec(req.path);
    if (!one) return undefined;
    const pr = up.prs.get(Number(one[1]));
    if (!pr) return { status: 404, body: { errors: [{ message: `Pull request ${one[1]} does not exist in PLAT/svc.` }] } };
    if (one[2] === "/activities") {
      return { status: 200, body: { size: 1, limit: 100, start: 0, isLastPage: true, values: [{ id: 1000 + pr.id, createdDate: Date.UTC(2024, 4, pr.id, 9), user, action: "COMMENTED", comment: { id: 50 + pr.id, text: `on ${pr.id}` } }] } };
    }
    return { status: 200, body: { id: pr.id } };
  };
}

async function exportedCommits(store: Store, site: Site, dir: string, jobId: number, settings: Record<string, unknown>): Promise<Record<string, string>[]> {
  return exportedRows(store, site, join(dir, `export-${jobId}`), "commits", settings);
}

const env = { SLUICE_SECRET_BB: "bbtok" };

for (const kind of STORE_KINDS) {
  describe(`sync bitbucket, complete (${kind})`, () => {
    let dir: string;
    let ts: TestStore;
    let store: Store;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "sluice-sync-bitbucket-complete-"));
      ts = await openTestStore(kind);
      store = ts.store;
      await store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => {
      await ts.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    test("bitbucket-cloud: a pull request updated between two pages is synced once; one deleted upstream goes with its activities", async () => {
      const server = new ReplayServer();
      const repoUuid = "{5e5e5e5e-1111-4222-8333-444455556666}";
      const repoId = uuidToId(repoUuid)!;
      const up = new Upstream(5);
      try {
        const base = await server.start();
        const site = await store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bbc-complete", baseUrl: "http://localhost/bbc-complete" });
        await store.settings.set(site.id, "source", { kind: "bitbucket-cloud", url: `${base}/acme`, email: "jo@acme.com", tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
        server.load(join(fixtureDir("bitbucket-cloud"), "complete"));
        server.handle(cloudHandler(up, repoUuid));
        // PR 1 is updated once page 1 was served: in `updated_on` order it would move to the end and
        // push PR 3 back onto page 1, where a page-number listing never looks again.
        up.afterFirstPage = () => up.update(1, "PR 1, edited", Date.UTC(2024, 5, 1));
        const first = await runSync({ store, site, env });
        assert.deepEqual(server.unmatched, []);
        assert.equal(first.status, "SUCCEEDED");
        assert.ok(server.requestsTo("/2.0/repositories/acme/svc/pullrequests").every((r) => r.query.get("sort") === "id"));
        let prs = await rowsOf(store, site, "bitbucket", "pull_requests");
        assert.deepEqual(prs.map((p) => p.pull_request_id).sort(), [1, 2, 3, 4, 5].map((n) => `${repoId}-${n}`));
        // The edit after its page was read comes with the next pass (the mark is never past an unread update).
        const second = await runSync({ store, site, env });
        assert.equal(second.status, "SUCCEEDED");
        prs = await rowsOf(store, site, "bitbucket", "pull_requests");
        assert.equal(prs.length, 5);
        assert.equal(prs.find((p) => p.pull_request_id === `${repoId}-1`)!.title, "PR 1, edited");

        // PR 2 deleted upstream; PR 4 left out of the listing but still there when asked by id.
        up.prs.delete(2);
        up.unlisted.add(4);
        const reconciled = await runSync({ store, site, env, reconcile: true });
        assert.equal(reconciled.status, "SUCCEEDED");
        assert.deepEqual(server.unmatched, []);
        assert.equal(reconciled.deleted.pull_requests, 1);
        assert.equal(reconciled.deleted.pull_request_activities, 1);
        prs = await rowsOf(store, site, "bitbucket", "pull_requests");
        assert.deepEqual(prs.map((p) => p.pull_request_id).sort(), [1, 3, 4, 5].map((n) => `${repoId}-${n}`));
        const activities = await rowsOf(store, site, "bitbucket", "pull_request_activities");
        assert.deepEqual(activities.map((a) => a.pull_request_id).sort(), [1, 3, 4, 5].map((n) => `${repoId}-${n}`));
        assert.equal(server.requestsTo("/2.0/repositories/acme/svc/pullrequests/4").length, 1);
        assert.equal((await rowsOf(store, site, "bitbucket", "repositories")).length, 1);
      } finally {
        await server.stop();
      }
    });

    test("bitbucket-dc: a move during the pass skips nothing and stores no duplicate; a deleted pull request goes at the reconcile; personal fork commits stay out of the export by default", async () => {
      const server = new ReplayServer();
      const up = new Upstream(5);
      try {
        const base = await server.start();
        const site = await store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bbdc-complete", baseUrl: "http://localhost/bbdc-complete" });
        await store.settings.set(site.id, "source", { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
        server.load(join(fixtureDir("bitbucket-dc"), "complete"));
        server.handle(dcHandler(up, 21));
        // Oldest update first: PR 1 edited after page 1 moves to the end, and PR 3 slides onto page 1.
        up.afterFirstPage = () => up.update(1, "PR 1, edited", Date.UTC(2024, 5, 1));
        const first = await runSync({ store, site, env });
        assert.deepEqual(server.unmatched, []);
        assert.equal(first.status, "SUCCEEDED");
        let prs = await rowsOf(store, site, "bitbucket", "pull_requests");
        assert.deepEqual(prs.map((p) => p.pull_request_id).sort(), ["21-1", "21-2", "21-3", "21-4", "21-5"]);
        assert.equal(prs.find((p) => p.pull_request_id === "21-1")!.title, "PR 1, edited");
        assert.equal((await rowsOf(store, site, "bitbucket", "pull_request_activities")).length, 5);

        up.prs.delete(2);
        up.unlisted.add(4);
        const reconciled = await runSync({ store, site, env, reconcile: true });
        assert.equal(reconciled.status, "SUCCEEDED");
        assert.deepEqual(server.unmatched, []);
        assert.equal(reconciled.deleted.pull_requests, 1);
        assert.equal(reconciled.deleted.pull_request_activities, 1);
        prs = await rowsOf(store, site, "bitbucket", "pull_requests");
        assert.deepEqual(prs.map((p) => p.pull_request_id).sort(), ["21-1", "21-3", "21-4", "21-5"]);
        const activities = await rowsOf(store, site, "bitbucket", "pull_request_activities");
        assert.deepEqual(activities.map((a) => a.activity_id).sort(), [1001, 1003, 1004, 1005]);

        // Repository 22 is a fork of 21 in the personal project ~LEA.
        const commits = await rowsOf(store, site, "bitbucket", "commits");
        assert.deepEqual(commits.map((c) => c.repository_id).sort(), [21, 22]);
        const byDefault = await exportedCommits(store, site, dir, 1, {});
        assert.deepEqual(byDefault.map((c) => [c.repository_id, c.message]), [["21", "Service skeleton"]]);
        const withForks = await exportedCommits(store, site, dir, 2, { exportPersonalForkCommits: true });
        assert.deepEqual(withForks.map((c) => c.repository_id).sort(), ["21", "22"]);

        // The repository listing leaves the fork out (an offset listing skips an item when another goes
        // during the pass): asked by id, it is still there, so it and its commits stay. Once it answers
        // 404 it goes, with its commits.
        const listing = JSON.parse(await readFile(join(fixtureDir("bitbucket-dc"), "complete", "repos.json"), "utf8")) as { values: { id: number }[] };
        let forkThere = true;
        server.handle((req, b) => {
          if (req.path === "/rest/api/1.0/repos") {
            const values = listing.values.filter((r) => r.id !== 22).map((r) => JSON.parse(JSON.stringify(r).replaceAll("{{base}}", b)) as unknown);
            return { status: 200, body: { size: values.length, limit: 100, isLastPage: true, start: 0, values } };
          }
          if (req.path === "/rest/api/1.0/projects/~LEA/repos/svc") {
            return forkThere ? { status: 200, body: listing.values.find((r) => r.id === 22) } : { status: 404, body: { errors: [{ message: "Repository ~LEA/svc does not exist." }] } };
          }
          return undefined;
        });
        const skipped = await runSync({ store, site, env, reconcile: true });
        assert.equal(skipped.status, "SUCCEEDED");
        assert.equal(skipped.deleted.repositories, undefined);
        assert.deepEqual((await rowsOf(store, site, "bitbucket", "repositories")).map((r) => r.repository_id).sort(), [21, 22]);
        assert.deepEqual((await rowsOf(store, site, "bitbucket", "commits")).map((c) => c.repository_id).sort(), [21, 22]);
        forkThere = false;
        const gone = await runSync({ store, site, env, reconcile: true });
        assert.equal(gone.deleted.repositories, 1);
        assert.deepEqual((await rowsOf(store, site, "bitbucket", "repositories")).map((r) => r.repository_id), [21]);
        assert.deepEqual((await rowsOf(store, site, "bitbucket", "commits")).map((c) => c.repository_id), [21]);
        assert.equal(server.requestsTo("/rest/api/1.0/projects/~LEA/repos/svc").length, 2);
      } finally {
        await server.stop();
      }
    });
  });
}
