/**
 * The Store contract: one suite, run against every store kind. Both adapters must behave the same and
 * hand back rows of the same shapes, so that an export writes the same bytes from either.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { entity, storedColumns, type EntityDef } from "../src/core/entities/registry.js";
import type { JobStatus, NewJob } from "../src/core/job.js";
import type { RowValues, Site, Store } from "../src/store/port.js";
import { openPostgresStore } from "../src/store/postgres/index.js";
import { emptyPostgresDatabase, openStoreAt, openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { exportQuery } from "../src/core/query.js";

const issues = entity("jira", "issues");
const issueFields = entity("jira", "issue_fields");
const repositories = entity("bitbucket", "repositories");
const spaces = entity("confluence", "spaces");

/** A row of `def` with every value derived from `i` (so tests can say which rows they expect). */
function sampleRow(def: EntityDef, i: number, overrides: Record<string, unknown> = {}): unknown[] {
  return storedColumns(def).map((c) => {
    if (c.name in overrides) return overrides[c.name];
    if (c.name === "scope_key") return `P${i % 3}`;
    switch (c.type) {
      case "integer":
        return def.key.includes(c.name) ? i : i * 10 + 1;
      case "decimal":
        return i + 0.25;
      case "boolean":
        return i % 2 === 0;
      case "datetime":
        return `2021-01-${String(i % 28 + 1).padStart(2, "0")}T20:57:${String(i % 60).padStart(2, "0")}Z`;
      case "date":
        return `2021-02-${String(i % 28 + 1).padStart(2, "0")}`;
      case "json":
        return i % 3 === 0 ? [] : ["a,b", `"q" ${i}`];
      case "text":
        return `line 1\nline "2" \\ é ✓ ${i}`;
      case "url":
        return `/browse/X-${i}`;
      default:
        return `${c.name}-${i}`;
    }
  });
}

/** What both stores must give back for `sampleRow(def, i)`. */
function expectedRow(def: EntityDef, i: number, overrides: Record<string, unknown> = {}): unknown[] {
  const input = sampleRow(def, i, overrides);
  return storedColumns(def).map((c, n) => {
    const v = input[n];
    if (v === null || v === undefined) return null;
    if (c.type === "boolean") return v ? 1 : 0;
    if (c.type === "json") return Array.isArray(v) ? (v.length === 0 ? null : JSON.stringify(v)) : v;
    return v;
  });
}

const col = (def: EntityDef, name: string): number => storedColumns(def).findIndex((c) => c.name === name);

async function allRows(iterable: AsyncIterable<unknown[][]>): Promise<unknown[][]> {
  const out: unknown[][] = [];
  // Long text may come as UTF-8 bytes (the port allows it for the CSV hot path): compare as text.
  for await (const batch of iterable) out.push(...batch.map((row) => row.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v))));
  return out;
}

function newJob(siteId: number, status: JobStatus = "STARTED", instanceId = "node-a:1", kind = "export"): NewJob {
  return {
    siteId,
    kind,
    status,
    trigger: "api",
    lockKey: `${kind}:${siteId}`,
    params: {
      schemaVersion: 2,
      exportFrom: 1_600_000_000_000,
      forced: true,
      rootExportPath: "/var/export/data-pipeline/export/jobs/1",
      optedOut: [{ type: "PROJECT", identifier: "10000", key: "OPT", displayName: "Opted out", uri: "/rest/api/2/project/10000" }],
      format: "csv",
    },
    result: null,
    progress: null,
    warnings: [{ key: "w", message: "a warning" }],
    errors: [],
    nodeId: "node-a",
    instanceId,
    pid: 4242,
    createdAt: 1_700_000_000_123,
    startTime: 1_700_000_000_123,
    completedTime: status === "STARTED" || status === "QUEUED" ? null : 1_700_000_100_000,
    cancelledTime: null,
    leaseExpiresAt: 1_700_000_060_000,
    notBefore: 0,
    scheduleId: null,
    parentId: null,
  };
}

/** Upserts `rows` into a new site of `store` and reads them back through a snapshot. */
async function roundTrip(store: Store, def: EntityDef, rows: RowValues[]): Promise<unknown[][]> {
  await store.sites.ensureOrganisation("org", "Org");
  const site = await store.sites.create("org", {
    product: def.product,
    contextPath: `/${def.product}-${def.name}`,
    baseUrl: "http://x",
  });
  await store.data.upsert(site.id, def, rows);
  const snapshot = await store.data.snapshot(site.id);
  try {
    return await allRows(snapshot.rows(def, 3));
  } finally {
    await snapshot.close();
  }
}

