/**
 * Writes one entity file of an export: header, rows streamed from a batch source through the CSV
 * row writer into a `.partial` file (with backpressure, throttling and disk checks), renamed when
 * complete. Used on the main thread and inside export worker threads alike.
 */
import { join } from "node:path";
import { cancelled } from "../core/errors.js";
import { setTimeout as sleep } from "node:timers/promises";
import { exportColumns, storedColumns, type EntityDef } from "../core/entities/registry.js";
import type { JobFile } from "../core/export-job.js";
import type { EncodedChunk } from "../core/csv.js";
import type { EntityQuery } from "../core/query.js";
import type { Snapshot } from "../store/port.js";
import { ChunkBuilder } from "./chunk-builder.js";
import { CsvFileWriter } from "./csv-file-writer.js";
import { headerLine, rowWriter, type CsvOptions } from "./csv-format.js";
import { checkDiskSpace } from "./disk-space.js";
import { partName } from "./file-names.js";


const DISK_CHECK_BYTES = 64 * 1024 * 1024;

export interface EntityFileOptions {
  def: EntityDef;
  directory: string;
  name: string;
  schemaVersion: number;
  csv: CsvOptions;
  instanceUrl: string;
  minimumFreeBytes: number;
  /** 0 = unlimited. Shared pacing: `paced(rows)` waits until the export may have written `rows` more. */
  pace?: (rows: number) => Promise<void>;
  signal: AbortSignal;
  /** Called after every batch with the rows written so far in this file. */
  onRows(rowsWritten: number): void;
  /** Write part `index` of the file (`file-parts.ts`): no header after part 0, no hash. */
  part?: number;
}

/** Stored rows to render, or records a store rendered itself (`Snapshot.encode`). */
export type EntityRows = AsyncIterable<unknown[][]> | { records: AsyncIterable<EncodedChunk> };

/** The records the store renders itself when it can (same bytes), else its rows to render here. */
export async function snapshotSource(
  snapshot: Snapshot,
  query: EntityQuery,
  request: { schemaVersion: number; csv: CsvOptions; instanceUrl: string; batchSize: number },
): Promise<EntityRows> {
  const records = await snapshot.encode?.(query, {
    format: "csv",
    columns: exportColumns(query.entity, request.schemaVersion),
    csv: request.csv,
    instanceUrl: request.instanceUrl,
  });
  return records ? { records } : snapshot.rows(query, request.batchSize);
}

/** Rendered bytes and row counts, whichever the source. */
async function* rendered(options: EntityFileOptions, source: EntityRows): AsyncIterable<EncodedChunk> {
  if ("records" in source) {
    yield* source.records;
    return;
  }
  const write = rowWriter(exportColumns(options.def, options.schemaVersion), storedColumns(options.def), options.csv, options.instanceUrl);
  const chunk = new ChunkBuilder();
  for await (const batch of source) {
    for (const row of batch) write(row, chunk);
    yield { bytes: chunk.take(), rows: batch.length };
  }
}

export async function writeEntityFile(options: EntityFileOptions, source: EntityRows): Promise<JobFile> {
  const { def, signal } = options;
  const exported = exportColumns(def, options.schemaVersion);
  const part = options.part;
  const name = part === undefined ? options.name : partName(options.name, part);
  const header = part === undefined || part === 0 ? headerLine(exported) : "";
  const writer = await CsvFileWriter.open(join(options.directory, name), name, header, { hash: part === undefined });
  try {
    let bytesSinceDiskCheck = 0;
    for await (const { bytes, rows } of rendered(options, source)) {
      if (signal.aborted) throw cancelled("the export");
      await writer.write(bytes, rows);
      options.onRows(writer.rows);
      bytesSinceDiskCheck += bytes.length;
      if (bytesSinceDiskCheck > DISK_CHECK_BYTES) {
        bytesSinceDiskCheck = 0;
        await checkDiskSpace(options.directory, options.minimumFreeBytes);
      }
      if (options.pace) await options.pace(rows);
      // Let the thread answer other work (HTTP requests, messages) between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (signal.aborted) throw cancelled("the export");
    const done = await writer.complete();
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
