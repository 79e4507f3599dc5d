/**
 * A kind of job (export, sync, report run, backup, restore): what the runner needs to know of it. The
 * runner does the rest once for every kind — locks, leases and heartbeats, crash recovery, cancel,
 * graceful shutdown, progress writes and the summary log line.
 */
import type { Job, JobMessage, JobProgress } from "../core/job.js";
import type { Logger } from "../logger.js";
import type { Site } from "../store/port.js";

export type StopReason = "cancel" | "shutdown" | "lost";

export interface JobContext<P = Record<string, unknown>, D = unknown> {
  readonly job: Job<P>;
  /** The job's site (undefined for work of no site). */
  readonly site: Site | undefined;
  /** Aborted when the job is cancelled, its node shuts down or it lost its lease: stop soon. */
  readonly signal: AbortSignal;
  /** Scoped to the job: `{site, kind, jobId, node}`. */
  readonly logger: Logger;
  /** Reports progress: shown live by this node, written to the store at most once a second. */
  progress(progress: JobProgress<D>): void;
  /** Why the job is being stopped, once it is. */
  readonly stopReason: StopReason | null;
}

export interface JobOutcome<R> {
  result: R;
  warnings?: JobMessage[];
  /** Facts for the job's summary log line (rows, bytes, directory). */
  summary?: Record<string, unknown>;
}

export interface JobKind<P = Record<string, unknown>, R = Record<string, unknown>, D = unknown> {
  readonly name: string;
  /** "the export", "the sync": used in messages. */
  readonly noun: string;
  /** The lock the job holds while it runs; null: none (runs beside anything). */
  lockKey(siteId: number | null, params: P): string | null;
  run(ctx: JobContext<P, D>): Promise<JobOutcome<R>>;
  /** What a failed or cancelled job keeps as its result (e.g. the rows written so far). */
  partialResult?(job: Job<P>, progress: JobProgress<D> | null): R | null;
  /** How a failure is recorded; default: a Sluice error's code and message, else `<kind>.failed`. */
  failure?(error: unknown): JobMessage;
}

/** Any kind, as the runner holds them. */
export type AnyJobKind = JobKind<any, any, any>;
