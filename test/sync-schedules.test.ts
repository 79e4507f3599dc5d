/**
 * Schedules of the job runner, with connector syncs, on SQLite and PostgreSQL:
 * - a source gets a sync schedule, and with only the server running the site stays fresh;
 * - a due schedule fires once with two nodes ticking at once; a run missed while every node was down
 *   runs once, not once per missed slot;
 * - with two nodes and several sites due at once, both nodes take work and each sync runs exactly once.
 * The schedulers run on a clock of the test's; the jobs run for real against a replay server.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import type { Job } from "../src/core/job.js";
import { JobRunner } from "../src/jobs/runner.js";
import { Scheduler } from "../src/jobs/scheduler.js";
import { createLogger } from "../src/logger.js";
import type { Site, Store } from "../src/store/port.js";
import { SYNC_KIND } from "../src/sync/run-state.js";
import { syncKind } from "../src/sync/sync-kind.js";
import { putSourceSchedule, syncScheduleTarget } from "../src/sync/sync-schedule.js";
import { generatedJiraCloud, ReplayServer } from "./support/replay-server.js";
import { openStoreAt, openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

const MINUTE = 60_000;
const logger = createLogger("silent");

function runnerOf(store: Store, nodeId: string, slowMs = 0): JobRunner {
  return new JobRunner({ store, config: { nodeId, jobLeaseSeconds: 10, concurrency: 1, pollMs: 100 }, logger }).register(
    syncKind({ store, env: () => ({ SLUICE_SECRET_SCHED: "t" }), http: { afterBatch: () => new Promise((r) => setTimeout(r, slowMs)) } }),
  );
}

function schedulerOf(store: Store, runner: JobRunner, now: () => number): Scheduler {
  return new Scheduler({ store, runner, targets: [syncScheduleTarget(runner)], logger, intervalMs: 60_000, now });
}

async function settled(store: Store, filter: { siteId?: number }, count: number, timeoutMs = 30_000): Promise<Job[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { jobs } = await store.jobs.list({ ...filter, kind: SYNC_KIND }, 0, 100);
    if (jobs.length >= count && jobs.every((j) => !["QUEUED", "STARTED", "CANCELLATION_REQUESTED"].includes(j.status))) return jobs;
    if (Date.now() > until) throw new Error(`sync jobs still running: ${JSON.stringify(jobs.map((j) => [j.id, j.status]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const kind of STORE_KINDS) {
  describe(`sync schedules (${kind})`, () => {
    let t: TestStore;
    let dir: string;
    const replay = new ReplayServer();
    let issues = 30;
    const runners: JobRunner[] = [];
    const stores: Store[] = [];
    const newSource = async (key: string): Promise<Site> => {
      const site = await t.store.sites.create("o", { product: "jira", contextPath: `/${key}`, baseUrl: `http://localhost/${key}` });
      const source = { kind: "jira-cloud" as const, url: replay.base, email: "s@acme.com", tokenEnv: "SLUICE_SECRET_SCHED", pageSize: 10, requestsPerSecond: 0, intervalMinutes: 5 };
      await t.store.settings.set(site.id, "source", source);
      await putSourceSchedule(t.store, site, source, T0);
      return site;
    };
    const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
    /** Each test ticks its own schedules only: the earlier tests' are switched off, their nodes stopped. */
    const isolate = async () => {
      for (const r of runners.splice(0)) await r.shutdown(5000);
      for (const s of await t.store.schedules.list({})) await t.store.schedules.update(s.id, { enabled: false }, T0);
    };

    before(async () => {
      t = await openTestStore(kind);
      dir = await mkdtemp(join(tmpdir(), "sluice-sched-"));
      await replay.start();
      // The source grows between syncs: `issues` is read at each request.
      replay.handle((req, base) => generatedJiraCloud({ issues, histories: 1 })(req, base));
      await t.store.sites.ensureOrganisation("o", "O");
    });
    after(async () => {
      for (const r of runners) await r.shutdown(5000);
      for (const s of stores) await s.close();
      await replay.stop();
      await t.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it("a source's schedule keeps its site fresh with only the server running: each due run queues a sync this node takes", async () => {
      const site = await newSource("fresh");
      const schedule = (await t.store.schedules.byName(site.id, SYNC_KIND, "source"))!;
      assert.equal(schedule.nextRunAt, T0 + 5 * MINUTE, "every intervalMinutes, from when the source was set");
      const runner = runnerOf(t.store, "node-fresh");
      runners.push(runner);
      let clock = T0 + 4 * MINUTE;
      const scheduler = schedulerOf(t.store, runner, () => clock);
      assert.equal(await scheduler.tick(), 0, "not due yet");
      clock = T0 + 5 * MINUTE;
      assert.equal(await scheduler.tick(), 1);
      const [first] = await settled(t.store, { siteId: site.id }, 1);
      assert.equal(first!.status, "COMPLETED", JSON.stringify(first!.errors));
      assert.equal(first!.trigger, "schedule");
      assert.equal(first!.scheduleId, schedule.id);
      assert.equal(await t.store.data.count(site.id, entity("jira", "issues")), 30);

      issues = 45;
      clock = T0 + 10 * MINUTE;
      assert.equal(await scheduler.tick(), 1);
      const jobs = await settled(t.store, { siteId: site.id }, 2);
      assert.equal(jobs.length, 2);
      assert.equal(jobs[0]!.status, "COMPLETED");
      assert.equal(await t.store.data.count(site.id, entity("jira", "issues")), 45, "the new issues arrived with no command run");
      assert.equal((await t.store.schedules.get(schedule.id))!.lastJobId, jobs[0]!.id);
    });

    it("a source also gets a daily reconcile at 03:30 UTC: it queues a sync that sweeps deletions", async () => {
      await isolate();
      const site = await newSource("daily");
      const daily = (await t.store.schedules.byName(site.id, SYNC_KIND, "source-reconcile"))!;
      assert.deepEqual(daily.params, { reconcile: true });
      assert.equal(daily.nextRunAt, Date.UTC(2026, 2, 2, 3, 30, 0), "the next 03:30 UTC after the source was set");
      const runner = runnerOf(t.store, "node-daily");
      runners.push(runner);
      let clock = Date.UTC(2026, 2, 2, 3, 29, 0);
      const scheduler = schedulerOf(t.store, runner, () => clock);
      // The incremental one is long due too (missed runs fire once); the reconcile is not yet.
      assert.equal(await scheduler.tick(), 1);
      await settled(t.store, { siteId: site.id }, 1);
      // 03:30 is on the incremental's 5-minute grid too: both fall due; one sync runs, and it sweeps (an
      // incremental sync folds into a reconcile, never the other way round).
      clock = Date.UTC(2026, 2, 2, 3, 30, 0);
      assert.equal(await scheduler.tick(), 2);
      const jobs = await settled(t.store, { siteId: site.id }, 2);
      const reconcile = jobs.find((j) => (j.params as { reconcile?: boolean }).reconcile === true)!;
      assert.equal(reconcile.scheduleId, daily.id);
      assert.deepEqual(reconcile.params, { full: false, reconcile: true });
      assert.equal(reconcile.status, "COMPLETED", JSON.stringify(reconcile.errors));
      assert.equal((await t.store.schedules.get(daily.id))!.nextRunAt, Date.UTC(2026, 2, 3, 3, 30, 0));
    });

    it("two nodes ticking at once fire a due schedule once; a run missed for hours fires once, the next is in the future", async () => {
      await isolate();
      const site = await newSource("once");
      const other = await openStoreAt(kind, t.url);
      stores.push(other);
      const a = runnerOf(t.store, "node-a");
      const b = runnerOf(other, "node-b");
      runners.push(a, b);
      // Down for six hours: 72 runs of every 5 minutes were missed.
      const late = T0 + 6 * 60 * MINUTE + 30_000;
      const fired = await Promise.all([schedulerOf(t.store, a, () => late).tick(), schedulerOf(other, b, () => late).tick(), schedulerOf(t.store, a, () => late).tick()]);
      assert.equal(fired.reduce((x, y) => x + y, 0), 1, `fired: ${fired.join(",")}`);
      const jobs = await settled(t.store, { siteId: site.id }, 1);
      assert.equal(jobs.length, 1, "one sync, not one per missed slot");
      const next = (await t.store.schedules.byName(site.id, SYNC_KIND, "source"))!.nextRunAt!;
      assert.ok(next > late && next <= late + 5 * MINUTE, `the next run is the next slot after now: ${new Date(next).toISOString()}`);
    });

    it("two nodes and several sites due at once: both nodes take work, each sync runs exactly once", async () => {
      await isolate();
      const sites = await Promise.all(["many1", "many2", "many3", "many4"].map((k) => newSource(k)));
      const other = await openStoreAt(kind, t.url);
      stores.push(other);
      // Slow syncs (a pause after each batch) and one slot per node: a node cannot take them all.
      const a = runnerOf(t.store, "node-m1", 150);
      const b = runnerOf(other, "node-m2", 150);
      runners.push(a, b);
      a.startLoops();
      b.startLoops();
      const due = T0 + 5 * MINUTE;
      await Promise.all([schedulerOf(t.store, a, () => due).tick(), schedulerOf(other, b, () => due).tick()]);
      const jobs = (await Promise.all(sites.map((s) => settled(t.store, { siteId: s.id }, 1)))).flat();
      assert.equal(jobs.length, 4, "one sync per site");
      assert.ok(jobs.every((j) => j.status === "COMPLETED"), JSON.stringify(jobs.map((j) => [j.id, j.status, j.errors])));
      assert.deepEqual(new Set(jobs.map((j) => j.nodeId)), new Set(["node-m1", "node-m2"]), "both nodes took work");
      for (const s of sites) assert.equal(await t.store.data.count(s.id, entity("jira", "issues")), issues);
    });
  });
}
