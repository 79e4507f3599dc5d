/**
 * Builds a report's file: the plan's query read from a snapshot of the site (inside the store, with
 * the viewer's permissions), written by the format's record writer (CSV, XLSX, JSON, Parquet) into a
 * `.partial` file renamed when complete. A CSV report of every column in key order takes the records
 * the store renders itself, as the Data pipeline export does. The content hash is of the rows (not the
 * file's bytes, which hold timestamps in XLSX and Parquet), for "only when changed".
 */
import { createHash } from "node:crypto";
import { serialize } from "node:v8";
import type { CsvOptions } from "../core/csv.js";
import { cancelled } from "../core/errors.js";
import type { Store } from "../store/port.js";
import { writerFactory, type WrittenFile } from "../writers/index.js";
import type { RecordLayout } from "../writers/port.js";
import { planInput, type ReportPlan } from "./report-query.js";
import type { ReportFormatName } from "./schedule-model.js";

const BATCH = 2000;

export interface BuildOptions {
  store: Store;
  siteId: number;
  plan: ReportPlan;
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
}

export interface BuiltFile extends WrittenFile {
  contentType: string;
  contentHash: string;
}

export function reportLayout(plan: ReportPlan, instanceUrl: string, csv: CsvOptions): RecordLayout {
  return { columns: plan.columns, input: planInput(plan), instanceUrl, values: csv };
}

export async function buildReportFile(options: BuildOptions): Promise<BuiltFile> {
  const { plan, signal } = options;
  const factory = writerFactory(options.format);
  const layout = reportLayout(plan, options.instanceUrl, options.csv);
  const writer = await factory.open({ directory: options.directory, name: options.name, title: options.title.slice(0, 31) }, layout);
  const hash = createHash("sha256");
  const snapshot = await options.store.data.snapshot(options.siteId);
  try {
    const query = options.limit !== undefined ? { ...plan.query, limit: options.limit } : plan.query;
    const encoded =
      plan.whole && options.limit === undefined && writer.writeEncoded && writer.encoding
        ? await snapshot.encode?.(query, { format: "csv", columns: plan.columns, csv: options.csv, instanceUrl: options.instanceUrl })
        : undefined;
    if (encoded) {
      for await (const chunk of encoded) {
        if (signal.aborted) throw cancelled("the report");
        hash.update(chunk.bytes);
        await writer.writeEncoded!(chunk);
        options.onRows?.(writer.rows);
      }
    } else {
      for await (const batch of snapshot.rows(query, BATCH)) {
        if (signal.aborted) throw cancelled("the report");
        hash.update(serialize(batch));
        await writer.write(batch);
        options.onRows?.(writer.rows);
      }
    }
    if (signal.aborted) throw cancelled("the report");
    const done = await writer.close();
    return { ...done, contentType: factory.contentType, contentHash: hash.digest("hex") };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await snapshot.close();
  }
}
