/**
 * Cluster mode with real processes: two `sluice start` nodes (node-a, node-b) on one throwaway
 * PostgreSQL database, one bootstrap token and one shared export path. One export at a time across
 * nodes, live status and cancellation through either node, recovery of a job whose node was killed
 * (kill -9), and a schedule that fires once per cluster.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openPostgresStore } from "../src/store/postgres/index.js";
import { parseWithCsvParse } from "./support/csv-check.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { newExportJob } from "./support/jobs.js";
import { api, startSluice, type SluiceProcess } from "./support/server.js";

const LEASE_SECONDS = 5;
/** Slow enough to catch an export mid-run, fast enough for one to complete in seconds (~5,000 rows). */
const ROWS_PER_SECOND = 500;
const FROM = "2020-01-01T00:00Z";
const WIKI = "/wiki/rest/datapipeline/latest";
const EXPORT = `${WIKI}/export?fromDate=${encodeURIComponent(FROM)}`;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const current = (node: SluiceProcess) => api(node, "GET", `${WIKI}/export`).then((r) => r.json as Record<string, any>);

/** Waits until the running job has written rows of a second file (the first file is complete). */
const midRun = (node: SluiceProcess, jobId: number) =>
  waitUntil(`job ${jobId} to be mid-run`, async () => {
    const job = await current(node);
    return job.jobId === jobId && job.status === "STARTED" && job.progress?.filesDone >= 1 && job.progress.rowsWritten > 0
      ? job
      : undefined;
  });

/** Waits until no export runs on the site (as seen through `node`). */
const idle = (node: SluiceProcess) =>
  waitUntil("no running export", async () => {
    const job = await current(node);
    return job.status !== "STARTED" && job.status !== "CANCELLATION_REQUESTED" ? job : undefined;
  });

/**
 * Every file of an unfinished job with a final name (no `.partial`) holds all the rows of the same
 * entity's file in a finished export of the same fromDate (the data did not change in between).
 */
async function assertFinalFilesComplete(root: string, deadId: number, doneId: number): Promise<void> {
  const deadNames = await readdir(join(root, String(deadId)));
  const doneNames = await readdir(join(root, String(doneId)));
  for (const name of deadNames.filter((n) => n.endsWith(".csv"))) {
    const entity = name.slice(0, name.indexOf(`_job${deadId}`));
    const twin = doneNames.find((n) => n.startsWith(`${entity}_job${doneId}`) && n.endsWith(".csv"));
    assert.ok(twin, `the finished export has a ${entity} file`);
    const [mine, theirs] = await Promise.all([
      parseWithCsvParse(join(root, String(deadId), name)),
      parseWithCsvParse(join(root, String(doneId), twin)),
    ]);
    assert.equal(mine.length, theirs.length, `${name} of job ${deadId} is complete`);
  }
}

