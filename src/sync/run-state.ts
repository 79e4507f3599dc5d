/**
 * A sync as a job (kind `sync`): its params, result and progress detail, and the `SyncRun` the admin API
 * and CLI show for it. What stays in the site's settings: `sync.checkpoint` (each stream's position) and
 * `sync.state` (first sync done, last reconcile). Pure shapes and calculations.
 */
import { isRunning, type Job } from "../core/job.js";

export const SYNC_KIND = "sync";
export const CHECKPOINT_KEY = "sync.checkpoint";
export const STATE_KEY = "sync.state";

/** The lock of a site's syncs: one at a time per site, across the cluster. */
export function syncLock(siteId: number): string {
  return `${SYNC_KIND}:${siteId}`;
}

export type SyncStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface StreamProgress {
  stream: string;
  status: "PENDING" | "RUNNING" | "DONE";
  /** Primary items read in this run (issues, pages, worklogs, …). */
  items: number;
  /** Items expected, when the source says. */
  total?: number;
  /** Items per second since the stream started. */
  rate: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds?: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface SyncParams {
  /** Ignore checkpoints: read everything again, then sweep deletions. */
  full: boolean;
  /** Sweep deletions after this sync. */
  reconcile: boolean;
}

export interface SyncError {
  message: string;
  entity?: string;
  path?: string;
}

/** Items of one entity a sync left out for one reason. */
export interface SkippedItems {
  entity: string;
  reason: string;
  count: number;
  /** The first `SKIPPED_NAMES` of them. */
  names: string[];
}

export const SKIPPED_NAMES = 100;

/** What a sync did (also kept, as far as it got, on a failed one). */
export interface SyncResult {
  /** The connector kind (`jira-cloud`, …). */
  source: string;
  mode: "full" | "incremental";
  /** Rows stored per entity in this run. */
  counts: Record<string, number>;
  /** Rows deleted per entity by the reconcile of this run. */
  deleted: Record<string, number>;
  /** Items the source named but did not give, per entity and reason: how many, and the first names. */
  skipped?: SkippedItems[];
  streams: StreamProgress[];
  requests: number;
  retries: number;
  error?: SyncError;
}

export type SyncJob = Job<SyncParams, SyncResult, SyncResult>;

/** A job of kind `sync` read from the store, with its shapes. */
export function asSyncJob(job: Job): SyncJob {
  return job as unknown as SyncJob;
}

/** A sync run as the admin API and `sluice sync` show it: what it did, and the job it ran as. */
export interface SyncRun extends Omit<SyncResult, "source"> {
  id: string;
  /** The connector kind (`jira-cloud`, …). */
  kind: string;
  status: SyncStatus;
  startedAt: string;
  finishedAt?: string;
  /** Until when the node running it holds it (its lease). */
  heartbeatAt: number;
  host: string;
  pid: number;
}

export interface SyncState {
  /** When the first sync finished successfully; absent: the site is not ready for export. */
  firstSyncAt?: string;
  lastSuccessAt?: string;
  lastReconcileAt?: number;
}

export interface CheckpointState {
  streams: Record<string, Record<string, unknown>>;
}

/** Recomputes a stream's rate and ETA in place. */
export function refreshProgress(p: StreamProgress, now: number): void {
  const started = p.startedAt ?? now;
  const end = p.finishedAt ?? now;
  const seconds = Math.max(0.001, (end - started) / 1000);
  const rate = p.startedAt === undefined ? 0 : p.items / seconds;
  p.rate = Math.round(rate * 10) / 10;
  delete p.etaSeconds;
  if (p.status === "RUNNING" && p.total !== undefined && rate > 0) {
    p.etaSeconds = Math.max(0, Math.round((p.total - p.items) / rate));
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The run a sync job is: its progress while it runs, its result once it ended. */
export function toSyncRun(job: SyncJob): SyncRun {
  const data: Partial<SyncResult> = (isRunning(job.status) ? job.progress?.detail : undefined) ?? job.result ?? {};
  const status: SyncStatus =
    job.status === "COMPLETED" ? "SUCCEEDED" : job.status === "FAILED" ? "FAILED" : job.status === "CANCELLED" ? "CANCELLED" : "RUNNING";
  const error = data.error ?? (job.status === "FAILED" && job.errors[0] ? { message: job.errors[0].message } : undefined);
  return {
    id: String(job.id),
    kind: data.source ?? "",
    status,
    mode: data.mode ?? (job.params.full ? "full" : "incremental"),
    startedAt: iso(job.startTime),
    ...(job.completedTime !== null && status !== "RUNNING" ? { finishedAt: iso(job.completedTime) } : {}),
    heartbeatAt: job.leaseExpiresAt,
    host: job.nodeId,
    pid: job.pid,
    counts: data.counts ?? {},
    deleted: data.deleted ?? {},
    ...(data.skipped && data.skipped.length > 0 ? { skipped: data.skipped } : {}),
    streams: data.streams ?? [],
    requests: data.requests ?? 0,
    retries: data.retries ?? 0,
    ...(error ? { error } : {}),
  };
}
