/**
 * Copying a backup's archive between storages as a kind of job (`backup-transfer`): an export copies it
 * from where it is to its policy's external storage (spec: "exports"), an import copies an exported
 * archive from that storage back into the built-in one (spec: "imports"). Every part is copied and its
 * SHA-256 compared with the manifest's, the manifest last, so an archive is never complete at the
 * target before all of its parts are; a failed copy deletes what it wrote there, the source is untouched.
 */
import { isSluiceError, SluiceError } from "../core/errors.js";
import type { JobKind } from "../jobs/kind.js";
import type { BlobStore } from "../storage/port.js";
import type { Store } from "../store/port.js";
import { MANIFEST_NAME, readManifest } from "./archive/index.js";
import type { BackupResult } from "./backup-kind.js";
import type { BackupStorages } from "./storages.js";

export const TRANSFER_KIND = "backup-transfer";

export interface TransferParams {
  backupId: number;
  direction: "export" | "import";
  /** The external storage it goes to (export) or comes from (import). */
  storageId: string;
}

export interface TransferResult {
  direction: "export" | "import";
  backupId: number;
  storageId: string;
  parts: number;
  bytes: number;
}

/** Copies an archive's parts, checked against its manifest, and the manifest last; returns parts and bytes. */
export async function copyArchive(from: BlobStore, to: BlobStore, prefix: string, signal: AbortSignal): Promise<{ parts: number; bytes: number }> {
  const at = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const manifest = await readManifest(from, at);
  let bytes = 0;
  try {
    for (const part of manifest.parts) {
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
  return { parts: manifest.parts.length, bytes };
}

export function transferKind(deps: { store: Store; storages: BackupStorages }): JobKind<TransferParams, TransferResult> {
  return {
    name: TRANSFER_KIND,
    noun: "the backup copy",
    lockKey: (_siteId, p) => `backup-transfer:${p.backupId}`,
    async run(ctx) {
      const { store, storages } = deps;
      const p = ctx.job.params;
      const backup = await store.jobs.get(p.backupId);
      const result = backup?.result as unknown as BackupResult | null | undefined;
      if (!backup || !result) throw new SluiceError("sluice.backup.not.found", `Backup ${p.backupId} has no archive.`);
      const external = await storages.open(p.storageId);
      const builtIn = await storages.open(null);
      const [from, to] = p.direction === "export" ? [await storages.open(result.storageId), external] : [external, builtIn];
      ctx.progress({ label: `${p.direction} to ${to.description}`, done: 0, total: result.parts, unit: "parts", rate: 0, etaSeconds: null });
      const copied = await copyArchive(from, to, result.prefix, ctx.signal);
      // The backup now has a copy there (export), or its archive back in the built-in storage (import).
      const latest = (await store.jobs.get(p.backupId))!;
      const now = latest.result as unknown as BackupResult;
      const next = p.direction === "export" ? { ...now, copies: [...new Set([...(now.copies ?? []), p.storageId])] } : { ...now, storageId: null };
      await store.jobs.transition(p.backupId, [latest.status], { result: next });
      return { result: { direction: p.direction, backupId: p.backupId, storageId: p.storageId, ...copied }, summary: copied };
    },
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.backup.failed", message: `The backup copy failed: ${(error as Error).message}` }),
  };
}