describe("cluster: two nodes on one PostgreSQL database", () => {
  let pg: TestPostgres;
  let shared: string;
  const nodes: Record<"a" | "b", SluiceProcess> = {} as Record<"a" | "b", SluiceProcess>;
  const homes: string[] = [];
  let paused: SluiceProcess | undefined;
  const token = `sluice_cluster_${Date.now()}_token`;

  const startNode = async (name: "a" | "b", home?: string): Promise<SluiceProcess> => {
    const dir = home ?? (await mkdtemp(join(tmpdir(), `sluice-node-${name}-`)));
    if (!home) {
      homes.push(dir);
      // A fast scheduler tick so the schedule case fires within seconds of its time.
      await writeFile(join(dir, "sluice.config.json"), JSON.stringify({ schedulerIntervalSeconds: 1 }));
    }
    const node = await startSluice({
      home: dir,
      token,
      // The documented form: `sluice start --store postgres://… --node-id …`.
      args: ["--store", pg.url, "--node-id", `node-${name}`],
      env: { SLUICE_JOB_LEASE_SECONDS: String(LEASE_SECONDS), SLUICE_EXPORT_ROWS_PER_SECOND: String(ROWS_PER_SECOND) },
    });
    nodes[name] = node;
    return node;
  };

  before(async () => {
    pg = await startPostgres();
    shared = await mkdtemp(join(tmpdir(), "sluice-shared-export-"));
    const a = await startNode("a");
    assert.match(a.output(), /started with a demo organisation \(node node-a, postgres store/);
    const b = await startNode("b");
    assert.match(b.output(), /Sluice started \(node node-b, postgres store/, "the second node does not seed the demo again");
    // The export path lives in the database: set once through one node, used by both.
    const set = await api(a, "PUT", `${WIKI}/config/export-path`, { path: shared });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    assert.equal((await api(b, "GET", `${WIKI}/config/export-path`)).json.rootExportPath, join(shared, "data-pipeline", "export"));
  });

  after(async () => {
    paused?.child.kill("SIGCONT");
    for (const node of Object.values(nodes)) await node.stop().catch(() => undefined);
    for (const home of homes) await rm(home, { recursive: true, force: true });
    if (shared) await rm(shared, { recursive: true, force: true });
    await pg?.stop();
  });

  it("50 concurrent POSTs over both nodes: exactly one 202, 49 × 409 with that job, live on the other node", async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const node = i % 2 === 0 ? nodes.a : nodes.b;
        return api(node, "POST", EXPORT).then((r) => ({ ...r, node }));
      }),
    );
    const accepted = results.filter((r) => r.status === 202);
    assert.equal(accepted.length, 1, `statuses: ${results.map((r) => r.status).join(",")}`);
    const winner = accepted[0]!;
    const jobId = winner.json.jobId as number;
    const acceptor = winner.node === nodes.a ? "node-a" : "node-b";
    assert.equal(winner.json.nodeId, acceptor);
    for (const r of results.filter((x) => x !== winner)) {
      assert.equal(r.status, 409, JSON.stringify(r.json));
      assert.equal(r.json.jobId, jobId);
    }

    const other = winner.node === nodes.a ? nodes.b : nodes.a;
    const first = await midRun(other, jobId);
    assert.equal(first.nodeId, acceptor);
    const later = await waitUntil("progress to advance on the other node", async () => {
      const job = await current(other);
      return job.progress && job.progress.totalRowsWritten > first.progress.totalRowsWritten ? job : undefined;
    });
    assert.equal(later.status, "STARTED");
    assert.equal(later.nodeId, acceptor);

    assert.equal((await api(winner.node, "DELETE", `${WIKI}/export`)).status, 200);
    assert.equal((await idle(other)).status, "CANCELLED");
  });

  it("DELETE sent to node B cancels a job running on node A within 5 s", async (t) => {
    const started = await api(nodes.a, "POST", EXPORT);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const jobId = started.json.jobId as number;
    await midRun(nodes.b, jobId);

    const t0 = Date.now();
    const del = await api(nodes.b, "DELETE", `${WIKI}/export?jobId=${jobId}`);
    assert.equal(del.status, 200, JSON.stringify(del.json));
    assert.equal(del.json.jobId, jobId);
    await waitUntil("CANCELLED on both nodes", async () => {
      const [a, b] = await Promise.all([current(nodes.a), current(nodes.b)]);
      return a.status === "CANCELLED" && b.status === "CANCELLED" ? true : undefined;
    }, 10_000);
    const elapsed = Date.now() - t0;
    t.diagnostic(`CANCELLED on both nodes ${elapsed} ms after the DELETE on node B`);
    assert.ok(elapsed <= 5000, `cancelled after ${elapsed} ms`);
    const job = await current(nodes.b);
    assert.equal(job.jobId, jobId);
    assert.equal(job.nodeId, "node-a");
    assert.ok(job.cancelledTime);
  });

  it("kill -9 of the exporting node: the other marks the job FAILED export.node.lost within the lease, a new export completes, no incomplete file looks complete", async (t) => {
    const started = await api(nodes.a, "POST", EXPORT);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const deadId = started.json.jobId as number;
    await midRun(nodes.b, deadId);
    await nodes.a.kill();
    const killedAt = Date.now();

    // Only node B's lease monitor can notice: GET does not recover jobs.
    const lost = await waitUntil("the lost job to be FAILED", async () => {
      const job = await current(nodes.b);
      return job.jobId === deadId && job.status === "FAILED" ? job : undefined;
    }, 30_000, 50);
    const noticedMs = Date.now() - killedAt;
    t.diagnostic(`job of the killed node marked FAILED ${noticedMs} ms after kill -9 (lease ${LEASE_SECONDS} s)`);
    // Within the lease: a renewal lasts 2/3 of it and the monitor looks every sixth of it.
    const limitMs = LEASE_SECONDS * 1000;
    assert.ok(noticedMs <= limitMs, `noticed after ${noticedMs} ms (limit ${limitMs} ms)`);
    assert.equal(lost.errors[0].key, "export.node.lost");
    assert.equal(lost.nodeId, "node-a");
    assert.ok(lost.completedTime);

    const again = await api(nodes.b, "POST", EXPORT);
    assert.equal(again.status, 202, JSON.stringify(again.json));
    const newId = again.json.jobId as number;
    assert.equal(newId, deadId + 1);
    assert.equal(again.json.nodeId, "node-b");
    const done = await idle(nodes.b);
    assert.equal(done.jobId, newId);
    assert.equal(done.status, "COMPLETED", JSON.stringify(done.errors));

    const root = join(shared, "data-pipeline", "export");
    const deadNames = await readdir(join(root, String(deadId)));
    const newNames = await readdir(join(root, String(newId)));
    assert.ok(!deadNames.includes("manifest.json"), `no manifest for the dead job: ${deadNames.join(", ")}`);
    assert.ok(deadNames.some((n) => n.endsWith(".csv.partial")), `the unfinished file keeps .partial: ${deadNames.join(", ")}`);
    assert.ok(newNames.includes("manifest.json") && !newNames.some((n) => n.endsWith(".partial")));
    assert.ok(deadNames.some((n) => n.endsWith(".csv")), "the dead job had finished at least one file");
    await assertFinalFilesComplete(root, deadId, newId);

    // Node A comes back on its home: it does not seed, and sees the cluster's jobs.
    const back = await startNode("a", nodes.a.home);
    assert.match(back.output(), /Sluice started \(node node-a/);
    assert.equal((await current(back)).jobId, newId);
  });

  it("a node paused past its lease (SIGSTOP) loses its job for good: after SIGCONT it stops writing and does not revive the job", async (t) => {
    await idle(nodes.a);
    const started = await api(nodes.a, "POST", EXPORT);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const pausedId = started.json.jobId as number;
    await midRun(nodes.b, pausedId);
    nodes.a.child.kill("SIGSTOP");
    paused = nodes.a;
    const pausedAt = Date.now();
    const lost = await waitUntil("the paused node's job to be FAILED", async () => {
      const job = await current(nodes.b);
      return job.jobId === pausedId && job.status === "FAILED" ? job : undefined;
    }, 30_000, 50);
    t.diagnostic(`paused node's job marked FAILED ${Date.now() - pausedAt} ms after SIGSTOP (lease ${LEASE_SECONDS} s)`);
    assert.equal(lost.errors[0].key, "export.node.lost");

    const again = await api(nodes.b, "POST", EXPORT);
    assert.equal(again.status, 202, JSON.stringify(again.json));
    const newId = again.json.jobId as number;
    nodes.a.child.kill("SIGCONT");
    paused = undefined;

    const done = await idle(nodes.b);
    assert.equal(done.jobId, newId);
    assert.equal(done.status, "COMPLETED", JSON.stringify(done.errors));
    // By now the resumed node has renewed (every second), seen that the job is no longer its own, and stopped.
    await new Promise((r) => setTimeout(r, 2000));
    const history = (await api(nodes.a, "GET", `${WIKI}/history?limit=100`)).json.values as Record<string, any>[];
    const old = history.find((j) => j.jobId === pausedId)!;
    assert.equal(old.status, "FAILED", `the lost job stays FAILED: ${JSON.stringify(old)}`);
    assert.equal((await current(nodes.a)).jobId, newId);
    const root = join(shared, "data-pipeline", "export");
    const names = await readdir(join(root, String(pausedId)));
    assert.ok(!names.includes("manifest.json"), `no manifest for the lost job: ${names.join(", ")}`);
    await assertFinalFilesComplete(root, pausedId, newId);
  });

  it("a schedule fires exactly once with two nodes running", async () => {
    await idle(nodes.a);
    const before = (await api(nodes.a, "GET", `${WIKI}/history?limit=100`)).json.values as { jobId: number }[];
    const lastId = Math.max(0, ...before.map((j) => j.jobId));
    // A few seconds ahead, today (UTC): both nodes tick every second from then on.
    const at = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000);
    const hhmmss = at.toISOString().slice(11, 19);
    const put = await api(nodes.b, "PUT", `${WIKI}/config/schedule`, {
      days: [WEEKDAYS[at.getUTCDay()]],
      time: hhmmss,
      zoneId: "UTC",
      fromDate: FROM,
    });
    assert.equal(put.status, 202, JSON.stringify(put.json));
    assert.equal(Date.parse(put.json.nextRunTime), at.getTime(), `next run ${put.json.nextRunTime}`);

    const fired = await waitUntil("the scheduled job", async () => {
      const jobs = (await api(nodes.a, "GET", `${WIKI}/history?limit=100`)).json.values as Record<string, any>[];
      return jobs.some((j) => j.jobId > lastId) ? true : undefined;
    });
    assert.ok(fired);
    // Let both nodes tick several more times past the run time before counting.
    await new Promise((r) => setTimeout(r, 4000));
    const after = (await api(nodes.b, "GET", `${WIKI}/history?limit=100`)).json.values as Record<string, any>[];
    const fresh = after.filter((j) => j.jobId > lastId);
    assert.equal(fresh.length, 1, `new jobs: ${JSON.stringify(fresh.map((j) => [j.jobId, j.status, j.nodeId, j.errors]))}`);
    const store = await openPostgresStore(pg.url);
    try {
      const site = (await store.sites.byKey("wiki"))!;
      const job = (await store.jobs.bySeq(site.id, "export", fresh[0]!.jobId))!;
      assert.equal(job.trigger, "schedule");
    } finally {
      await store.close();
    }
    const schedule = (await api(nodes.a, "GET", `${WIKI}/config/schedule`)).json;
    assert.ok(Date.parse(schedule.nextRunTime) > at.getTime(), `the next run moved on: ${schedule.nextRunTime}`);

    await api(nodes.a, "DELETE", `${WIKI}/export`);
    await api(nodes.a, "DELETE", `${WIKI}/config/schedule`);
    await idle(nodes.b);
  });
  it(
    "a job taken from its instance (lease lapsed, marked FAILED by another node) cannot be written back by that instance",
    async () => {
      await idle(nodes.a);
      const store = await openPostgresStore(pg.url);
      try {
        const site = (await store.sites.byKey("wiki"))!;
        const instance = "node-x:1:00000000";
        const created = await store.jobs.create(
          newExportJob({
            siteId: site.id,
            nodeId: "node-x",
            instanceId: instance,
            pid: 1,
            rootExportPath: join(shared, "data-pipeline", "export"),
            leaseExpiresAt: Date.now() - 1,
          }),
        );
        assert.ok(created.ok);
        // Any node's lease monitor takes it (the same conditional update recoverLostJobs makes).
        const lost = await waitUntil("the lapsed job to be FAILED", async () => {
          const job = await store.jobs.get(created.job.id);
          return job?.status === "FAILED" ? job : undefined;
        });
        assert.equal(lost.errors[0]?.key, "export.node.lost");
        // The old worker wakes up and finishes: the store must refuse its write.
        const wrote = await store.jobs.update(created.job.id, instance, { status: "COMPLETED", completedTime: Date.now() });
        const after = (await store.jobs.get(created.job.id))!;
        assert.equal(after.status, "FAILED", "the lost job stays FAILED");
        assert.equal(wrote, false, "update reports that the instance no longer holds the job");
      } finally {
        await store.close();
      }
    },
  );
});
