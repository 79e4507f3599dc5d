import { fileTimestamp } from "../core/time.js";

/**
 * `<prefix>_job<jobId>_<timestamp>.csv` for schema 1 and `<prefix>_job<jobId>_v<N>_<timestamp>.csv`
 * for schema 2 and later; the timestamp is the job start in the server zone.
 */
export function exportFileName(prefix: string, jobId: number, schemaVersion: number, startTime: number, zone: string): string {
  const version = schemaVersion >= 2 ? `_v${schemaVersion}` : "";
  return `${prefix}_job${jobId}${version}_${fileTimestamp(startTime, zone)}.csv`;
}

/** Part `index` of a file written by several lanes (`file-parts.ts`). */
export function partName(name: string, index: number): string {
  return `${name}.part${index}`;
}
