/**
 * The life of one output file, shared by the writers: `<directory>/<name>.partial` is created
 * owner-only (mode 0600, flag "wx": never over an existing file), written with backpressure and hashed
 * (sha256) and counted while written, renamed to `<name>` on `complete`, removed on `abort`.
 * `hashFile` hashes a file some other program wrote (DuckDB's Parquet) by streaming it.
 *
 * Where the bytes are written: on the main thread through a stream (libuv's thread pool does the
 * writes, the thread goes on); in a worker thread (an export's lane) by the thread itself, with
 * `writeSync`. A lane has nothing else to do meanwhile, and its writes then run at its own priority:
 * through the pool, shared with the API's thread and at the normal priority, copying 300 MB/s into the
 * page cache competed with the requests (bench/export-impact.ts, docs/benchmarks.md).
 */
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { closeSync, createReadStream, createWriteStream, openSync, writeSync, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { cancelled } from "../core/errors.js";

export interface SunkFile {
  path: string;
  bytes: number;
  sha256: string;
}

export function partialPath(directory: string, name: string): string {
  return `${join(directory, name)}.partial`;
}

/** Where a sink's bytes go: a write stream, or a file descriptor written by the calling thread. */
interface Output {
  /** Resolves when more may be written. */
  write(buf: Buffer): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
  /** Closes without flushing. */
  destroy(): Promise<void>;
  /** The first error of the output, if any (a full disk…). */
  readonly failure: Error | undefined;
}

class StreamOutput implements Output {
  failure: Error | undefined;

  constructor(private readonly stream: WriteStream) {
    stream.on("error", (error) => {
      this.failure ??= error; // kept so that it never goes unhandled
    });
  }

  static async open(path: string): Promise<StreamOutput> {
    // A few MB may wait for the disk while the next records are produced (no stall per write).
    const stream = createWriteStream(path, { flags: "wx", mode: 0o600, highWaterMark: 4 << 20 });
    const output = new StreamOutput(stream);
    await once(stream, "open");
    return output;
  }

  async write(buf: Buffer): Promise<void> {
    if (!this.stream.write(buf)) await this.until("drain");
  }

  async close(): Promise<void> {
    this.stream.end();
    if (!this.stream.closed) await this.until("close");
  }

  async destroy(): Promise<void> {
    if (!this.stream.closed) {
      this.stream.destroy();
      await this.until("close");
    }
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

class DirectOutput implements Output {
  failure: Error | undefined;
  private fd: number | undefined;

  constructor(path: string) {
    this.fd = openSync(path, "wx", 0o600);
  }

  write(buf: Buffer): Promise<void> {
    try {
      for (let at = 0; at < buf.length; ) at += writeSync(this.fd!, buf, at);
    } catch (error) {
      this.failure ??= error as Error;
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.destroy();
  }

  destroy(): Promise<void> {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch (error) {
        this.failure ??= error as Error;
      }
    }
    return Promise.resolve();
  }
}

export class FileSink {
  readonly path: string;
  readonly partial: string;
  /** Absent for a part of a file: the whole file is hashed when its parts are joined. */
  private readonly hash: Hash | undefined;
  private bytesWritten = 0;
  private aborted = false;

  private constructor(
    directory: string,
    name: string,
    private readonly output: Output,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash("sha256") : undefined;
    this.path = join(directory, name);
    this.partial = partialPath(directory, name);
  }

  static async open(directory: string, name: string, options: { hash?: boolean } = {}): Promise<FileSink> {
    const path = partialPath(directory, name);
    const output = isMainThread ? await StreamOutput.open(path) : new DirectOutput(path);
    return new FileSink(directory, name, output, options.hash ?? true);
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
    await this.output.write(buf);
    this.check();
  }

  /** Flushes, closes and renames the file to its final name. */
  async complete(): Promise<SunkFile> {
    this.check();
    await this.output.close();
    this.check();
    await rename(this.partial, this.path);
    return { path: this.path, bytes: this.bytesWritten, sha256: this.hash?.digest("hex") ?? "" };
  }

  /** Closes and removes the partial file. */
  async abort(): Promise<void> {
    this.aborted = true;
    await this.output.destroy();
    await unlink(this.partial).catch(() => undefined);
  }

  private check(): void {
    if (this.output.failure) throw this.output.failure;
    if (this.aborted) throw cancelled("the file");
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