for (const kind of STORE_KINDS) {
  describe(`store contract (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    let sites = 0;
    /** A new site per test: tests do not see each other's data. */
    const newSite = async (product: "jira" | "confluence" | "bitbucket" = "jira"): Promise<Site> =>
      store.sites.create("org-1", { product, contextPath: `/site-${++sites}`, baseUrl: `http://localhost/site-${sites}` });

    before(async () => {
      t = await openTestStore(kind);
      store = t.store;
      await store.sites.ensureOrganisation("org-1", "Org one");
    });
    after(async () => {
      await t.cleanup();
    });

    test("kind is reported", () => {
      assert.equal(store.kind, kind);
    });

    describe("sites", () => {
      test("create, byKey, byId, list, setState", async () => {
        assert.deepEqual(await store.sites.ensureOrganisation("org-1", "Renamed"), { orgId: "org-1", name: "Org one" });
        assert.deepEqual(
          (await store.sites.listOrganisations()).map((o) => o.orgId),
          ["org-1"],
        );
        const site = await store.sites.create("org-1", {
          product: "confluence",
          contextPath: "/wiki/",
          baseUrl: "http://localhost:8080/wiki",
        });
        assert.equal(typeof site.id, "number");
        assert.equal(site.key, "wiki");
        assert.equal(site.contextPath, "/wiki");
        assert.equal(site.plan, "standard");
        assert.equal(site.region, "local");
        assert.equal(site.state, "ready");
        assert.equal(typeof site.createdAt, "number");
        assert.deepEqual(await store.sites.byKey("wiki"), site);
        assert.deepEqual(await store.sites.byId(site.id), site);
        assert.equal(await store.sites.byKey("nope"), undefined);
        assert.equal(await store.sites.byId(987654), undefined);
        const root = await store.sites.create("org-1", { product: "jira", contextPath: "/", baseUrl: "http://localhost" });
        assert.equal(root.key, "");
        assert.equal(root.contextPath, "/");
        const listed = await store.sites.list();
        assert.ok(listed.findIndex((s) => s.id === site.id) < listed.findIndex((s) => s.id === root.id));
        await store.sites.setState(site.id, "loading");
        assert.equal((await store.sites.byId(site.id))?.state, "loading");
      });

      test("a second site with the same key is refused", async () => {
        await store.sites.create("org-1", { product: "jira", contextPath: "/dup", baseUrl: "http://a" });
        await assert.rejects(store.sites.create("org-1", { product: "bitbucket", contextPath: "dup/", baseUrl: "http://b" }));
        assert.equal((await store.sites.list()).filter((s) => s.key === "dup").length, 1);
      });
    });

    describe("accounts and tokens", () => {
      test("ensureAccount is idempotent; tokens are found by hash", async () => {
        const a = await store.accounts.ensureAccount("admin", "Administrator", true);
        assert.deepEqual(a, { id: a.id, username: "admin", displayName: "Administrator", sysadmin: true });
        assert.deepEqual(await store.accounts.ensureAccount("admin", "Other", false), a);
        const b = await store.accounts.ensureAccount("bob", "Bob", false);
        assert.notEqual(b.id, a.id);
        assert.equal(b.sysadmin, false);
        const before = await store.accounts.countTokens();
        const id = await store.accounts.addToken(a.id, "ci", "hash-1");
        assert.equal(typeof id, "number");
        const found = await store.accounts.findToken("hash-1");
        assert.ok(found);
        assert.equal(found.id, id);
        assert.equal(found.name, "ci");
        assert.equal(typeof found.createdAt, "number");
        assert.deepEqual(found.account, a);
        assert.equal(await store.accounts.findToken("hash-2"), undefined);
        assert.equal(await store.accounts.countTokens(), before + 1);
        await assert.rejects(store.accounts.addToken(b.id, "again", "hash-1"));
      });
    });

    describe("settings", () => {
      test("get, set, delete", async () => {
        const site = await newSite();
        assert.equal(await store.settings.get(site.id, "exportPath"), undefined);
        await store.settings.set(site.id, "exportPath", "/var/export");
        await store.settings.set(site.id, "optOut", [{ type: "PROJECT", key: "A" }]);
        assert.equal(await store.settings.get(site.id, "exportPath"), "/var/export");
        assert.deepEqual(await store.settings.get(site.id, "optOut"), [{ type: "PROJECT", key: "A" }]);
        await store.settings.set(site.id, "exportPath", { path: "/elsewhere", n: 3, on: false });
        assert.deepEqual(await store.settings.get(site.id, "exportPath"), { path: "/elsewhere", n: 3, on: false });
        const other = await newSite();
        assert.equal(await store.settings.get(other.id, "exportPath"), undefined);
        await store.settings.delete(site.id, "exportPath");
        assert.equal(await store.settings.get(site.id, "exportPath"), undefined);
        await store.settings.delete(site.id, "exportPath");
      });

      test("compareAndSet succeeds once, then fails; concurrent claims have one winner", async () => {
        const site = await newSite();
        assert.equal(await store.settings.compareAndSet(site.id, "claim", "a", "b"), false);
        await store.settings.set(site.id, "claim", { at: 1 });
        assert.equal(await store.settings.compareAndSet(site.id, "claim", { at: 1 }, { at: 2 }), true);
        assert.equal(await store.settings.compareAndSet(site.id, "claim", { at: 1 }, { at: 3 }), false);
        assert.deepEqual(await store.settings.get(site.id, "claim"), { at: 2 });
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.settings.compareAndSet(site.id, "claim", { at: 2 }, { at: 100 + i })),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });
    });

    describe("jobs", () => {
      const bySeq = (siteId: number, seq: number) => store.jobs.bySeq(siteId, "export", seq);

      test("numbers count 1, 2, 3 per site and kind, independently; records round-trip", async () => {
        const s1 = await newSite();
        const s2 = await newSite();
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await store.jobs.create(newJob(s1.id, "COMPLETED"));
          assert.ok(r.ok);
          ids.push(r.job.seq);
        }
        assert.deepEqual(ids, [1, 2, 3]);
        const r2 = await store.jobs.create(newJob(s2.id));
        assert.ok(r2.ok);
        assert.equal(r2.job.seq, 1);
        assert.deepEqual(await bySeq(s2.id, 1), { ...newJob(s2.id), id: r2.job.id, seq: 1 });
        assert.deepEqual(await store.jobs.get(r2.job.id), { ...newJob(s2.id), id: r2.job.id, seq: 1 });
        assert.deepEqual(await bySeq(s1.id, 3), { ...newJob(s1.id, "COMPLETED"), id: (await bySeq(s1.id, 3))!.id, seq: 3 });
        assert.equal(await bySeq(s1.id, 4), undefined);
        assert.equal((await store.jobs.latest(s1.id, "export"))?.seq, 3);
        assert.equal(await store.jobs.latest((await newSite()).id, "export"), undefined);
        // Another kind of the same site counts on its own.
        const sync = await store.jobs.create(newJob(s1.id, "COMPLETED", "node-a:1", "sync"));
        assert.ok(sync.ok);
        assert.equal(sync.job.seq, 1);
      });

      test("a second running job of a lock is refused with the holder; FAILED jobs are still recorded", async () => {
        const site = await newSite();
        const first = await store.jobs.create(newJob(site.id));
        assert.ok(first.ok);
        const second = await store.jobs.create(newJob(site.id, "STARTED", "node-b:1"));
        assert.equal(second.ok, false);
        assert.ok(!second.ok);
        assert.deepEqual(second.running, first.job);
        const cancelling = await store.jobs.create(newJob(site.id, "CANCELLATION_REQUESTED"));
        assert.equal(cancelling.ok, false);
        const failed = await store.jobs.create(newJob(site.id, "FAILED", "node-b:1"));
        assert.ok(failed.ok);
        assert.equal(failed.job.seq, 2);
        assert.deepEqual(await store.jobs.holder(`export:${site.id}`), first.job);
        assert.ok((await store.jobs.running()).some((j) => j.siteId === site.id && j.seq === 1));
        // Once the holder finishes, the next running job is claimed.
        assert.equal(await store.jobs.transition(first.job.id, ["STARTED"], { status: "COMPLETED", completedTime: 5 }), true);
        assert.equal(await store.jobs.holder(`export:${site.id}`), undefined);
        assert.ok(!(await store.jobs.running()).some((j) => j.siteId === site.id));
        const third = await store.jobs.create(newJob(site.id));
        assert.ok(third.ok);
        assert.equal(third.job.seq, 3);
      });

      test("lock keys are per kind: an export and a sync of one site run together, two syncs do not", async () => {
        const site = await newSite();
        assert.ok((await store.jobs.create(newJob(site.id, "STARTED", "node-a:1", "export"))).ok);
        const sync = await store.jobs.create(newJob(site.id, "STARTED", "node-a:1", "sync"));
        assert.ok(sync.ok, "a sync runs beside the export");
        const again = await store.jobs.create(newJob(site.id, "STARTED", "node-b:1", "sync"));
        assert.ok(!again.ok);
        assert.equal(again.running.id, sync.job.id);
        const unlocked = { ...newJob(site.id, "STARTED", "node-a:1", "report"), lockKey: null };
        assert.ok((await store.jobs.create(unlocked)).ok && (await store.jobs.create(unlocked)).ok, "jobs without a lock never block");
      });

      test("50 concurrent creates: exactly one claims the lock", async () => {
        const site = await newSite();
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.jobs.create(newJob(site.id, "STARTED", `node-a:${i}`))),
        );
        const winners = results.filter((r) => r.ok);
        assert.equal(winners.length, 1);
        const winner = winners[0]!;
        assert.ok(winner.ok);
        for (const r of results) if (!r.ok) assert.deepEqual(r.running, winner.job);
        assert.equal((await store.jobs.list({ siteId: site.id, kind: "export" }, 0, 100)).total, 1);
      });

      test("concurrent creates from two store instances (two processes or nodes): one claim, dense numbers", async () => {
        const other = await openStoreAt(kind, t.url);
        try {
          const site = await newSite();
          const creates = Array.from({ length: 40 }, (_, i) => {
            const from = i % 2 === 0 ? store : other;
            // Every third one is a FAILED record, which needs a number but no claim.
            return from.jobs.create(newJob(site.id, i % 3 === 0 ? "FAILED" : "STARTED", `node-${i % 2}:${i}`));
          });
          const results = await Promise.all(creates);
          const failedCount = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === 0).length;
          assert.equal(results.filter((r) => r.ok && r.job.status === "STARTED").length, 1);
          assert.equal(results.filter((r) => r.ok && r.job.status === "FAILED").length, failedCount);
          const seqs = results.flatMap((r) => (r.ok ? [r.job.seq] : [])).sort((a, b) => a - b);
          assert.deepEqual(seqs, Array.from({ length: failedCount + 1 }, (_, i) => i + 1));
        } finally {
          await other.close();
        }
      });

      test("update applies only for the owning instance", async () => {
        const site = await newSite();
        const r = await store.jobs.create(newJob(site.id, "STARTED", "node-a:7"));
        assert.ok(r.ok);
        const id = r.job.id;
        const progress = { label: "issues", done: 10, total: 400, unit: "rows", rate: 12.5, etaSeconds: null, detail: { file: "issues_job1_0.csv", rowsWritten: 10 } };
        assert.equal(await store.jobs.update(id, "node-b:1", { leaseExpiresAt: 99 }), false);
        assert.equal(await store.jobs.update(id, "node-a:7", { leaseExpiresAt: 99, progress }), true);
        const files = [{ name: "issues_job1_0.csv", entity: "issues", rows: 3, bytes: 120, sha256: "ab" }];
        const result = { statistics: { exportedEntities: 3, writtenRows: 7 }, files };
        assert.equal(
          await store.jobs.update(id, "node-a:7", {
            status: "COMPLETED",
            completedTime: 1_700_000_200_000,
            result,
            warnings: [],
            errors: [{ key: "e", message: "an error" }],
          }),
          true,
        );
        const job = await store.jobs.get(id);
        assert.deepEqual(job, {
          ...r.job,
          status: "COMPLETED",
          completedTime: 1_700_000_200_000,
          leaseExpiresAt: 99,
          progress,
          result,
          warnings: [],
          errors: [{ key: "e", message: "an error" }],
        });
        // Once the job has ended, not even its owner can change it (a late node cannot revive a lost job).
        assert.equal(await store.jobs.update(id, "node-a:7", { progress: null }), false);
        assert.deepEqual((await store.jobs.get(id))?.progress, progress, "the refused update changed nothing");
        assert.equal(await store.jobs.update(id + 1000, "node-a:7", { leaseExpiresAt: 1 }), false);
      });

      test("transition applies only from the listed statuses", async () => {
        const site = await newSite();
        const r = await store.jobs.create(newJob(site.id));
        assert.ok(r.ok);
        const id = r.job.id;
        assert.equal(await store.jobs.transition(id, ["COMPLETED", "FAILED"], { status: "CANCELLED" }), false);
        assert.equal(await store.jobs.transition(id, ["STARTED"], { status: "CANCELLATION_REQUESTED", cancelledTime: 10 }), true);
        assert.equal(await store.jobs.transition(id, ["STARTED"], { status: "FAILED" }), false);
        assert.equal(await store.jobs.transition(id, ["STARTED", "CANCELLATION_REQUESTED"], { status: "CANCELLED" }), true);
        const job = await store.jobs.get(id);
        assert.equal(job?.status, "CANCELLED");
        assert.equal(job?.cancelledTime, 10);
        assert.equal(await store.jobs.transition(id + 1000, ["STARTED"], { status: "FAILED" }), false);
      });

      test("renew extends the leases an instance holds in one statement and says their status", async () => {
        const site = await newSite();
        const a = await store.jobs.create(newJob(site.id, "STARTED", "node-renew:1", "export"));
        const b = await store.jobs.create(newJob(site.id, "STARTED", "node-renew:1", "sync"));
        assert.ok(a.ok && b.ok);
        await store.jobs.transition(b.job.id, ["STARTED"], { status: "CANCELLATION_REQUESTED" });
        const held = await store.jobs.renew("node-renew:1", 123_456);
        assert.deepEqual(held.sort((x, y) => x.id - y.id), [
          { id: a.job.id, status: "STARTED" },
          { id: b.job.id, status: "CANCELLATION_REQUESTED" },
        ]);
        assert.equal((await store.jobs.get(a.job.id))?.leaseExpiresAt, 123_456);
        assert.deepEqual(await store.jobs.renew("node-z:1", 1), []);
      });

      test("queued jobs are claimed oldest first, one per claim, never while their lock is held", async () => {
        const site = await newSite();
        const q1 = await store.jobs.create({ ...newJob(site.id, "QUEUED", "", "sync"), nodeId: "", pid: 0 });
        const q2 = await store.jobs.create({ ...newJob(site.id, "QUEUED", "", "sync"), nodeId: "", pid: 0 });
        const later = await store.jobs.create({ ...newJob(site.id, "QUEUED", "", "report"), lockKey: null, notBefore: 5_000 });
        assert.ok(q1.ok && q2.ok && later.ok);
        assert.equal((await store.jobs.active(`sync:${site.id}`))?.id, q1.job.id);
        const claim = { nodeId: "node-q", instanceId: "node-q:1", pid: 7, now: 1_000, leaseExpiresAt: 2_000 };
        assert.equal(await store.jobs.claimQueued(["export"], claim), undefined, "only the kinds asked for");
        const first = await store.jobs.claimQueued(["sync", "report"], claim);
        assert.equal(first?.id, q1.job.id);
        assert.equal(first?.status, "STARTED");
        assert.equal(first?.nodeId, "node-q");
        assert.equal(first?.leaseExpiresAt, 2_000);
        assert.equal(await store.jobs.claimQueued(["sync", "report"], claim), undefined, "q2 waits for the lock, the report for its time");
        assert.equal((await store.jobs.claimQueued(["sync", "report"], { ...claim, now: 6_000 }))?.id, later.job.id);
        await store.jobs.transition(q1.job.id, ["STARTED"], { status: "COMPLETED" });
        assert.equal((await store.jobs.claimQueued(["sync"], claim))?.id, q2.job.id);
      });

      test("two nodes claiming queued work at once each get a different job", async () => {
        const other = await openStoreAt(kind, t.url);
        try {
          const sites = await Promise.all(Array.from({ length: 6 }, () => newSite()));
          for (const s of sites) assert.ok((await store.jobs.create({ ...newJob(s.id, "QUEUED", "", "sync"), nodeId: "", pid: 0 })).ok);
          const claim = (from: Store, node: string) => from.jobs.claimQueued(["sync"], { nodeId: node, instanceId: `${node}:1`, pid: 1, now: 1, leaseExpiresAt: 2 });
          const got = await Promise.all(Array.from({ length: 10 }, (_, i) => claim(i % 2 ? store : other, `node-${i % 2}`)));
          const ids = got.flatMap((j) => (j ? [j.id] : []));
          assert.equal(ids.length, 6, "every queued job is taken");
          assert.equal(new Set(ids).size, 6, "none twice");
        } finally {
          await other.close();
        }
      });

      test("listings are newest first, paged, filtered, with the total", async () => {
        const site = await newSite();
        for (let i = 0; i < 5; i++) assert.ok((await store.jobs.create(newJob(site.id, "COMPLETED"))).ok);
        assert.ok((await store.jobs.create(newJob(site.id, "FAILED", "node-a:1", "sync"))).ok);
        const page = await store.jobs.list({ siteId: site.id, kind: "export" }, 1, 2);
        assert.equal(page.total, 5);
        assert.deepEqual(
          page.jobs.map((j) => j.seq),
          [4, 3],
        );
        const all = await store.jobs.list({ siteId: site.id, kind: "export" }, 0, 100);
        assert.deepEqual(
          all.jobs.map((j) => j.seq),
          [5, 4, 3, 2, 1],
        );
        assert.equal((await store.jobs.list({ siteId: site.id }, 0, 100)).total, 6);
        assert.deepEqual((await store.jobs.list({ siteId: site.id, statuses: ["FAILED"] }, 0, 100)).jobs.map((j) => j.kind), ["sync"]);
        assert.deepEqual(await store.jobs.list({ siteId: site.id, kind: "export" }, 10, 5), { jobs: [], total: 5 });
        assert.deepEqual(await store.jobs.list({ siteId: (await newSite()).id, kind: "export" }, 0, 5), { jobs: [], total: 0 });
      });
    });

    describe("schedules", () => {
      const recurrence = { unit: "minute" as const, interval: 15, zone: "UTC", start: 0 };

      test("put creates or replaces by site, kind and name; list, get, update, delete", async () => {
        const site = await newSite();
        const a = await store.schedules.put({ siteId: site.id, kind: "sync", name: "source", params: {}, recurrence, enabled: true, nextRunAt: 900_000, owner: null }, 1);
        const again = await store.schedules.put({ siteId: site.id, kind: "sync", name: "source", params: { x: 1 }, recurrence, enabled: true, nextRunAt: 1_800_000, owner: "bob" }, 2);
        assert.equal(again.id, a.id);
        assert.deepEqual(again.params, { x: 1 });
        assert.equal(again.owner, "bob");
        assert.equal(again.updatedAt, 2);
        assert.deepEqual(again.recurrence, recurrence);
        assert.deepEqual(await store.schedules.byName(site.id, "sync", "source"), again);
        assert.deepEqual(await store.schedules.get(a.id), again);
        assert.deepEqual((await store.schedules.list({ siteId: site.id })).map((s) => s.id), [a.id]);
        assert.equal(await store.schedules.update(a.id, { enabled: false, failures: 3 }, 5), true);
        assert.equal((await store.schedules.get(a.id))?.enabled, false);
        assert.equal((await store.schedules.get(a.id))?.failures, 3);
        assert.equal(await store.schedules.delete(a.id), true);
        assert.equal(await store.schedules.get(a.id), undefined);
      });

      test("due lists enabled schedules whose run has come; a claim moves the next run for exactly one caller", async () => {
        const site = await newSite();
        const s = await store.schedules.put({ siteId: site.id, kind: "sync", name: "source", params: {}, recurrence, enabled: true, nextRunAt: 1_000, owner: null }, 1);
        const off = await store.schedules.put({ siteId: site.id, kind: "sync", name: "off", params: {}, recurrence, enabled: false, nextRunAt: 1_000, owner: null }, 1);
        const due = (await store.schedules.due(1_000)).map((x) => x.id);
        assert.ok(due.includes(s.id) && !due.includes(off.id));
        assert.ok(!(await store.schedules.due(999)).some((x) => x.id === s.id));
        const other = await openStoreAt(kind, t.url);
        try {
          const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).schedules.claim(s.id, 1_000, 901_000, 1_000)));
          assert.equal(claims.filter(Boolean).length, 1);
        } finally {
          await other.close();
        }
        assert.equal((await store.schedules.get(s.id))?.nextRunAt, 901_000);
        assert.equal((await store.schedules.get(s.id))?.lastFiredAt, 1_000);
      });
    });

    describe("data", () => {
      test("upsert, count, re-upsert replaces by key; rows come back in key order and store-neutral shapes", async () => {
        const site = await newSite();
        const order = [5, 3, 10, 1, 12, 2];
        await store.data.upsert(site.id, issues, order.map((i) => sampleRow(issues, i)));
        assert.equal(await store.data.count(site.id, issues), 6);
        await store.data.upsert(site.id, issues, [sampleRow(issues, 3, { summary: "changed", labels: null, story_points: null })]);
        assert.equal(await store.data.count(site.id, issues), 6);
        const snapshot = await store.data.snapshot(site.id);
        try {
          assert.equal(await snapshot.count(issues), 6);
          const rows = await allRows(snapshot.rows(issues, 4));
          assert.deepEqual(
            rows,
            [1, 2, 3, 5, 10, 12].map((i) =>
              i === 3 ? expectedRow(issues, 3, { summary: "changed", labels: null, story_points: null }) : expectedRow(issues, i),
            ),
          );
          assert.equal(typeof rows[0]![col(issues, "id")], "number");
          assert.equal(rows[0]![col(issues, "story_points")], 1.25);
          assert.equal(rows[0]![col(issues, "labels")], JSON.stringify(["a,b", '"q" 1']));
          assert.equal(rows[1]![col(issues, "watchers")], 21);
        } finally {
          await snapshot.close();
        }
      });

      test("booleans come back as 1/0, nulls as null; a key repeated in one batch keeps the last row", async () => {
        const site = await newSite("bitbucket");
        await store.data.upsert(site.id, repositories, [
          sampleRow(repositories, 1),
          sampleRow(repositories, 2, { fork: null }),
          sampleRow(repositories, 1, { public: false, forkable: true }),
        ]);
        const snapshot = await store.data.snapshot(site.id);
        try {
          const rows = await allRows(snapshot.rows(repositories, 10));
          assert.deepEqual(rows, [
            expectedRow(repositories, 1, { public: false, forkable: true }),
            expectedRow(repositories, 2, { fork: null }),
          ]);
          assert.equal(rows[0]![col(repositories, "forkable")], 1);
          assert.equal(rows[0]![col(repositories, "public")], 0);
          assert.equal(rows[1]![col(repositories, "fork")], null);
        } finally {
          await snapshot.close();
        }
      });

      test("composite keys order text bytewise, as SQLite does", async () => {
        const site = await newSite();
        const fieldIds = ["b", "B", "é", "a", "Z", "_", "10", "9"];
        await store.data.upsert(
          site.id,
          issueFields,
          fieldIds.flatMap((f, n) => [sampleRow(issueFields, 2, { field_id: f, value: `v${n}` }), sampleRow(issueFields, 1, { field_id: f })]),
        );
        const snapshot = await store.data.snapshot(site.id);
        try {
          const rows = await allRows(snapshot.rows(issueFields, 5));
          const sorted = [...fieldIds].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
          assert.deepEqual(
            rows.map((r) => [r[0], r[1]]),
            [1, 2].flatMap((i) => sorted.map((f) => [i, f])),
          );
        } finally {
          await snapshot.close();
        }
        const keys = [];
        for await (const batch of store.data.keys(site.id, issueFields, 3)) {
          assert.ok(batch.length <= 3);
          keys.push(...batch);
        }
        assert.deepEqual(keys, [1, 2].flatMap((i) => [...fieldIds].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))).map((f) => [i, f])));
      });

      test("count and rows filter by since (cursor >=) and by excluded scopes", async () => {
        const site = await newSite();
        const ids = Array.from({ length: 9 }, (_, i) => i + 1);
        await store.data.upsert(site.id, issues, ids.map((i) => sampleRow(issues, i)));
        // updated_date of row i is 2021-01-(i+1)T20:57:ssZ; scope P(i % 3).
        const since = "2021-01-05T20:57:04Z";
        assert.equal(await store.data.count(site.id, exportQuery(issues, { since })), 6);
        assert.equal(await store.data.count(site.id, exportQuery(issues, { excludeScopes: ["P0", "P2"] })), 3);
        assert.equal(await store.data.count(site.id, exportQuery(issues, { excludeScopes: [] })), 9);
        assert.equal(await store.data.count(site.id, exportQuery(issues, { since, excludeScopes: ["P1"] })), 4);
        const snapshot = await store.data.snapshot(site.id);
        try {
          assert.equal(await snapshot.count(exportQuery(issues, { since, excludeScopes: ["P1"] })), 4);
          const rows = await allRows(snapshot.rows(exportQuery(issues, { since, excludeScopes: ["P1"] }), 2));
          assert.deepEqual(
            rows.map((r) => r[col(issues, "id")]),
            [5, 6, 8, 9],
          );
          // A filter on an entity without a cursor or scope is ignored.
          assert.equal(await snapshot.count(exportQuery(entity("jira", "sprints"), { since, excludeScopes: ["P1"] })), 0);
        } finally {
          await snapshot.close();
        }
        await store.data.upsert(site.id, issues, [sampleRow(issues, 20, { scope_key: null })]);
        assert.equal(await store.data.count(site.id, exportQuery(issues, { excludeScopes: ["P0", "P1", "P2"] })), 1);
      });

      test("a snapshot does not see writes made after it began", async () => {
        const site = await newSite();
        await store.data.upsert(site.id, issues, [1, 2, 3].map((i) => sampleRow(issues, i)));
        const snapshot = await store.data.snapshot(site.id);
        try {
          await store.data.upsert(site.id, issues, [sampleRow(issues, 4), sampleRow(issues, 2, { summary: "later" })]);
          await store.data.deleteByKey(site.id, issues, [[1]]);
          assert.equal(await store.data.count(site.id, issues), 3);
          assert.equal(await snapshot.count(issues), 3);
          assert.deepEqual(await allRows(snapshot.rows(issues, 100)), [1, 2, 3].map((i) => expectedRow(issues, i)));
        } finally {
          await snapshot.close();
        }
        const fresh = await store.data.snapshot(site.id);
        try {
          assert.deepEqual(
            (await allRows(fresh.rows(issues, 100))).map((r) => r[col(issues, "id")]),
            [2, 3, 4],
          );
        } finally {
          await fresh.close();
        }
      });

      test("abandoned iterations and closed snapshots leave nothing held", async () => {
        const site = await newSite();
        await store.data.upsert(site.id, issues, Array.from({ length: 20 }, (_, i) => sampleRow(issues, i + 1)));
        // More snapshots than a connection pool holds: each must give its connection back.
        for (let n = 0; n < 15; n++) {
          const snapshot = await store.data.snapshot(site.id);
          for await (const batch of snapshot.rows(issues, 3)) {
            assert.equal(batch.length, 3);
            break;
          }
          // A second iteration over the same snapshot after an abandoned one.
          assert.equal((await allRows(snapshot.rows(issues, 7))).length, 20);
          await snapshot.close();
          await snapshot.close();
        }
      });

      test(
        "close ends a snapshot whose iterator was neither finished nor returned",
        async () => {
          const site = await newSite();
          await store.data.upsert(site.id, issues, Array.from({ length: 5 }, (_, i) => sampleRow(issues, i + 1)));
          for (let n = 0; n < 12; n++) {
            const snapshot = await store.data.snapshot(site.id);
            const iterator = snapshot.rows(issues, 2)[Symbol.asyncIterator]();
            assert.equal((await iterator.next()).value?.length, 2);
            await snapshot.close();
            if (n === 0) {
              // Reading on after close fails cleanly (the connection went back to the pool).
              await assert.rejects(iterator.next(), /closed/);
              await assert.rejects(snapshot.count(issues), /closed/);
            }
          }
          await store.data.upsert(site.id, issues, [sampleRow(issues, 99)]);
          assert.equal(await store.data.count(site.id, issues), 6);
        },
      );

      test("deleteByKey removes by key and says how many went; keys() lists every key in batches", async () => {
        const site = await newSite();
        await store.data.upsert(site.id, issues, [1, 2, 3, 4, 5].map((i) => sampleRow(issues, i)));
        await store.data.upsert(site.id, issueFields, ["a", "b"].map((f) => sampleRow(issueFields, 1, { field_id: f })));
        assert.equal(await store.data.deleteByKey(site.id, issues, [[2], [4], [99]]), 2);
        assert.equal(await store.data.deleteByKey(site.id, issues, []), 0);
        assert.equal(await store.data.deleteByKey(site.id, issueFields, [[1, "b"], [1, "c"], [2, "a"]]), 1);
        const batches: unknown[][][] = [];
        for await (const batch of store.data.keys(site.id, issues, 2)) batches.push(batch);
        assert.deepEqual(batches, [[[1], [3]], [[5]]]);
        assert.deepEqual(await allRows(store.data.keys(site.id, issueFields, 10)), [[1, "a"]]);
        assert.deepEqual(await allRows(store.data.keys((await newSite()).id, issues, 10)), []);
      });

      test("distinct finds values by key list or by case-insensitive text; clearSite empties only its site", async () => {
        const site = await newSite("confluence");
        const other = await newSite("confluence");
        const names = ["Engineering", "Ops 100%", "HR_team", "ops_100"];
        const rows = ["ENG", "OPS", "HR", "OPX"].map((k, i) =>
          sampleRow(spaces, i, { space_key: k, scope_key: k, space_name: names[i], space_type: i < 2 ? "global" : null }),
        );
        await store.data.upsert(site.id, spaces, rows);
        await store.data.upsert(other.id, spaces, rows);
        const d = store.data;
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key", "space_name"], { column: "space_key", in: ["OPS", "NONE", "ENG"] }, 10), [
          { space_key: "ENG", space_name: "Engineering" },
          { space_key: "OPS", space_name: "Ops 100%" },
        ]);
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key"], { column: "space_key", in: [] }, 10), []);
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key"], { column: "space_name", contains: "OPS 1" }, 10), [
          { space_key: "OPS" },
        ]);
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key"], { column: "space_name", contains: "100%" }, 10), [
          { space_key: "OPS" },
        ]);
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key"], { column: "space_name", contains: "_" }, 10), [
          { space_key: "HR" },
          { space_key: "OPX" },
        ]);
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_key"], { column: "space_name", contains: "" }, 2), [
          { space_key: "ENG" },
          { space_key: "HR" },
        ]);
        // DISTINCT over the chosen columns, nulls first, and value shapes as in rows().
        assert.deepEqual(await d.distinct(site.id, spaces, ["space_type"], { column: "space_key", contains: "" }, 10), [
          { space_type: null },
          { space_type: "global" },
        ]);
        const created = await d.distinct(site.id, spaces, ["created_date"], { column: "space_key", in: ["ENG"] }, 10);
        assert.deepEqual(created, [{ created_date: sampleRow(spaces, 0)[col(spaces, "created_date")] }]);
        // A numeric column is matched by numeric text, as the opt-out lookups send it.
        const bb = await newSite("bitbucket");
        await store.data.upsert(bb.id, repositories, [sampleRow(repositories, 7), sampleRow(repositories, 8)]);
        assert.deepEqual(
          await d.distinct(bb.id, repositories, ["repository_id", "public"], { column: "repository_id", in: ["8", "x", "9"] }, 10),
          [{ repository_id: 8, public: 1 }],
        );
        await store.data.clearSite(site.id);
        assert.equal(await store.data.count(site.id, spaces), 0);
        assert.equal(await store.data.count(other.id, spaces), 4);
      });
    });
  });
}

