/**
 * A record writer for text formats made of a head, one line per record and a tail (JSON, NDJSON).
 * Rows are converted (`typedRow`) and encoded one by one and never held: the text is handed to the file
 * in ~1 MB chunks, each awaited (backpressure).
 */
import { cancelled } from "../../core/errors.js";
import type { RecordLayout, RecordWriter, WriterTarget, WrittenFile } from "../port.js";
import { FileSink, type SunkFile } from "../file-sink.js";
import { typedRow } from "../values.js";

/** Text gathered before it is written to the file (UTF-16 units: ~1 MB of mostly ASCII). */
const CHUNK_CHARS = 1 << 20;

export interface TextFormat {
  /** Written before the first record. */
  head: string;
  /** Written between two records. */
  separator: string;
  /** Written after the last record (given the number of records). */
  tail: (rows: number) => string;
  /** One record's text from its typed values. */
  record: (values: readonly unknown[]) => string;
}

export class TextRecordWriter implements RecordWriter {
  private readonly typed: (row: readonly unknown[]) => unknown[];
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;
  private aborted = false;

  private constructor(
    private readonly sink: FileSink,
    private readonly name: string,
    private readonly format: TextFormat,
    layout: RecordLayout,
  ) {
    this.typed = typedRow(layout);
    this.add(format.head);
  }

  static async open(target: WriterTarget, layout: RecordLayout, format: TextFormat): Promise<TextRecordWriter> {
    const sink = await FileSink.open(target.directory, target.name);
    return new TextRecordWriter(sink, target.name, format, layout);
  }

  get rows(): number {
    return this.count;
  }

  async write(rows: readonly (readonly unknown[])[]): Promise<void> {
    if (this.aborted) throw cancelled("the file");
    const { separator, record } = this.format;
    for (const row of rows) {
      const text = record(this.typed(row));
      this.add(this.count === 0 ? text : separator + text);
      this.count++;
      if (this.pendingChars >= CHUNK_CHARS) await this.flush();
    }
  }

  /** Completes the file; a file that cannot be completed is removed. */
  async close(): Promise<WrittenFile> {
    if (this.aborted) throw cancelled("the file");
    let file: SunkFile;
    try {
      this.add(this.format.tail(this.count));
      await this.flush();
      file = await this.sink.complete();
    } catch (error) {
      await this.abort();
      throw error;
    }
    return { name: this.name, path: file.path, rows: this.count, bytes: file.bytes, sha256: file.sha256 };
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.pending = [];
    this.pendingChars = 0;
    await this.sink.abort();
  }

  private add(text: string): void {
    if (text.length === 0) return;
    this.pending.push(text);
    this.pendingChars += text.length;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.pendingChars = 0;
    await this.sink.write(Buffer.from(text, "utf8"));
  }
}
