/**
 * Expiry: each policy's backups past its retention (`retention.ts`) become EXPIRED and their archive is
 * deleted from its home storage (the result's `storageId`); a FAILED backup's kept local copy goes after
 * the policy's `days` (or `backup.retentionDays`). Copies exported to external storages (`copies`) are
 * the organisation's and stay. An archive whose storage fails the delete is EXPIRED all the same, with
 * `deleteFailed` saying why; the scheduled run (`verify-kind.ts`) deletes it when the storage answers.
 */
import type { Config } from "../config.js";
import type { Job } from "../core/job.js";
import type { Store } from "../store/port.js";
import { BACKUP_KIND, type BackupParams, type BackupResult } from "./backup-kind.js";
import { applyRetention, keptCopyDays } from "./retention.js";
import type { BackupStorages } from "./storages.js";

const DAY = 86_400_000;
const PAGE = 1000;

export interface ExpiryDeps {
  store: Store;
  storages: BackupStorages;
  config: Config;
}

export interface ExpiryOutcome {
  /** Backups that became EXPIRED. */
  expired: number[];
  /** Archives of expired backups still in their storage, and why. */
  left: { backupId: number; reason: string }[];
}

/** When a backup ended (what retention counts from). */
export function backupTime(job: Job): number {
  return job.completedTime ?? job.createdAt;
}

/** Finished backups that still hold an archive, and (with `leftovers`) expired ones whose delete failed. */
async function finishedBackups(store: Store): Promise<Job[]> {
  const seen = new Map<number, Job>();
  for (let offset = 0; ; offset += PAGE) {
    const { jobs } = await store.jobs.list({ kind: BACKUP_KIND, statuses: ["COMPLETED", "FAILED"] }, offset, PAGE);
    for (const job of jobs) if (job.result) seen.set(job.id, job);
    if (jobs.length < PAGE) return [...seen.values()];
  }
}

async function deleteArchive(deps: ExpiryDeps, result: BackupResult): Promise<string | undefined> {
  try {
    await (await deps.storages.open(result.storageId)).deletePrefix(`${result.prefix}/`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Expires what each policy's retention no longer keeps; with `retryLeftovers`, deletes again the
 * archives of expired backups whose storage failed before.
 */
export async function expireBackups(deps: ExpiryDeps, now: number, options: { retryLeftovers?: boolean } = {}): Promise<ExpiryOutcome> {
  const { store, config } = deps;
  const outcome: ExpiryOutcome = { expired: [], left: [] };
  const byPolicy = new Map<string, Job[]>();
  const leftovers: Job[] = [];
  for (const job of await finishedBackups(store)) {
    const result = job.result as unknown as BackupResult;
    if (result.expiredAt !== undefined) {
      if (result.deleteFailed !== undefined) leftovers.push(job);
      continue;
    }
    // A failed backup holds an archive only when it kept its local copy.
    if (job.status === "FAILED" && result.storageFailure === undefined) continue;
    const policyId = (job.params as unknown as BackupParams).policyId;
    byPolicy.set(policyId, [...(byPolicy.get(policyId) ?? []), job]);
  }

  const expiring: Job[] = [];
  for (const [policyId, jobs] of byPolicy) {
    const retention = (await store.backups.policy(policyId))?.retention ?? null;
    const restorable = jobs.filter((j) => j.status === "COMPLETED");
    const decision = new Set(applyRetention(restorable.map((j) => ({ id: j.id, at: backupTime(j) })), retention, config.backup.retentionDays, now).expire);
    expiring.push(...restorable.filter((j) => decision.has(j.id)));
    const keptFor = keptCopyDays(retention, config.backup.retentionDays) * DAY;
    expiring.push(...jobs.filter((j) => j.status === "FAILED" && now - backupTime(j) >= keptFor));
  }

  for (const job of expiring) {
    const result = job.result as unknown as BackupResult;
    const failed = await deleteArchive(deps, result);
    const next: BackupResult = { ...result, expiredAt: now, ...(failed === undefined ? {} : { deleteFailed: failed }) };
    if (await store.jobs.transition(job.id, [job.status], { result: next as unknown as Job["result"] })) {
      outcome.expired.push(job.id);
      if (failed !== undefined) outcome.left.push({ backupId: job.id, reason: failed });
    }
  }

  if (options.retryLeftovers) {
    for (const job of leftovers) {
      const result = job.result as unknown as BackupResult;
      const failed = await deleteArchive(deps, result);
      if (failed !== undefined) {
        outcome.left.push({ backupId: job.id, reason: failed });
        continue;
      }
      const { deleteFailed: _gone, ...rest } = result;
      await store.jobs.transition(job.id, [job.status], { result: rest });
    }
  }
  return outcome;
}
