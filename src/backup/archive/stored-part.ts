/**
 * Reading a part's stored bytes against the manifest: its byte count and SHA-256. `storedChunks`
 * streams them through and throws at the end (or as soon as there are too many bytes) when they do not
 * match; `checkStoredPart` re-reads a part whole and says what is wrong with it, without decoding it.
 */
import { createHash } from "node:crypto";
import { isSluiceError } from "../../core/errors.js";
import type { BlobStore } from "../../storage/port.js";
import { partCorrupt } from "./errors.js";
import type { ArchivePart } from "./format.js";

/** What is wrong with stored bytes of this count and hash, or undefined when they are the part's. */
export function storedMismatch(part: ArchivePart, bytes: number, sha256: string): string | undefined {
  if (bytes < part.bytes) return `truncated: ${bytes} of ${part.bytes} bytes`;
  if (bytes > part.bytes) return `checksum mismatch (${bytes} bytes, the manifest has ${part.bytes})`;
  if (sha256 !== part.sha256) return `checksum mismatch (sha256 ${sha256.slice(0, 16)}…, the manifest has ${part.sha256.slice(0, 16)}…)`;
  return undefined;
}

function tooLong(part: ArchivePart): string {
  return `checksum mismatch (more than the manifest's ${part.bytes} bytes)`;
}

function missing(store: BlobStore, key: string): string {
  return `missing: ${store.description} has no blob ${key}`;
}

async function open(store: BlobStore, key: string): Promise<NodeJS.ReadableStream | string> {
  try {
    return await store.get(key);
  } catch (error) {
    if (isSluiceError(error) && error.code === "sluice.storage.not.found") return missing(store, key);
    throw error;
  }
}

/** The stored bytes of `part` (blob `key`), checked as they pass; `where` names the archive. */
export async function* storedChunks(store: BlobStore, key: string, part: ArchivePart, where: string): AsyncGenerator<Buffer> {
  const body = await open(store, key);
  if (typeof body === "string") throw partCorrupt(part.name, body, where);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > part.bytes) throw partCorrupt(part.name, tooLong(part), where);
    hash.update(chunk);
    yield chunk;
  }
  const wrong = storedMismatch(part, bytes, hash.digest("hex"));
  if (wrong !== undefined) throw partCorrupt(part.name, wrong, where);
}

/** Re-reads a part's stored bytes: what is wrong with them, or undefined when they match. */
export async function checkStoredPart(store: BlobStore, key: string, part: ArchivePart): Promise<{ reason?: string; bytes: number }> {
  const body = await open(store, key);
  if (typeof body === "string") return { reason: body, bytes: 0 };
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > part.bytes) return { reason: tooLong(part), bytes };
    hash.update(chunk);
  }
  const reason = storedMismatch(part, bytes, hash.digest("hex"));
  return reason === undefined ? { bytes } : { reason, bytes };
}
