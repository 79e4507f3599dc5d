/**
 * One sync of one site, run in this process and awaited: `sluice sync`, tests and benchmarks. It is a
 * job like any other (the site's sync lock, a lease, a record of the run): a sync running elsewhere
 * makes it fail with `sluice.sync.running`, a killed one is recovered at once on this node.
 */
import { hostname } from "node:os";
import { isCancelled } from "../core/errors.js";
import { JobRunner } from "../jobs/runner.js";
import { createLogger } from "../logger.js";
import type { SyncSiteOptions } from "./engine.js";
import { SYNC_KIND, toSyncRun, asSyncJob, type SyncRun } from "./run-state.js";
import { syncKind } from "./sync-kind.js";
import { syncBusy } from "./sync-service.js";

export interface SyncOptions extends Omit<SyncSiteOptions, "onProgress"> {
  /** Stops the sync (it ends CANCELLED; its checkpoints let the next one resume). */
  signal?: AbortSignal;
  /** This node's id (default: the host name). */
  nodeId?: string;
  /** Called after every committed batch and at each stream's start and end. */
  onProgress?: (run: SyncRun) => void;
}

/** Syncs the site; resolves with the finished run, or rejects with the error that stopped it. */
export async function runSync(options: SyncOptions): Promise<SyncRun> {
  const { store, site } = options;
  let failure: unknown;
  const startedAt = new Date().toISOString();
  const runner = new JobRunner({
    store,
    // No queued work is taken here (concurrency 0): this process runs its one sync.
    config: { nodeId: options.nodeId ?? hostname(), jobLeaseSeconds: 30, concurrency: 0, pollMs: 60_000 },
    logger: createLogger("silent"),
  });
  runner.register(
    syncKind({
      store,
      env: () => options.env,
      ...(options.secretsDir !== undefined ? { secretsDir: options.secretsDir } : {}),
      ...(options.mirrorsDir !== undefined ? { mirrorsDir: options.mirrorsDir } : {}),
      http: options,
      logger: options.logger,
      onProgress: (id, run) =>
        options.onProgress?.({ ...structuredClone(run), id: String(id), kind: run.source, status: "RUNNING", startedAt, heartbeatAt: Date.now(), host: runner.nodeId, pid: process.pid }),
      onError: (_id, error) => (failure = error),
    }),
  );
  const start = await runner.start(SYNC_KIND, { siteId: site.id, params: { full: options.full === true, reconcile: options.reconcile === true }, trigger: "cli" });
  if (start.outcome === "busy") throw syncBusy(toSyncRun(asSyncJob(start.job)));
  const stop = () => void runner.cancel(start.job.id);
  options.signal?.addEventListener("abort", stop, { once: true });
  runner.startLoops();
  try {
    await runner.waitFor(start.job.id);
  } finally {
    options.signal?.removeEventListener("abort", stop);
    await runner.shutdown(0);
  }
  const job = asSyncJob((await store.jobs.get(start.job.id))!);
  const run = toSyncRun(job);
  options.onProgress?.(run);
  if (failure !== undefined && !isCancelled(failure)) throw failure as Error;
  if (job.status !== "COMPLETED") throw options.signal?.reason instanceof Error ? options.signal.reason : new Error(`the sync ended ${job.status}`);
  return run;
}