describe("store contract: both stores hand back the same rows", () => {
  let opened: TestStore[] = [];
  before(async () => {
    opened = await Promise.all(STORE_KINDS.map((kind) => openTestStore(kind)));
  });
  after(async () => {
    await Promise.all(opened.map((o) => o.cleanup()));
  });
  for (const def of [issues, repositories, issueFields, spaces]) {
    test(`${def.product}.${def.name}`, async () => {
      const input = Array.from({ length: 7 }, (_, i) => sampleRow(def, 7 - i, def === issueFields ? { field_id: `f${i}` } : {}));
      const [sqlite, postgres] = await Promise.all(opened.map((o) => roundTrip(o.store, def, input)));
      assert.equal(sqlite!.length, 7);
      assert.deepEqual(postgres, sqlite);
    });
  }
});

describe("store contract: postgres schema", () => {
  test("two nodes migrating a fresh database at once both start; a registry column missing from a table is added", async () => {
    const db = await emptyPostgresDatabase();
    try {
      const [a, b] = await Promise.all([openPostgresStore(db.url), openPostgresStore(db.url)]);
      await Promise.all([a.close(), b.close()]);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const versions = await client.query("SELECT version FROM schema_migrations ORDER BY version");
        assert.deepEqual(
          versions.rows.map((r: { version: number }) => r.version),
          [1, 2, 3, 4, 5, 6, 7, 8],
        );
        await client.query('ALTER TABLE jira_issues DROP COLUMN "security_level"');
      } finally {
        await client.end();
      }
      const store = await openPostgresStore(db.url);
      try {
        await store.sites.ensureOrganisation("o", "O");
        const site = await store.sites.create("o", { product: "jira", contextPath: "/", baseUrl: "http://x" });
        await store.data.upsert(site.id, issues, [sampleRow(issues, 1)]);
        const snapshot = await store.data.snapshot(site.id);
        try {
          assert.deepEqual(await allRows(snapshot.rows(issues, 10)), [expectedRow(issues, 1)]);
        } finally {
          await snapshot.close();
        }
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });
});
