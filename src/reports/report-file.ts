/**
 * Builds a report's file: rows from the report's source — the plan's query read from a snapshot of the
 * site (inside the store, with the viewer's permissions), or a saved SQL query run as the viewer —
 * written by the format's record writer (CSV, XLSX, JSON, Parquet) into a `.partial` file renamed when
 * complete. A CSV report of every column in key order takes the records the store renders itself, as
 * the Data pipeline export does. The content hash ("only when changed") is the file's own SHA-256 for
 * CSV and JSON, whose bytes depend on the rows alone, and a hash of the rows for XLSX and Parquet, whose
 * files hold the time they were written.
 */
import { createHash, type Hash } from "node:crypto";
import { serialize } from "node:v8";
import type { CsvOptions, EncodedChunk } from "../core/csv.js";
import type { Column } from "../core/entities/types.js";
import type { SqlColumn, SqlRows, SqlType } from "../core/sql-catalog.js";
import { cancelled } from "../core/errors.js";
import type { Store } from "../store/port.js";
import { TYPED_BATCH_ROWS, writerFactory, type WrittenFile } from "../writers/index.js";
import type { RecordLayout, RecordWriter } from "../writers/port.js";
import { openThreadedWriter } from "../writers/thread/index.js";
import { planInput, type ReportPlan } from "./report-query.js";
import type { ReportFormatName } from "./schedule-model.js";

/**
 * The formats written on a thread of their own in a scheduled run: XLSX (exceljs builds every cell's
 * XML and style in JavaScript: 20 s for 200,000 issues) and JSON. Parquet stays on the run's thread: its
 * conversion is half the work and DuckDB appends the rest natively, and a second thread's heap put its
 * peak RSS over the 300 MB target (200,000 issues: 331–349 MB threaded, 249–279 MB not).
 */
const THREADED: ReadonlySet<string> = new Set(["xlsx", "json"]);

/** Rows per read batch of a CSV report (the typed formats read `TYPED_BATCH_ROWS`). */
const CSV_BATCH_ROWS = 2000;

/** Where a report's rows come from. */
export type ReportSource = { kind: "entity"; store: Store; siteId: number; plan: ReportPlan } | { kind: "sql"; rows: SqlRows };

export interface BuildOptions {
  source: ReportSource;
  format: ReportFormatName;
  directory: string;
  name: string;
  title: string;
  instanceUrl: string;
  csv: CsvOptions;
  signal: AbortSignal;
  onRows?(rows: number): void;
  /** At most this many rows (a preview); default all. */
  limit?: number;
  /**
   * Write XLSX and JSON on a thread of their own (`THREADED`), at background priority
   * when `yieldCpu` (a scheduled run; a preview's few rows stay on the caller's thread).
   */
  threaded?: { yieldCpu: boolean };
}

export interface BuiltFile extends WrittenFile {
  contentType: string;
  contentHash: string;
}

export function reportLayout(plan: ReportPlan, instanceUrl: string, csv: CsvOptions): RecordLayout {
  return { columns: plan.columns, input: planInput(plan), instanceUrl, values: csv };
}

const SQL_COLUMN_TYPES: Record<SqlType, Column["type"]> = { text: "string", integer: "integer", decimal: "decimal", boolean: "boolean", datetime: "datetime", date: "date" };

/** The file columns of a SQL answer: its names, and the registry type of each SQL type. */
export function sqlColumns(columns: readonly SqlColumn[]): Column[] {
  return columns.map((c) => ({ name: c.name, type: SQL_COLUMN_TYPES[c.type] }));
}

/** The rows and columns of a source: a snapshot's query (closed at the end) or a SQL answer. */
async function open(options: BuildOptions, writerEncoding: boolean): Promise<{ layout: RecordLayout; batches?: AsyncIterable<unknown[][]>; encoded?: AsyncIterable<EncodedChunk>; close(): Promise<void> }> {
  const { source } = options;
  if (source.kind === "sql") {
    const columns = sqlColumns(source.rows.columns);
    // Long text stays whole: a SQL answer says itself what it cuts.
    const values = { ...options.csv, descriptionMaxLength: Number.MAX_SAFE_INTEGER, pageContentMaxLength: Number.MAX_SAFE_INTEGER };
    return { layout: { columns, input: columns, instanceUrl: options.instanceUrl, values }, batches: source.rows.batches, close: async () => undefined };
  }
  const { plan } = source;
  const snapshot = await source.store.data.snapshot(source.siteId);
  try {
    const query = options.limit !== undefined ? { ...plan.query, limit: options.limit } : plan.query;
    const encoded =
      plan.whole && options.limit === undefined && writerEncoding ? await snapshot.encode?.(query, { format: "csv", columns: plan.columns, csv: options.csv, instanceUrl: options.instanceUrl }) : undefined;
    const layout = reportLayout(plan, options.instanceUrl, options.csv);
    const batch = options.format === "csv" ? CSV_BATCH_ROWS : TYPED_BATCH_ROWS;
    return { layout, ...(encoded ? { encoded } : { batches: snapshot.rows(query, batch) }), close: () => snapshot.close() };
  } catch (error) {
    await snapshot.close();
    throw error;
  }
}

export async function buildReportFile(options: BuildOptions): Promise<BuiltFile> {
  const factory = writerFactory(options.format);
  const source = await open(options, options.format === "csv");
  const hash = options.format === "csv" || options.format === "json" ? undefined : createHash("sha256");
  try {
    const target = { directory: options.directory, name: options.name, title: options.title.slice(0, 31) };
    const writer =
      options.threaded && THREADED.has(options.format)
        ? await openThreadedWriter(options.format, target, source.layout, options.threaded)
        : await factory.open(target, source.layout);
    try {
      return await write(writer, source, hash, options, factory.contentType);
    } catch (error) {
      await writer.abort();
      throw error;
    }
  } finally {
    await source.close();
  }
}

async function write(
  writer: RecordWriter,
  source: { batches?: AsyncIterable<unknown[][]>; encoded?: AsyncIterable<EncodedChunk> },
  hash: Hash | undefined,
  options: BuildOptions,
  contentType: string,
): Promise<BuiltFile> {
  const { signal } = options;
  if (source.encoded) {
    for await (const chunk of source.encoded) {
      if (signal.aborted) throw cancelled("the report");
      hash?.update(chunk.bytes);
      await writer.writeEncoded!(chunk);
      options.onRows?.(writer.rows);
    }
  } else {
    let rows = 0;
    for await (const batch of source.batches!) {
      if (signal.aborted) throw cancelled("the report");
      const taken = options.limit !== undefined && rows + batch.length > options.limit ? batch.slice(0, options.limit - rows) : batch;
      hash?.update(serialize(taken));
      await writer.write(taken);
      rows += taken.length;
      options.onRows?.(writer.rows);
      if (options.limit !== undefined && rows >= options.limit) break;
    }
  }
  if (signal.aborted) throw cancelled("the report");
  const done = await writer.close();
  return { ...done, contentType, contentHash: hash ? hash.digest("hex") : done.sha256 };
}
