/** The sync status a site shows (API and CLI): current run with progress, history, totals, last error. */
import { entitiesOf } from "../core/entities/registry.js";
import { isRunning, type Job } from "../core/job.js";
import type { Site, Store } from "../store/port.js";
import { STATE_KEY, SYNC_KIND, syncLock, toSyncRun, asSyncJob, type SyncRun, type SyncState } from "./run-state.js";

export const MAX_RUNS = 50;

export interface SyncStatus {
  running: boolean;
  current: SyncRun | null;
  history: SyncRun[];
  firstSyncAt: string | null;
  lastSuccessAt: string | null;
  /** Rows stored now, per entity. */
  counts: Record<string, number>;
  lastError: (SyncRun["error"] & { at: string }) | null;
}

/**
 * The running sync of a site (or its latest), and its last runs, newest first. `live` gives a job
 * running in this process its freshest progress.
 */
export async function syncStatus(store: Store, site: Site, live: (job: Job) => Job = (j) => j): Promise<SyncStatus> {
  const { jobs } = await store.jobs.list({ siteId: site.id, kind: SYNC_KIND }, 0, MAX_RUNS);
  const runs = jobs.map((j) => toSyncRun(asSyncJob(live(j))));
  const holder = await store.jobs.holder(syncLock(site.id));
  const state = (await store.settings.get<SyncState>(site.id, STATE_KEY)) ?? {};
  const counts: Record<string, number> = {};
  for (const def of entitiesOf(site.product)) counts[def.name] = await store.data.count(site.id, def);
  const finished = runs.filter((r) => r.status !== "RUNNING");
  const failed = finished.find((r) => r.status === "FAILED" && r.error);
  return {
    running: holder !== undefined && isRunning(holder.status),
    current: holder ? toSyncRun(asSyncJob(live(holder))) : (runs[0] ?? null),
    history: finished,
    firstSyncAt: state.firstSyncAt ?? null,
    lastSuccessAt: state.lastSuccessAt ?? null,
    counts,
    lastError: failed?.error ? { ...failed.error, at: failed.finishedAt ?? failed.startedAt } : null,
  };
}
