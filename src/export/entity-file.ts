/**
 * Writes one entity file of an export through a record writer (CSV, or Parquet with the same columns):
 * rows streamed from a snapshot query — or records the store rendered itself, when the writer takes
 * them — into a `.partial` file with backpressure, throttling and disk checks, renamed when complete.
 * Used on the main thread and inside export worker threads alike.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CsvOptions, EncodedChunk, RecordEncoding } from "../core/csv.js";
import { exportColumns, storedColumns, type EntityDef } from "../core/entities/registry.js";
import { cancelled } from "../core/errors.js";
import type { ExportFormat, JobFile } from "../core/export-job.js";
import type { EntityQuery } from "../core/query.js";
import type { Snapshot } from "../store/port.js";
import { CsvRecordWriter } from "../writers/csv/index.js";
import { writerFactory } from "../writers/index.js";
import type { RecordLayout, RecordWriter } from "../writers/port.js";
import { checkDiskSpace } from "./disk-space.js";
import { partName } from "./file-names.js";

const DISK_CHECK_BYTES = 64 * 1024 * 1024;

export interface EntityFileOptions {
  def: EntityDef;
  directory: string;
  name: string;
  format: ExportFormat;
  schemaVersion: number;
  csv: CsvOptions;
  instanceUrl: string;
  minimumFreeBytes: number;
  /** 0 = unlimited. Shared pacing: `paced(rows)` waits until the export may have written `rows` more. */
  pace?: (rows: number) => Promise<void>;
  signal: AbortSignal;
  /** Called after every batch with the rows written so far in this file. */
  onRows(rowsWritten: number): void;
  /** Write part `index` of the file (`file-parts.ts`, CSV only): no header after part 0, no hash. */
  part?: number;
}

/** Stored rows to write, or records a store rendered itself in the writer's encoding (`Snapshot.encode`). */
export type EntityRows = AsyncIterable<unknown[][]> | { records: AsyncIterable<EncodedChunk> };

/** The export's layout of an entity's rows: the file's columns from the stored ones. */
export function exportLayout(def: EntityDef, schemaVersion: number, csv: CsvOptions, instanceUrl: string): RecordLayout {
  return { columns: exportColumns(def, schemaVersion), input: storedColumns(def), instanceUrl, values: csv };
}

/** The CSV encoding of an export file, which a store may render itself. */
export function exportEncoding(def: EntityDef, request: { schemaVersion: number; csv: CsvOptions; instanceUrl: string }): RecordEncoding {
  return { format: "csv", columns: exportColumns(def, request.schemaVersion), csv: request.csv, instanceUrl: request.instanceUrl };
}

/**
 * The records the store renders itself in `encoding` when it can (same bytes), else its rows. Without
 * an encoding (a typed format) always the rows.
 */
export async function snapshotSource(
  snapshot: Snapshot,
  query: EntityQuery,
  encoding: RecordEncoding | undefined,
  batchSize: number,
): Promise<EntityRows> {
  const records = encoding ? await snapshot.encode?.(query, encoding) : undefined;
  return records ? { records } : snapshot.rows(query, batchSize);
}

/** Opens the writer of an entity file (or of a part of a CSV file). */
async function openEntityWriter(options: EntityFileOptions): Promise<RecordWriter> {
  const layout = exportLayout(options.def, options.schemaVersion, options.csv, options.instanceUrl);
  if (options.part !== undefined) {
    return CsvRecordWriter.open({ directory: options.directory, name: partName(options.name, options.part) }, layout, options.part);
  }
  return writerFactory(options.format).open({ directory: options.directory, name: options.name, title: options.def.name }, layout);
}

/**
 * Writes one file: opens its writer, takes the rows (or rendered records) `source` gives for that
 * writer, writes them and completes the file; on any failure the partial file goes.
 */
export async function writeEntityFile(options: EntityFileOptions, source: (writer: RecordWriter) => Promise<EntityRows> | EntityRows): Promise<JobFile> {
  const { def, signal } = options;
  const writer = await openEntityWriter(options);
  try {
    const rows = await source(writer);
    let checkedAt = 0;
    let estimated = 0;
    const step = async (rows: number, bytes: number) => {
      options.onRows(writer.rows);
      estimated += bytes;
      const written = writer.bytes ?? estimated;
      if (written - checkedAt > DISK_CHECK_BYTES) {
        checkedAt = written;
        await checkDiskSpace(options.directory, options.minimumFreeBytes);
      }
      if (options.pace) await options.pace(rows);
      // Let the thread answer other work (HTTP requests, messages) between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    if ("records" in rows) {
      if (!writer.writeEncoded) throw new Error(`the ${options.format} writer takes no rendered records`);
      for await (const chunk of rows.records) {
        if (signal.aborted) throw cancelled("the export");
        await writer.writeEncoded(chunk);
        await step(chunk.rows, chunk.bytes.length);
      }
    } else {
      for await (const batch of rows) {
        if (signal.aborted) throw cancelled("the export");
        await writer.write(batch);
        // Writers that cannot tell their bytes as they go: a few hundred per row paces the disk checks.
        await step(batch.length, batch.length * 512);
      }
    }
    if (signal.aborted) throw cancelled("the export");
    const done = await writer.close();
    return { name: done.name, entity: def.name, rows: done.rows, bytes: done.bytes, sha256: done.sha256 };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** A pacer that keeps the whole export under `rowsPerSecond` (0: no limit). */
export function pacer(rowsPerSecond: number, signal: AbortSignal): ((rows: number) => Promise<void>) | undefined {
  if (rowsPerSecond <= 0) return undefined;
  const started = Date.now();
  let total = 0;
  return async (rows) => {
    total += rows;
    let wait = started + (total / rowsPerSecond) * 1000 - Date.now();
    while (wait > 0 && !signal.aborted) {
      await sleep(Math.min(wait, 200));
      wait = started + (total / rowsPerSecond) * 1000 - Date.now();
    }
  };
}
