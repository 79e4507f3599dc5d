/**
 * The job model, one for every kind of work (exports, syncs, report runs, backups, restores): common
 * typed fields — kind, site, number, status, trigger, owner node, lease, progress, messages — beside
 * the kind's own params and result as JSON. No I/O.
 *
 * The status machine: QUEUED → STARTED → (CANCELLATION_REQUESTED →) COMPLETED | FAILED | CANCELLED.
 * A job may also be recorded FAILED straight away (refused before it started). While STARTED or
 * CANCELLATION_REQUESTED a job holds its lock key (one export per site, one sync per site, …) and a
 * lease its node renews; a lapsed lease makes it FAILED with `<kind>.node.lost`.
 */
export type JobStatus = "QUEUED" | "STARTED" | "COMPLETED" | "FAILED" | "CANCELLATION_REQUESTED" | "CANCELLED";

export const JOB_STATUSES: readonly JobStatus[] = ["QUEUED", "STARTED", "CANCELLATION_REQUESTED", "COMPLETED", "FAILED", "CANCELLED"];

/** Statuses that hold the job's lock key and its lease. */
export const RUNNING_STATUSES: readonly JobStatus[] = ["STARTED", "CANCELLATION_REQUESTED"];

/** Statuses of work not finished yet. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ["QUEUED", ...RUNNING_STATUSES];

export function isRunning(status: JobStatus): boolean {
  return RUNNING_STATUSES.includes(status);
}

export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export type JobTrigger = "api" | "cli" | "schedule";

export interface JobMessage {
  key: string;
  message: string;
}

/** How far a running job is, in the words every kind shares (the jobs view, the CLI). */
export interface Progress {
  /** What is being done now (`pages`, `issues stream`, `repository 3 of 20`). */
  label: string;
  done: number;
  /** null: not known. */
  total: number | null;
  /** `rows`, `items`, `bytes`. */
  unit: string;
  /** `unit`s per second. */
  rate: number;
  /** Seconds to the end at the current rate; null when not known. */
  etaSeconds: number | null;
}

/** A running job's progress: the shared words, and the kind's own detail (the export's `progress`). */
export type JobProgress<D = unknown> = Progress & { detail?: D };

export interface Job<P = Record<string, unknown>, R = Record<string, unknown>, D = unknown> {
  /** Unique across kinds and sites. */
  id: number;
  /** null for work of no site (none yet). */
  siteId: number | null;
  kind: string;
  /** 1, 2, 3 … per site and kind, never reused: the Data pipeline's job id. */
  seq: number;
  status: JobStatus;
  trigger: JobTrigger;
  /** Held while running: no two running jobs share one (`export:<site>`, `sync:<site>`). */
  lockKey: string | null;
  params: P;
  /** What the job made (files, counts); may be set on a failed or cancelled job too. */
  result: R | null;
  progress: JobProgress<D> | null;
  warnings: JobMessage[];
  errors: JobMessage[];
  /** The node and the process instance running (or that ran) the job; empty while queued. */
  nodeId: string;
  instanceId: string;
  pid: number;
  createdAt: number;
  /** When it started (its creation time while queued). */
  startTime: number;
  completedTime: number | null;
  cancelledTime: number | null;
  leaseExpiresAt: number;
  /** A queued job waits until this time (a retry later); 0: at once. */
  notBefore: number;
  /** The schedule that fired it, if one did. */
  scheduleId: number | null;
  /** The job this one is a part of (a job split across nodes); null for a whole job. */
  parentId: number | null;
}

/** A job to create: everything but its id and number. */
export type NewJob<P = Record<string, unknown>, R = Record<string, unknown>> = Omit<Job<P, R>, "id" | "seq">;

/** What a node may change on a job. */
export type JobPatch = Partial<
  Pick<Job, "status" | "completedTime" | "cancelledTime" | "warnings" | "errors" | "result" | "progress" | "leaseExpiresAt">
>;

/** Filters of a job listing (the jobs view, a site's history). */
export interface JobFilter {
  siteId?: number;
  kind?: string;
  statuses?: readonly JobStatus[];
  scheduleId?: number;
}

/** Rate and ETA from what is done, how much there is and for how long it has run. */
export function progressOf(label: string, unit: string, done: number, total: number | null, elapsedMs: number): Progress {
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round((done / seconds) * 10) / 10 : 0;
  const left = total === null ? null : Math.max(0, total - done);
  return { label, done, total, unit, rate, etaSeconds: left !== null && rate > 0 ? Math.ceil(left / rate) : null };
}
