/**
 * The `RecordWriter` port: one file of records in one format. A writer is opened with the columns of
 * the file (names and types from the entity registry) and the layout of the rows it will receive, takes
 * rows in batches with backpressure, and on `close` renames its `.partial` file to the final name and
 * says what it wrote (rows, bytes, sha256). Formats live in `writers/<format>/`, one folder each, with
 * the same shape: a `WriterFactory` and its writer.
 *
 * A writer may also accept records its format's bytes already rendered elsewhere (`encoding`): the CSV
 * writer takes records a store rendered itself (SQLite's `sluice_csv`, PostgreSQL's `COPY`).
 */
import type { CsvOptions, EncodedChunk, RecordEncoding } from "../core/csv.js";
import type { Column } from "../core/entities/types.js";

export type { EncodedChunk, RecordEncoding };

/**
 * Rows per read batch for the typed formats (XLSX, Parquet, JSON): every row is converted in JavaScript
 * and held until the format's library takes it, and smaller batches keep the heap — and peak RSS — lower
 * at the same speed (an export of 1,000,000 pages to Parquet: 1,000 rows 288–319 MB, 250 rows 243–265 MB;
 * a report of 200,000 issues to Parquet: 2,000 rows 342–353 MB, 250 rows 249–279 MB).
 */
export const TYPED_BATCH_ROWS = 250;

export const OUTPUT_FORMATS = ["csv", "json", "ndjson", "xlsx", "parquet"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** The rows a writer receives, and the columns of the file it makes of them. */
export interface RecordLayout {
  /** Columns of the file, in order (names and types from the registry). */
  readonly columns: readonly Column[];
  /**
   * Columns of each row given to `write`, in order (for an export: the entity's stored columns). Each
   * file column is found here by name; `instance` columns are not: their value is `instanceUrl`.
   */
  readonly input: readonly Column[];
  /** The site's base URL: the value of `instance` columns and the prefix of `url` columns. */
  readonly instanceUrl: string;
  /** Value rules: long text is cut to these lengths in every format; CSV also escapes line breaks with them. */
  readonly values: CsvOptions;
}

/** Where the file goes. The writer writes `<directory>/<name>.partial` (mode 0600) and renames it on close. */
export interface WriterTarget {
  readonly directory: string;
  /** The final file name, extension included. */
  readonly name: string;
  /** A human title for formats that hold one (the XLSX sheet name); default: the name without extension. */
  readonly title?: string;
}

export interface WrittenFile {
  name: string;
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** Things the reader of the file should know (e.g. a value cut to a format's cell limit). */
  warnings?: string[];
}

export interface RecordWriter {
  /** Rows in `layout.input` order (store values: see `writers/values.ts`); resolves once accepted. */
  write(rows: readonly (readonly unknown[])[]): Promise<void>;
  /** The encoding this writer accepts through `writeEncoded`, when it accepts any. */
  readonly encoding?: RecordEncoding;
  /** Records already rendered in `encoding`; resolves once accepted. */
  writeEncoded?(chunk: EncodedChunk): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
  /** Bytes written so far, for writers that know it as they go. */
  readonly bytes?: number;
  /** Completes the file (flush, close, rename to its final name) and says what it holds. */
  close(): Promise<WrittenFile>;
  /** Stops and removes everything written so far (a cancelled or failed job). */
  abort(): Promise<void>;
}

export interface WriterFactory {
  readonly format: OutputFormat;
  /** The file name extension, with its dot (`.csv`). */
  readonly extension: string;
  readonly contentType: string;
  open(target: WriterTarget, layout: RecordLayout): Promise<RecordWriter>;
}
