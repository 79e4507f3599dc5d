/**
 * The job runner's contract, once for every kind (export, sync) on SQLite and on PostgreSQL:
 * - lock groups: an export and a sync of one site run together; two exports (or two syncs) do not;
 * - kill -9 of the process running a job: on that node the job is FAILED `<kind>.node.lost` at once and a
 *   new job of the kind starts, also when the next process has the same PID (a restarted container);
 *   a second node notices the lapsed lease within the lease;
 * - cancel from the running node or from another node: CANCELLED within seconds;
 * - graceful shutdown: the node's jobs end CANCELLED.
 * Jobs are made slow on purpose (a throttled export, a sync that pauses after each batch). The killed
 * process is this file run again with SLUICE_RUNNER_CHILD set.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../src/config.js";
import type { Job } from "../src/core/job.js";
import { exportKind } from "../src/export/export-kind.js";
import { JobRunner } from "../src/jobs/runner.js";
import { createLogger } from "../src/logger.js";
import { generateDemo } from "../src/sources/demo/index.js";
import type { Site, Store } from "../src/store/port.js";
import { syncKind } from "../src/sync/sync-kind.js";
import { ReplayServer, generatedJiraCloud } from "./support/replay-server.js";
import { openStoreAt, openTestStore, STORE_KINDS, type StoreKind, type TestStore } from "./support/stores.js";

const LEASE_SECONDS = 3;

interface World {
  kind: StoreKind;
  url: string;
  home: string;
  replay: string;
}

/** A node: a runner on its own store connection, with both kinds made slow. */
function node(store: Store, world: World, nodeId: string): JobRunner {
  const config = loadConfig({
    env: {},
    cwd: world.home,
    overrides: { home: world.home, nodeId, timeZone: "UTC", export: { minimumUsableDiskSpaceAfterExport: 0, exportRowsPerSecond: 150, exportThreads: 1 } },
  });
  const runner = new JobRunner({
    store,
    config: { nodeId, jobLeaseSeconds: LEASE_SECONDS, concurrency: 2, pollMs: 200 },
    logger: createLogger("silent"),
  });
  runner.register(exportKind({ config, store, sources: [] }));
  runner.register(
    syncKind({
      store,
      env: () => ({ SLUICE_SECRET_RUNNER: "t" }),
      http: { backoff: { maxRetries: 0 }, afterBatch: () => new Promise((r) => setTimeout(r, 150)) },
    }),
  );
  return runner;
}

const PARAMS = {
  export: (home: string) => ({ schemaVersion: 1, exportFrom: 0, forced: false, rootExportPath: join(home, "export"), optedOut: [], format: "csv" }),
  sync: () => ({ full: false, reconcile: false }),
};
type Kind = keyof typeof PARAMS;

async function siteFor(store: Store, kind: Kind): Promise<Site> {
  return (await store.sites.byKey(kind === "export" ? "wiki" : "jira-gen"))!;
}

async function child(): Promise<void> {
  const { world, kind } = JSON.parse(process.env.SLUICE_RUNNER_CHILD!) as { world: World; kind: Kind };
  const store = await openStoreAt(world.kind, world.url);
  const runner = node(store, world, "node-a");
  const site = await siteFor(store, kind);
  const started = await runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
  process.stdout.write(`started ${started.outcome} ${started.job.id}\n`);
  await new Promise(() => undefined);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ended = (store: Store, id: number) =>
  waitFor(`job ${id} to end`, async () => {
    const job = await store.jobs.get(id);
    return job && !["QUEUED", "STARTED", "CANCELLATION_REQUESTED"].includes(job.status) ? job : undefined;
  });

/** Waits until the job has made progress (it is really running, not just created). */
const running = (store: Store, id: number) =>
  waitFor(`job ${id} to run`, async () => {
    const job = await store.jobs.get(id);
    return job?.status === "STARTED" && job.progress && job.progress.done > 0 ? job : undefined;
  });

/** Runs this file as a child that starts a job of `kind` and waits; resolves with the job id. */
async function childRunning(world: World, kind: Kind): Promise<{ id: number; kill(): Promise<void> }> {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, SLUICE_RUNNER_CHILD: JSON.stringify({ world, kind }), NODE_TEST_CONTEXT: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const id = await new Promise<number>((resolve, reject) => {
    let seen = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /started (\w+) (\d+)/.exec(seen);
      if (m && m[1] === "started") resolve(Number(m[2]));
      else if (m) reject(new Error(`the child's job did not start: ${seen}`));
    });
    proc.once("exit", (code) => reject(new Error(`the child exited (${code}) before its job started: ${seen}`)));
  });
  return {
    id,
    async kill() {
      proc.kill("SIGKILL");
      await exited;
    },
  };
}

