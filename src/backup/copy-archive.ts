/**
 * Copies a backup archive between blob stores: every part, its bytes and SHA-256 compared with the
 * manifest's, the manifest last, so the archive is never complete at the target before all of its parts
 * are; a failure deletes what was written there, the source is untouched. Used by a backup that stores
 * its archive in an external storage and by exports and imports (`transfer-kind.ts`).
 */
import { SluiceError } from "../core/errors.js";
import type { BlobStore } from "../storage/port.js";
import { MANIFEST_NAME, readManifest } from "./archive/index.js";

export interface CopyProgress {
  (done: number, total: number): void;
}

/** Copies an archive's parts, checked against its manifest, and the manifest last; returns parts and bytes. */
export async function copyArchive(from: BlobStore, to: BlobStore, prefix: string, signal: AbortSignal, progress?: CopyProgress): Promise<{ parts: number; bytes: number }> {
  const at = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const manifest = await readManifest(from, at);
  let bytes = 0;
  try {
    for (const [i, part] of manifest.parts.entries()) {
      progress?.(i, manifest.parts.length);
      const stored = await to.put(at + part.name, await from.get(at + part.name, signal), signal);
      if (stored.sha256 !== part.sha256 || stored.bytes !== part.bytes) {
        throw new SluiceError("sluice.backup.archive.corrupt", `part ${part.name}: the copy at ${to.description} does not match the manifest (sha256 ${stored.sha256.slice(0, 12)}…, ${stored.bytes} bytes; expected ${part.sha256.slice(0, 12)}…, ${part.bytes} bytes).`);
      }
      bytes += stored.bytes;
    }
    bytes += (await to.put(at + MANIFEST_NAME, await from.get(at + MANIFEST_NAME, signal), signal)).bytes;
  } catch (error) {
    await to.deletePrefix(at).catch(() => undefined);
    throw error;
  }
  progress?.(manifest.parts.length, manifest.parts.length);
  return { parts: manifest.parts.length, bytes };
}
