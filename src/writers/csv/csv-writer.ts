/**
 * The CSV writer (the Data pipeline's files): rows rendered by the measured hot-path formatter
 * (`csv-format.ts`) into one byte buffer per batch, or records a store rendered itself in the same
 * bytes (`encoding`: SQLite's `sluice_csv`, PostgreSQL's `COPY`), streamed into `<name>.partial` with
 * backpressure, hashed while written and renamed when complete. A part of a big file written by one
 * of several lanes (`part`) has the header only in part 0 and no hash (the joined file is hashed).
 */
import type { RecordEncoding } from "../../core/csv.js";
import { FileSink } from "../file-sink.js";
import type { EncodedChunk, RecordLayout, RecordWriter, WriterFactory, WriterTarget, WrittenFile } from "../port.js";
import { ChunkBuilder } from "./chunk-builder.js";
import { headerLine, rowWriter } from "./csv-format.js";

export class CsvRecordWriter implements RecordWriter {
  readonly encoding: RecordEncoding;
  private readonly render: (row: readonly unknown[], out: ChunkBuilder) => void;
  private readonly chunk = new ChunkBuilder();
  /** The header, written with the first records (one write instead of two). */
  private pending: string;
  private count = 0;

  private constructor(
    private readonly sink: FileSink,
    private readonly name: string,
    layout: RecordLayout,
    header: string,
  ) {
    this.render = rowWriter(layout.columns, layout.input, layout.values, layout.instanceUrl);
    this.encoding = { format: "csv", columns: layout.columns, csv: layout.values, instanceUrl: layout.instanceUrl };
    this.pending = header;
  }

  /** Opens a file, or part `part` of one (`<name>` is then the part's own name). */
  static async open(target: WriterTarget, layout: RecordLayout, part?: number): Promise<CsvRecordWriter> {
    const sink = await FileSink.open(target.directory, target.name, { hash: part === undefined });
    const header = part === undefined || part === 0 ? headerLine(layout.columns) : "";
    return new CsvRecordWriter(sink, target.name, layout, header);
  }

  get rows(): number {
    return this.count;
  }

  get bytes(): number {
    return this.sink.bytes;
  }

  async write(rows: readonly (readonly unknown[])[]): Promise<void> {
    for (const row of rows) this.render(row, this.chunk);
    await this.writeEncoded({ bytes: this.chunk.take(), rows: rows.length });
  }

  async writeEncoded(chunk: EncodedChunk): Promise<void> {
    await this.flushHeader();
    this.count += chunk.rows;
    await this.sink.write(chunk.bytes);
  }

  private async flushHeader(): Promise<void> {
    if (this.pending.length === 0) return;
    const header = Buffer.from(this.pending, "utf8");
    this.pending = "";
    await this.sink.write(header);
  }

  async close(): Promise<WrittenFile> {
    await this.flushHeader();
    const done = await this.sink.complete();
    return { name: this.name, path: done.path, rows: this.count, bytes: done.bytes, sha256: done.sha256 };
  }

  async abort(): Promise<void> {
    this.pending = "";
    await this.sink.abort();
  }
}

export const csvWriter: WriterFactory = {
  format: "csv",
  extension: ".csv",
  contentType: "text/csv; charset=utf-8",
  open: (target, layout) => CsvRecordWriter.open(target, layout),
};