if (process.env.SLUICE_RUNNER_CHILD) {
  await child();
} else {
  for (const storeKind of STORE_KINDS) {
    describe(`job runner contract (${storeKind})`, () => {
      let t: TestStore;
      let world: World;
      const replay = new ReplayServer();
      const runners: JobRunner[] = [];
      const extraStores: Store[] = [];
      const nodeOn = async (nodeId: string, own = false) => {
        const store = own ? await openStoreAt(storeKind, t.url) : t.store;
        if (own) extraStores.push(store);
        const runner = node(store, world, nodeId);
        runners.push(runner);
        return { runner, store };
      };

      before(async () => {
        t = await openTestStore(storeKind);
        const home = await mkdtemp(join(tmpdir(), "sluice-runner-"));
        const base = await replay.start();
        replay.handle(generatedJiraCloud({ issues: 2000, histories: 1 }));
        world = { kind: storeKind, url: t.url, home, replay: base };
        await t.store.sites.ensureOrganisation("o", "O");
        const wiki = await t.store.sites.create("o", { product: "confluence", contextPath: "/wiki", baseUrl: "http://localhost/wiki" });
        await generateDemo(t.store, wiki, { scale: 0.3, seed: 3, now: Date.UTC(2026, 0, 1) });
        const jira = await t.store.sites.create("o", { product: "jira", contextPath: "/jira-gen", baseUrl: "http://localhost/jira-gen" });
        await t.store.settings.set(jira.id, "source", { kind: "jira-cloud", url: base, email: "r@acme.com", tokenEnv: "SLUICE_SECRET_RUNNER", pageSize: 20, requestsPerSecond: 0 });
      });
      after(async () => {
        for (const r of runners) await r.shutdown(5000);
        for (const s of extraStores) await s.close();
        await replay.stop();
        await t.cleanup();
        await rm(world.home, { recursive: true, force: true });
      });

      it("lock groups: an export and a sync of one site run together; a second export or sync is refused with the running one", async () => {
        const { runner } = await nodeOn("node-locks");
        const jira = await siteFor(t.store, "sync");
        const exportOfJira = { schemaVersion: 2, exportFrom: 0, forced: true, rootExportPath: join(world.home, "export-jira"), optedOut: [], format: "csv" };
        const e1 = await runner.start("export", { siteId: jira.id, params: exportOfJira, trigger: "api" });
        const s1 = await runner.start("sync", { siteId: jira.id, params: PARAMS.sync(), trigger: "api" });
        assert.equal(e1.outcome, "started");
        assert.equal(s1.outcome, "started", "the sync runs beside the export of its site");
        const e2 = await runner.start("export", { siteId: jira.id, params: exportOfJira, trigger: "api" });
        const s2 = await runner.start("sync", { siteId: jira.id, params: PARAMS.sync(), trigger: "api" });
        assert.equal(e2.outcome, "busy");
        assert.equal(e2.job.id, e1.job.id);
        assert.equal(s2.outcome, "busy");
        assert.equal(s2.job.id, s1.job.id);
        await runner.cancel(e1.job.id);
        await runner.cancel(s1.job.id);
        assert.equal((await ended(t.store, e1.job.id)).status, "CANCELLED");
        assert.equal((await ended(t.store, s1.job.id)).status, "CANCELLED");
      });

      for (const kind of ["export", "sync"] as const) {
        it(`${kind}: kill -9 → FAILED ${kind}.node.lost at once on the same node, and a new ${kind} starts`, async () => {
          const killed = await childRunning(world, kind);
          await running(t.store, killed.id);
          await killed.kill();
          const { runner, store } = await nodeOn("node-a");
          const site = await siteFor(store, kind);
          const t0 = Date.now();
          const again = await runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
          assert.equal(again.outcome, "started", "the dead process's lock is freed at once (its PID is gone)");
          assert.ok(Date.now() - t0 < LEASE_SECONDS * 1000, "without waiting for the lease");
          const lost = (await store.jobs.get(killed.id))!;
          assert.equal(lost.status, "FAILED");
          assert.equal(lost.errors.at(-1)?.key, `${kind}.node.lost`);
          assert.match(lost.errors.at(-1)!.message, /Node node-a stopped renewing the (export|sync)'s lease/);
          await runner.cancel(again.job.id);
          assert.equal((await ended(store, again.job.id)).status, "CANCELLED");
        });

        it(`${kind}: a job whose process id was reused (a restarted container: same node, same PID) is lost at once`, async () => {
          // The previous life: a runner of node-a in this very process, whose job carries this PID.
          const previous = await nodeOn("node-a");
          const site = await siteFor(previous.store, kind);
          const old = await previous.runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
          assert.equal(old.outcome, "started");
          await running(t.store, old.job.id);
          assert.equal((await t.store.jobs.get(old.job.id))!.pid, process.pid);
          // The next life of node-a has the same PID (PID 1 in a container) but is another process.
          const { runner, store } = await nodeOn("node-a");
          const t0 = Date.now();
          const again = await runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
          assert.equal(again.outcome, "started", "the reused PID does not keep the old job's lock");
          assert.ok(Date.now() - t0 < LEASE_SECONDS * 1000, "without waiting for the lease");
          const lost = (await store.jobs.get(old.job.id))!;
          assert.equal(lost.status, "FAILED");
          assert.equal(lost.errors.at(-1)?.key, `${kind}.node.lost`);
          await runner.cancel(again.job.id);
          assert.equal((await ended(store, again.job.id)).status, "CANCELLED");
        });

        it(`${kind}: a second node marks the job of a silent node FAILED within the lease`, async () => {
          const killed = await childRunning(world, kind);
          await running(t.store, killed.id);
          const { runner } = await nodeOn("node-b", true);
          runner.startLoops();
          await killed.kill();
          const t0 = Date.now();
          const lost = await ended(t.store, killed.id);
          const noticedMs = Date.now() - t0;
          assert.equal(lost.status, "FAILED");
          assert.equal(lost.errors.at(-1)?.key, `${kind}.node.lost`);
          assert.ok(noticedMs <= LEASE_SECONDS * 1000 + 500, `noticed after ${noticedMs} ms (lease ${LEASE_SECONDS} s)`);
        });

        it(`${kind}: cancel from another node stops it within seconds; graceful shutdown ends a job CANCELLED`, async () => {
          const a = await nodeOn("node-c1");
          const b = await nodeOn("node-c2", true);
          const site = await siteFor(t.store, kind);
          const first = await a.runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
          assert.equal(first.outcome, "started");
          await running(t.store, first.job.id);
          const t0 = Date.now();
          const requested = await b.runner.cancel(first.job.id);
          assert.equal(requested?.status, "CANCELLATION_REQUESTED");
          const cancelled = await ended(t.store, first.job.id);
          assert.equal(cancelled.status, "CANCELLED");
          assert.ok(Date.now() - t0 < 5000, `cancelled in ${Date.now() - t0} ms`);
          assert.ok(cancelled.cancelledTime !== null);

          const second = await a.runner.start(kind, { siteId: site.id, params: PARAMS[kind](world.home), trigger: "api" });
          assert.equal(second.outcome, "started");
          await running(t.store, second.job.id);
          await a.runner.shutdown(5000);
          const shut = (await t.store.jobs.get(second.job.id)) as Job;
          assert.equal(shut.status, "CANCELLED", "a graceful shutdown cancels the node's jobs");
        });
      }
    });
  }
}
