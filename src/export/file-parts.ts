/**
 * One big entity file written by several lanes at once: each lane writes a key range of the rows to
 * `<name>.part<i>` (part 0 with the header), and the parts are joined in key order into `<name>`,
 * hashed on the way (the manifest's sha256 is the whole file's), in a thread of its own
 * (`join-worker.ts`). Joining renames part 0 and appends the others, so only the later parts are copied.
 * Until the join renames the result, nothing carries
 * the file's final name: a crash leaves `.partial` and `.part<i>` files, never a complete-looking one.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { cancelled } from "../core/errors.js";
import { partName } from "./file-names.js";

export interface JoinedFile {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Joins the completed parts `0..count-1` of `name` in `directory` into `name` (via `name.partial`).
 * `rows` is the sum of the parts' rows. Removes the parts.
 */
export async function joinParts(directory: string, name: string, count: number, rows: number, signal: AbortSignal): Promise<JoinedFile> {
  const target = join(directory, name);
  const partial = `${target}.partial`;
  renameSync(join(directory, partName(name, 0)), partial);
  const hash = createHash("sha256");
  let bytes = 0;
  // Synchronous I/O: the thread of its own does it at its own (background) priority, not libuv's pool.
  const out = openSync(partial, "a");
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let i = 0; i < count; i++) {
      const path = i === 0 ? partial : join(directory, partName(name, i));
      // Part 0 is already in place: read it for the hash only. Later parts are appended.
      const input = openSync(path, "r");
      try {
        for (let chunks = 1; ; chunks++) {
          if (chunks % 64 === 0) await new Promise((resolve) => setImmediate(resolve)); // hear a cancel
          if (signal.aborted) throw cancelled("the export");
          const bytesRead = readSync(input, buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          const chunk = buffer.subarray(0, bytesRead);
          hash.update(chunk);
          bytes += bytesRead;
          for (let at = 0; i > 0 && at < bytesRead; ) at += writeSync(out, chunk, at);
        }
      } finally {
        closeSync(input);
      }
      if (i > 0) unlinkSync(path);
    }
  } catch (error) {
    try {
      closeSync(out);
    } catch {
      // already failing
    }
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  closeSync(out);
  renameSync(partial, target);
  return { rows, bytes, sha256: hash.digest("hex") };
}

/** Removes whatever parts of `name` exist (a failed or cancelled export). */
export async function removeParts(directory: string, name: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const path = join(directory, partName(name, i));
    await unlink(path).catch(() => undefined);
    await unlink(`${path}.partial`).catch(() => undefined);
  }
}
