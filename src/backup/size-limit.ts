/**
 * The size limit of a product's backups (`backup.maxBytes.<product>`): a blob store in front of the one
 * an archive is written to that counts every byte put through it, and fails the put that passes the
 * limit with `sluice.backup.too.large` (the part's stream is destroyed with that error, so the writer
 * stops at once, not at the end of the part). Reads and deletes go straight through.
 */
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SluiceError } from "../core/errors.js";
import type { BlobInfo, BlobStore, StoredBlob } from "../storage/port.js";

/** `1.5 MB`, `120 KB`, `3 bytes`. */
export function sizeText(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export class SizeLimitedBlobStore implements BlobStore {
  /** Bytes put so far. */
  written = 0;
  /** The error the limit raised, once it did. */
  exceeded: SluiceError | undefined;

  constructor(
    private readonly inner: BlobStore,
    readonly limit: number,
    /** The error for a store that passed the limit after `written` bytes. */
    private readonly tooLarge: (written: number) => SluiceError,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }

  get description(): string {
    return this.inner.description;
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<StoredBlob> {
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.written += chunk.length;
        if (this.written > this.limit) {
          this.exceeded ??= this.tooLarge(this.written);
          done(this.exceeded);
          return;
        }
        done(null, chunk);
      },
    });
    // The body is destroyed with the limit's error, which its writer then reports.
    const flowing = pipeline(body, counter);
    const [flowed, put] = await Promise.allSettled([flowing, this.inner.put(key, counter, signal)]);
    if (this.exceeded) throw this.exceeded;
    if (flowed.status === "rejected") throw flowed.reason;
    if (put.status === "rejected") throw put.reason;
    return put.value;
  }

  get(key: string, signal?: AbortSignal): Promise<Readable> {
    return this.inner.get(key, signal);
  }

  head(key: string): Promise<BlobInfo | undefined> {
    return this.inner.head(key);
  }

  list(prefix: string): AsyncIterable<BlobInfo> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }

  check(): Promise<void> {
    return this.inner.check();
  }
}
