/**
 * What the export's main thread and its worker lanes say to each other: the files a lane writes, the
 * data it starts with, and the messages it sends back.
 */
import type { Product } from "../core/entities/registry.js";
import type { ExportFormat, JobFile } from "../core/export-job.js";
import type { CsvOptions } from "../core/csv.js";
import type { EntityQuery } from "../core/query.js";
import type { SnapshotLocation } from "../store/port.js";

export interface LaneFile {
  product: Product;
  entity: string;
  name: string;
  /** The rows of the file (or of its part). */
  query: EntityQuery;
  /** Part index when several lanes write this file (`file-parts.ts`). */
  part?: number;
}

export interface LaneData {
  location: SnapshotLocation;
  files: LaneFile[];
  format: ExportFormat;
  directory: string;
  schemaVersion: number;
  csv: CsvOptions;
  instanceUrl: string;
  minimumFreeBytes: number;
  batchSize: number;
  /** Run the lane at a lower CPU priority (`jobs.background: yield`). */
  yieldCpu: boolean;
  /** The lane's pace in rows per second (`exportRowsPerSecond`); 0: as fast as it can. */
  rowsPerSecond: number;
}

export type LaneMessage =
  | { type: "ready" }
  | { type: "rows"; key: string; entity: string; rows: number }
  | { type: "file"; file: JobFile; part?: number }
  | { type: "done" }
  | { type: "cancelled" }
  | { type: "error"; code: string | null; message: string };

/** What the thread joining a split file's parts is given (`join-worker.ts`). */
export interface JoinRequest {
  directory: string;
  name: string;
  count: number;
  rows: number;
  yieldCpu: boolean;
}

export type JoinReply = { type: "joined"; rows: number; bytes: number; sha256: string } | { type: "cancelled" } | { type: "error"; message: string };

/** Identifies a lane file in progress reports: the entity, and the part if any. */
export function laneFileKey(file: { entity: string; part?: number }): string {
  return file.part === undefined ? file.entity : `${file.entity}#${file.part}`;
}
