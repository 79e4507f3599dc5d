/**
 * Copying a backup's archive between storages as a kind of job (`backup-transfer`): an export copies it
 * from where it is to its policy's external storage (spec: "exports"), an import copies an exported
 * archive from that storage back into the built-in one (spec: "imports"). Every part is copied and its
 * SHA-256 compared with the manifest's, the manifest last, so an archive is never complete at the
 * target before all of its parts are; a failed copy deletes what it wrote there, the source is untouched
 * (`copy-archive.ts`). The backup's record follows: an export adds the storage to its `copies`; an
 * import makes the built-in storage the archive's home and keeps the storage it came from among its
 * `copies` (the archive is still there). A FAILED backup's kept local copy may be exported too.
 */
import { isSluiceError, SluiceError } from "../core/errors.js";
import type { JobKind } from "../jobs/kind.js";
import type { Store } from "../store/port.js";
import type { BackupResult } from "./backup-kind.js";
import { copyArchive } from "./copy-archive.js";
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
      const label = `${p.direction} to ${to.description}`;
      const copied = await copyArchive(from, to, result.prefix, ctx.signal, (done, total) => ctx.progress({ label, done, total, unit: "parts", rate: 0, etaSeconds: null }));
      // The backup now has a copy there (export), or its archive back in the built-in storage while the
      // external one stays (import).
      const latest = (await store.jobs.get(p.backupId))!;
      const now = latest.result as unknown as BackupResult;
      const copies = [...new Set([...(now.copies ?? []), p.storageId])];
      const next = p.direction === "export" ? { ...now, copies } : { ...now, storageId: null, copies };
      await store.jobs.transition(p.backupId, [latest.status], { result: next });
      return { result: { direction: p.direction, backupId: p.backupId, storageId: p.storageId, ...copied }, summary: copied };
    },
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.backup.failed", message: `The backup copy failed: ${(error as Error).message}` }),
  };
}
