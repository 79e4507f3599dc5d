/**
 * What a sync run records in the site's settings: `sync.current` (the running or last run, with
 * progress), `sync.runs` (finished runs, newest first, capped), `sync.checkpoint` (each stream's
 * position) and `sync.state` (first sync done, last reconcile). Pure shapes and calculations.
 */
export const CURRENT_KEY = "sync.current";
export const RUNS_KEY = "sync.runs";
export const CHECKPOINT_KEY = "sync.checkpoint";
export const STATE_KEY = "sync.state";
export const MAX_RUNS = 50;

export type SyncStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

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

export interface SyncRun {
  id: string;
  kind: string;
  status: SyncStatus;
  mode: "full" | "incremental";
  startedAt: string;
  finishedAt?: string;
  /** Epoch ms of the last batch committed: a RUNNING run without heartbeat for long is lost. */
  heartbeatAt: number;
  host: string;
  pid: number;
  /** Rows stored per entity in this run. */
  counts: Record<string, number>;
  /** Rows deleted per entity by the reconcile of this run. */
  deleted: Record<string, number>;
  streams: StreamProgress[];
  requests: number;
  retries: number;
  error?: { message: string; entity?: string; path?: string };
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

export function pushRun(runs: readonly SyncRun[] | undefined, run: SyncRun): SyncRun[] {
  return [run, ...(runs ?? []).filter((r) => r.id !== run.id)].slice(0, MAX_RUNS);
}
