/**
 * The Data pipeline export as a job of the job runner: its params, result and progress, and the
 * `ProcessStatusResponse` the Data pipeline REST API renders from it (unchanged byte for byte). No I/O.
 */
import type { Job, JobStatus } from "./job.js";
import { isRunning } from "./job.js";
import { formatZoned, formatZonedSeconds } from "./time.js";

export const EXPORT_KIND = "export";

/** Files an export writes: the Data pipeline's CSV, or Parquet with the same columns. */
export type ExportFormat = "csv" | "parquet";

export interface OptedOutEntity {
  type: "SPACE" | "PROJECT" | "REPOSITORY";
  /** The source's id of the container. */
  identifier: string;
  key: string;
  displayName: string;
  uri: string;
}

export interface ExportParams {
  schemaVersion: number;
  exportFrom: number;
  forced: boolean;
  rootExportPath: string;
  optedOut: OptedOutEntity[];
  format: ExportFormat;
}

export interface JobFile {
  name: string;
  entity: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportStatistics {
  exportedEntities: number;
  writtenRows: number;
}

export interface ExportResult {
  statistics: ExportStatistics | null;
  files: JobFile[] | null;
}

/** The export's own progress, as `GET /export` shows it while running. */
export interface ExportProgress {
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
  /**
   * Sluice's own, only while an export to a storage (`s3://…`) uploads its written files: `file`,
   * `filesDone` and `filesTotal` then count the upload (the manifest last), `etaSeconds` its end.
   */
  phase?: "upload";
  bytesUploaded?: number;
  bytesToUpload?: number;
}

export type ExportJob = Job<ExportParams, ExportResult, ExportProgress>;

/**
 * An export job as the Data pipeline sees it: one flat record (the job's number as `jobId`, its params,
 * result and progress spelled out). What the REST API renders, the CLI prints and tests read.
 */
export interface ExportJobRecord {
  /** The job runner's id of the job. */
  id: number;
  siteId: number;
  jobId: number;
  status: JobStatus;
  trigger: Job["trigger"];
  startTime: number;
  completedTime: number | null;
  cancelledTime: number | null;
  nodeId: string;
  instanceId: string;
  pid: number;
  schemaVersion: number;
  exportFrom: number;
  forced: boolean;
  format: ExportFormat;
  rootExportPath: string;
  optedOut: OptedOutEntity[];
  warnings: Job["warnings"];
  errors: Job["errors"];
  statistics: ExportStatistics | null;
  progress: ExportProgress | null;
  files: JobFile[] | null;
  leaseExpiresAt: number;
}

export function exportRecord(job: ExportJob): ExportJobRecord {
  return {
    id: job.id,
    siteId: job.siteId ?? 0,
    jobId: job.seq,
    status: job.status,
    trigger: job.trigger,
    startTime: job.startTime,
    completedTime: job.completedTime,
    cancelledTime: job.cancelledTime,
    nodeId: job.nodeId,
    instanceId: job.instanceId,
    pid: job.pid,
    schemaVersion: job.params.schemaVersion,
    exportFrom: job.params.exportFrom,
    forced: job.params.forced,
    format: job.params.format ?? "csv",
    rootExportPath: job.params.rootExportPath,
    optedOut: job.params.optedOut,
    warnings: job.warnings,
    errors: job.errors,
    statistics: job.result?.statistics ?? null,
    progress: job.progress?.detail ?? null,
    files: job.result?.files ?? null,
    leaseExpiresAt: job.leaseExpiresAt,
  };
}

/** The lock of a site's exports: one at a time per site, across the cluster. */
export function exportLock(siteId: number): string {
  return `${EXPORT_KIND}:${siteId}`;
}

/** The Data pipeline shows a job still waiting for its node as started. */
function shownStatus(status: JobStatus): Exclude<JobStatus, "QUEUED"> {
  return status === "QUEUED" ? "STARTED" : status;
}

/** The job as the Data pipeline REST API returns it. */
export function jobResponse(job: ExportJobRecord, schemaStatus: "ACTIVE" | "DEPRECATED", zone: string): Record<string, unknown> {
  const status = shownStatus(job.status);
  const body: Record<string, unknown> = {
    startTime: formatZoned(job.startTime, zone),
  };
  if (status !== "STARTED" && job.completedTime !== null) body.completedTime = formatZoned(job.completedTime, zone);
  if (status === "CANCELLED" && job.cancelledTime !== null) body.cancelledTime = formatZoned(job.cancelledTime, zone);
  body.nodeId = job.nodeId;
  body.jobId = job.jobId;
  body.status = status;
  body.schema = { version: job.schemaVersion, status: schemaStatus };
  body.config = {
    exportFrom: formatZonedSeconds(job.exportFrom, zone),
    forcedExport: job.forced,
    // Sluice's own, shown only when not the Data pipeline's CSV.
    ...(job.format !== "csv" ? { format: job.format } : {}),
  };
  if (status !== "STARTED" && job.statistics) body.statistics = job.statistics;
  if (job.warnings.length > 0) body.warnings = job.warnings;
  if (job.errors.length > 0) body.errors = job.errors;
  body.rootExportPath = job.rootExportPath;
  body.optedOutEntities = job.optedOut;
  if (isRunning(status) && job.progress) body.progress = job.progress;
  if (status === "COMPLETED" && job.files) body.files = job.files;
  return body;
}
