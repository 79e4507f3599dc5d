/**
 * The export job model: the record kept in the store, its state machine and the API's
 * `ProcessStatusResponse` rendering. No I/O.
 */
import { formatZoned, formatZonedSeconds } from "./time.js";

export type JobStatus = "STARTED" | "COMPLETED" | "FAILED" | "CANCELLATION_REQUESTED" | "CANCELLED";

/** Statuses that hold the site's export lock. */
export const RUNNING_STATUSES: readonly JobStatus[] = ["STARTED", "CANCELLATION_REQUESTED"];

export function isRunning(status: JobStatus): boolean {
  return RUNNING_STATUSES.includes(status);
}

export type JobTrigger = "api" | "cli" | "schedule";

export interface JobMessage {
  key: string;
  message: string;
}

export interface OptedOutEntity {
  type: "SPACE" | "PROJECT" | "REPOSITORY";
  /** The source's id of the container. */
  identifier: string;
  key: string;
  displayName: string;
  uri: string;
}

export interface JobFile {
  name: string;
  entity: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface JobProgress {
  file: string;
  entity: string;
  rowsWritten: number;
  rowsEstimated: number;
  filesDone: number;
  filesTotal: number;
  totalRowsWritten: number;
  totalRowsEstimated: number;
  rowsPerSecond: number;
  /** Seconds to the end of the export at the current rate. */
  etaSeconds: number | null;
}

export interface JobRecord {
  siteId: number;
  jobId: number;
  status: JobStatus;
  trigger: JobTrigger;
  startTime: number;
  completedTime: number | null;
  cancelledTime: number | null;
  nodeId: string;
  /** Identifies the process running the job (node id + process start). */
  instanceId: string;
  pid: number;
  schemaVersion: number;
  exportFrom: number;
  forced: boolean;
  rootExportPath: string;
  optedOut: OptedOutEntity[];
  warnings: JobMessage[];
  errors: JobMessage[];
  statistics: { exportedEntities: number; writtenRows: number } | null;
  progress: JobProgress | null;
  files: JobFile[] | null;
  leaseExpiresAt: number;
}

/** What a worker may change on a job it owns. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    "status" | "completedTime" | "cancelledTime" | "warnings" | "errors" | "statistics" | "progress" | "files" | "leaseExpiresAt"
  >
>;

/** The job as the Data pipeline REST API returns it. */
export function jobResponse(
  job: JobRecord,
  schemaStatus: "ACTIVE" | "DEPRECATED",
  zone: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    startTime: formatZoned(job.startTime, zone),
  };
  if (job.status !== "STARTED" && job.completedTime !== null) body.completedTime = formatZoned(job.completedTime, zone);
  if (job.status === "CANCELLED" && job.cancelledTime !== null) body.cancelledTime = formatZoned(job.cancelledTime, zone);
  body.nodeId = job.nodeId;
  body.jobId = job.jobId;
  body.status = job.status;
  body.schema = { version: job.schemaVersion, status: schemaStatus };
  body.config = { exportFrom: formatZonedSeconds(job.exportFrom, zone), forcedExport: job.forced };
  if (job.status !== "STARTED" && job.statistics) body.statistics = job.statistics;
  if (job.warnings.length > 0) body.warnings = job.warnings;
  if (job.errors.length > 0) body.errors = job.errors;
  body.rootExportPath = job.rootExportPath;
  body.optedOutEntities = job.optedOut;
  if (isRunning(job.status) && job.progress) body.progress = job.progress;
  if (job.status === "COMPLETED" && job.files) body.files = job.files;
  return body;
}
