/**
 * The `BlobStore` port (issue 16): where backups, and exports that name a storage, keep their bytes.
 * Keys are `/`-separated relative paths (`backups/12/manifest.json`); a blob appears under its key only
 * once complete (a reader never sees a partial blob), and `put` says what it stored. Adapters live in
 * their own folders: `filesystem/` (the server's own directory: the built-in storage) and `s3/` (any
 * S3-compatible endpoint). Errors of an unreachable storage or refused credentials are
 * `sluice.storage.unavailable` naming the storage.
 */
import type { Readable } from "node:stream";

export interface StoredBlob {
  key: string;
  bytes: number;
  /** SHA-256 of the bytes, hex (computed while writing). */
  sha256: string;
}

export interface BlobInfo {
  key: string;
  bytes: number;
}

export interface BlobStore {
  /** `filesystem` or `s3`. */
  readonly kind: string;
  /** A name for messages: `filesystem /var/lib/sluice/backups`, `s3 bucket/prefix at https://…`. */
  readonly description: string;
  /** Streams `body` to `key`, visible only when complete; replaces an older blob of the same key. */
  put(key: string, body: Readable, signal?: AbortSignal): Promise<StoredBlob>;
  /** The blob's bytes; `sluice.storage.not.found` when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Readable>;
  /** Size of the blob, or undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Every blob under a prefix (`backups/12/`), in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Deletes one blob (no error when it is gone already). */
  delete(key: string): Promise<void>;
  /** Deletes every blob under a prefix; returns how many went. */
  deletePrefix(prefix: string): Promise<number>;
  /** Reaches the storage with its credentials (a cheap list); throws `sluice.storage.unavailable`. */
  check(): Promise<void>;
}

/** A key as blob stores take it: relative, `/`-separated, no `.` or `..` segments, no NUL. */
export function checkKey(key: string): string {
  if (key === "" || key.startsWith("/") || key.includes("\\") || key.includes("\u0000") || key.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new Error(`not a blob key: ${JSON.stringify(key.slice(0, 200))}`);
  }
  return key;
}
