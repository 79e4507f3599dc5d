/**
 * Writes one export file: `<name>.partial` created owner-only (0600), streamed with backpressure,
 * hashed while written, renamed to `<name>` only when complete.
 */
import { createHash, type Hash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { once } from "node:events";

export interface WrittenFile {
  name: string;
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export class CsvFileWriter {
  private readonly stream: WriteStream;
  /** Absent for a part of a file: the whole file is hashed when its parts are joined. */
  private readonly hash: Hash | undefined;
  private pending = "";
  private bytes = 0;
  rows = 0;

  private constructor(
    private readonly path: string,
    private readonly name: string,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash("sha256") : undefined;
    // A few MB may wait for the disk while the next records are produced (no stall per write).
    this.stream = createWriteStream(`${path}.partial`, { flags: "wx", mode: 0o600, highWaterMark: 4 << 20 });
  }

  static async open(path: string, name: string, header: string, options: { hash?: boolean } = {}): Promise<CsvFileWriter> {
    const writer = new CsvFileWriter(path, name, options.hash ?? true);
    await once(writer.stream, "open");
    writer.pending = header;
    return writer;
  }

  /** Adds rendered records; resolves once the data is accepted by the file stream (backpressure). */
  async write(records: Buffer, rowCount: number): Promise<void> {
    await this.flush();
    this.rows += rowCount;
    await this.writeBuffer(records);
  }

  private async writeBuffer(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    this.hash?.update(buf);
    this.bytes += buf.length;
    if (!this.stream.write(buf)) await once(this.stream, "drain");
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buf = Buffer.from(this.pending, "utf8");
    this.pending = "";
    await this.writeBuffer(buf);
  }

  /** Flushes, closes and renames the file to its final name. */
  async complete(): Promise<WrittenFile> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
    await rename(`${this.path}.partial`, this.path);
    return { name: this.name, path: this.path, rows: this.rows, bytes: this.bytes, sha256: this.hash?.digest("hex") ?? "" };
  }

  /** Closes and removes the partial file (cancelled or failed export). */
  async abort(): Promise<void> {
    this.pending = "";
    if (!this.stream.closed) {
      this.stream.destroy();
      await once(this.stream, "close").catch(() => undefined);
    }
    await unlink(`${this.path}.partial`).catch(() => undefined);
  }
}
