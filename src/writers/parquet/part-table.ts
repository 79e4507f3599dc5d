/**
 * The DuckDB side of the Parquet writer: one in-memory DuckDB instance per file (one thread, 100 MB)
 * holding one typed table for the rows of the current part. Rows are gathered column by column into a
 * reused data chunk (at most one vector's worth, and never past the batch they came with: `flush`) and
 * appended; `copyPart` writes the table to a Parquet part and empties it, so DuckDB never holds more than
 * a part. `merge` joins the parts, in order, into the final file.
 *
 * Memory (1,000,000 pages of ~2.6 KB, `bench/export-parquet.ts`): values held across batches outlive
 * V8's young generation and fill the old one (~+100 MB of JS heap between collections); a table and
 * appender per part leave closed appenders whose native buffers wait for a GC (~0.25 MB each, ~300
 * parts); DuckDB's external file cache keeps the parts the merge reads (~+50 MB). Hence: chunks flushed
 * per batch and the chunk's vectors let go, one table and one appender emptied per part, no file cache.
 */
import {
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Column } from "../../core/entities/types.js";
import { SluiceError } from "../../core/errors.js";
import { createTable, duckColumn, quoteIdent, quoteLiteral, type DuckColumn } from "./columns.js";

const TABLE = "part";
/** Rows per appended chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;
const PARQUET = "FORMAT parquet, COMPRESSION zstd";

export class PartTable {
  private appender: DuckDBAppender | undefined;
  private readonly chunk: DuckDBDataChunk;
  private readonly duck: DuckColumn[];
  private pending: DuckDBValue[][];
  private pendingRows = 0;
  private closed = false;
  /** Rows and estimated bytes of the current part (appended or pending). */
  rows = 0;
  bytes = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly columns: readonly Column[],
  ) {
    this.duck = columns.map(duckColumn);
    this.chunk = DuckDBDataChunk.create(this.duck.map((c) => c.type));
    this.pending = this.duck.map(() => []);
  }

  /** A DuckDB instance whose spill files (if any) go to `spillDirectory`. */
  static async create(columns: readonly Column[], spillDirectory: string): Promise<PartTable> {
    const instance = await DuckDBInstance.create(":memory:", {
      threads: "1",
      memory_limit: "100MB",
      preserve_insertion_order: "true",
      temp_directory: spillDirectory,
      autoinstall_known_extensions: "false",
      // The merge reads each part once: caching them would only take memory.
      enable_external_file_cache: "false",
    });
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      const table = new PartTable(instance, connection, columns);
      await table.start();
      return table;
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  /** Adds one row of typed values (`writers/values.ts`). */
  add(values: readonly unknown[]): void {
    const duck = this.duck;
    let bytes = 0;
    for (let i = 0; i < duck.length; i++) {
      const value = duck[i]!.value(values[i]);
      bytes += duck[i]!.size(value);
      this.pending[i]!.push(value);
    }
    this.bytes += bytes;
    this.rows++;
    if (++this.pendingRows === CHUNK_ROWS) this.appendPending();
  }

  /**
   * Appends the rows gathered so far. The writer calls it after every batch, so that no value outlives
   * its batch (V8 then frees the strings young instead of promoting them).
   */
  flush(): void {
    this.appendPending();
  }

  /**
   * Writes the rows of the current part to `path` and empties the table. The table and its appender
   * stay: a closed appender's native buffers are freed only when V8 collects it.
   */
  async copyPart(path: string): Promise<void> {
    this.appendPending();
    this.appender?.flushSync();
    await this.connection.run(`COPY ${quoteIdent(TABLE)} TO ${quoteLiteral(path)} (${PARQUET}, USE_TMP_FILE false)`);
    await this.connection.run(`DELETE FROM ${quoteIdent(TABLE)}`);
    // Frees the deleted rows' blocks at once (without it the in-memory table keeps ~64 MB of them).
    await this.connection.run("CHECKPOINT");
    this.rows = 0;
    this.bytes = 0;
  }

  /** Joins `parts` in order into `path` (overwritten in place: its mode stays). */
  async merge(parts: readonly string[], path: string, rowGroupSize: number): Promise<void> {
    const list = parts.map(quoteLiteral).join(", ");
    const options = `${PARQUET}, ROW_GROUP_SIZE ${Math.max(1, Math.floor(rowGroupSize))}, USE_TMP_FILE false`;
    await this.connection.run(`COPY (SELECT * FROM read_parquet([${list}])) TO ${quoteLiteral(path)} (${options})`);
  }

  /** Stops a running statement (an abort during a copy or a merge). */
  interrupt(): void {
    this.connection.interrupt();
  }

  /** Frees DuckDB (every path: completed, failed, aborted). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.appender?.closeSync();
    } catch {
      // A failed appender has nothing left to flush.
    }
    this.appender = undefined;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async start(): Promise<void> {
    await this.connection.run(createTable(TABLE, this.columns));
    this.appender = await this.connection.createAppender(TABLE);
  }

  private appendPending(): void {
    if (this.pendingRows === 0) return;
    if (!this.appender) throw new SluiceError("sluice.internal", "the Parquet part table has no appender");
    this.chunk.setColumns(this.pending);
    this.appender.appendDataChunk(this.chunk);
    this.chunk.reset();
    // Setting the row count drops the chunk's vector objects, which hold the appended values.
    this.chunk.rowCount = 0;
    this.pending = this.duck.map(() => []);
    this.pendingRows = 0;
  }
}
