import { fileTimestamp } from "../core/time.js";

/**
 * `<prefix>_job<jobId>_<timestamp>.csv` for schema 1 and `<prefix>_job<jobId>_v<N>_<timestamp>.csv`
 * for schema 2 and later; the timestamp is the job start in the server zone. A Parquet export names
 * its files the same with `.parquet`.
 */
export function exportFileName(prefix: string, jobId: number, schemaVersion: number, startTime: number, zone: string, extension = ".csv"): string {
  const version = schemaVersion >= 2 ? `_v${schemaVersion}` : "";
  return `${prefix}_job${jobId}${version}_${fileTimestamp(startTime, zone)}${extension}`;
}

/** Part `index` of a file written by several lanes (`file-parts.ts`). */
export function partName(name: string, index: number): string {
  return `${name}.part${index}`;
}
