/**
 * The life of one output file, shared by the writers: `<directory>/<name>.partial` is created
 * owner-only (mode 0600, flag "wx": never over an existing file), written with backpressure and hashed
 * (sha256) and counted while written, renamed to `<name>` on `complete`, removed on `abort`.
 * `hashFile` hashes a file some other program wrote (DuckDB's Parquet) by streaming it.
 */
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { cancelled } from "../core/errors.js";

export interface SunkFile {
  path: string;
  bytes: number;
  sha256: string;
}

export function partialPath(directory: string, name: string): string {
  return `${join(directory, name)}.partial`;
}

export class FileSink {
  readonly path: string;
  readonly partial: string;
  /** Absent for a part of a file: the whole file is hashed when its parts are joined. */
  private readonly hash: Hash | undefined;
  private bytesWritten = 0;
  /** The stream's error (a full disk…), thrown by the next call; kept so that it never goes unhandled. */
  private failure: Error | undefined;
  private aborted = false;

  private constructor(
    directory: string,
    name: string,
    private readonly stream: WriteStream,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash("sha256") : undefined;
    this.path = join(directory, name);
    this.partial = partialPath(directory, name);
    stream.on("error", (error) => {
      this.failure ??= error;
    });
  }

  static async open(directory: string, name: string, options: { hash?: boolean } = {}): Promise<FileSink> {
    // A few MB may wait for the disk while the next records are produced (no stall per write).
    const stream = createWriteStream(partialPath(directory, name), { flags: "wx", mode: 0o600, highWaterMark: 4 << 20 });
    await once(stream, "open");
    return new FileSink(directory, name, stream, options.hash ?? true);
  }

  get bytes(): number {
    return this.bytesWritten;
  }

  /** Adds bytes; resolves once the file stream accepts more (backpressure). */
  async write(buf: Buffer): Promise<void> {
    this.check();
    if (buf.length === 0) return;
    this.hash?.update(buf);
    this.bytesWritten += buf.length;
    if (!this.stream.write(buf)) await this.until("drain");
    this.check();
  }

  /** Flushes, closes and renames the file to its final name. */
  async complete(): Promise<SunkFile> {
    this.check();
    this.stream.end();
    if (!this.stream.closed) await this.until("close");
    this.check();
    await rename(this.partial, this.path);
    return { path: this.path, bytes: this.bytesWritten, sha256: this.hash?.digest("hex") ?? "" };
  }

  /** Closes and removes the partial file. */
  async abort(): Promise<void> {
    this.aborted = true;
    if (!this.stream.closed) {
      this.stream.destroy();
      await this.until("close");
    }
    await unlink(this.partial).catch(() => undefined);
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.aborted) throw cancelled("the file");
  }

  /** Waits for an event of the stream, or for its end (closed, failed), whichever comes first. */
  private until(event: "drain" | "close"): Promise<void> {
    const stream = this.stream;
    if (stream.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stream.off(event, done).off("close", done).off("error", done);
        resolve();
      };
      stream.on(event, done).on("close", done).on("error", done);
    });
  }
}

/** Size and sha256 of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    bytes += buf.length;
  }
  return { bytes, sha256: hash.digest("hex") };
}
