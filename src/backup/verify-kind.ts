/**
 * Backups checked on a schedule: a `backup-verify` job (one at a time in the cluster, lock
 * `backup-verify`, no site) first expires what the policies' retention no longer keeps (`expiry.ts`,
 * retrying archives whose storage failed a delete), then re-reads every restorable backup whose last
 * verification is `backup.verifyEveryDays` old, or that was never verified: every part (or
 * `backup.verifySample` of them, or the schedule's `sample`) against its checksum, recorded on the
 * backup as its `verified` — the same record as `POST …/backups/{id}/verify`. A storage that cannot be
 * read is recorded as a failed verification naming it; the run itself completes, each failed backup a
 * warning.
 *
 * The scheduler fires it from one server-wide row of the schedules table (kind `backup-verify`, name
 * `backups`, daily at 03:00 UTC), made by the backup service when backups are first used; it can be
 * changed, disabled or run now through the schedules API like any other.
 */
import { z } from "zod";
import type { Config } from "../config.js";
import { parseWith } from "../core/contract.js";
import { isCancelled, isSluiceError, SluiceError } from "../core/errors.js";
import type { Job, JobMessage } from "../core/job.js";
import { nextRun, type Recurrence } from "../core/recurrence.js";
import type { JobKind } from "../jobs/kind.js";
import type { JobRunner } from "../jobs/runner.js";
import type { ScheduleTarget } from "../jobs/scheduler.js";
import type { ScheduleRecord, Store } from "../store/port.js";
import { verifyArchive } from "./archive/index.js";
import { BACKUP_KIND, type BackupResult, type BackupVerification } from "./backup-kind.js";
import { expireBackups } from "./expiry.js";
import type { BackupStorages } from "./storages.js";

export const VERIFY_KIND = "backup-verify";
/** The name of the server's own verification schedule. */
export const VERIFY_SCHEDULE = "backups";

const DAY = 86_400_000;
/** A backup verified by last week's run at 03:00:05 is due again at this week's 03:00. */
const SLACK = 3_600_000;

export interface VerifyParams {
  /** Parts to re-read per backup; default `backup.verifySample`, else all. */
  sample?: number;
}

export interface VerifyRunResult {
  /** Backups that became EXPIRED. */
  expired: number[];
  /** Backups verified, and those that failed (with their failures). */
  verified: number[];
  failed: { backupId: number; failures: BackupVerification["failures"] }[];
}

const verifyParams = z.strictObject({ sample: z.number().int().min(1).max(1_000_000).optional() });

export interface VerifyDeps {
  store: Store;
  storages: BackupStorages;
  config: Config;
  now?: () => number;
}

/** Re-reads a backup's archive (every part, or `sample`) and records the result on the backup. */
export async function verifyBackup(deps: Pick<VerifyDeps, "store" | "storages">, job: Job, sample: number | undefined, now: number): Promise<BackupVerification> {
  const result = job.result as unknown as BackupResult;
  const blobs = await deps.storages.open(result.storageId);
  const checked = await verifyArchive(blobs, result.prefix, { ...(sample !== undefined ? { sample } : {}), keys: deps.storages.keys() });
  const verified: BackupVerification = { at: now, ok: checked.ok, checkedParts: checked.checkedParts, failures: checked.failures };
  await recordVerification(deps.store, job.id, verified);
  return verified;
}

/** Writes `verified` into the backup's freshest record (an export may have added a copy meanwhile). */
async function recordVerification(store: Store, id: number, verified: BackupVerification): Promise<void> {
  const latest = await store.jobs.get(id);
  if (!latest?.result) return;
  await store.jobs.transition(id, [latest.status], { result: { ...latest.result, verified } });
}

/** Whether a restorable backup is due for a scheduled verification. */
export function verifyDue(result: BackupResult, everyDays: number, now: number): boolean {
  if (everyDays === 0) return false;
  return result.verified === undefined || now - result.verified.at >= everyDays * DAY - SLACK;
}

export function verifyKind(deps: VerifyDeps): JobKind<VerifyParams, VerifyRunResult> {
  return {
    name: VERIFY_KIND,
    noun: "the backup verification",
    lockKey: () => VERIFY_KIND,
    async run(ctx) {
      const { store, config } = deps;
      const now = deps.now?.() ?? Date.now();
      const expiry = await expireBackups(deps, now, { retryLeftovers: true });
      const warnings: JobMessage[] = expiry.left.map((l) => ({ key: "sluice.backup.expiry.failed", message: `Backup ${l.backupId} expired but its archive could not be deleted: ${l.reason}` }));
      const sample = ctx.job.params.sample ?? config.backup.verifySample;
      const { jobs } = await store.jobs.list({ kind: BACKUP_KIND, statuses: ["COMPLETED"] }, 0, 100_000);
      const due = jobs.filter((j) => {
        const result = j.result as unknown as BackupResult | null;
        return result !== null && result.expiredAt === undefined && verifyDue(result, config.backup.verifyEveryDays, now);
      });
      const outcome: VerifyRunResult = { expired: expiry.expired, verified: [], failed: [] };
      for (const [i, job] of due.entries()) {
        if (ctx.signal.aborted) throw new SluiceError("sluice.job.cancelled", "The backup verification was cancelled.");
        ctx.progress({ label: `backup ${job.id}`, done: i, total: due.length, unit: "backups", rate: 0, etaSeconds: null });
        let verified: BackupVerification;
        try {
          verified = await verifyBackup(deps, job, sample, now);
        } catch (error) {
          if (isCancelled(error)) throw error;
          // Unreadable now (its storage failed): that is what this verification found.
          const reason = isSluiceError(error) ? error.message : `the archive could not be read: ${(error as Error).message}`;
          verified = { at: now, ok: false, checkedParts: 0, failures: [{ part: "storage", reason }] };
          await recordVerification(store, job.id, verified);
        }
        outcome.verified.push(job.id);
        if (!verified.ok) {
          outcome.failed.push({ backupId: job.id, failures: verified.failures });
          const first = verified.failures[0];
          warnings.push({ key: "sluice.backup.verify.failed", message: `Backup ${job.id}: ${verified.failures.length} part(s) failed; ${first ? `${first.part}: ${first.reason}` : ""}`.slice(0, 255) });
        }
      }
      return {
        result: outcome,
        warnings,
        summary: { expired: outcome.expired.length, verified: outcome.verified.length, failed: outcome.failed.length },
      };
    },
  };
}

/** Fires the verification: queued for whichever node is free (none when one is queued or running). */
export function verifyScheduleTarget(runner: JobRunner): ScheduleTarget {
  return {
    kind: VERIFY_KIND,
    perSite: false,
    parseParams: (raw) => parseWith(verifyParams, raw, "params", "sluice.schedule.invalid"),
    async fire(row) {
      const params = parseWith(verifyParams, row.params, "params", "sluice.schedule.invalid");
      const queued = await runner.enqueue<VerifyParams>(VERIFY_KIND, { siteId: null, params, trigger: "schedule", scheduleId: row.id }, { coalesce: true });
      return queued.created ? queued.job.id : null;
    },
  };
}

/** The server's verification schedule, made when missing (daily at 03:00 UTC); an existing one is left as it is. */
export async function ensureVerifySchedule(store: Store, now: number): Promise<ScheduleRecord> {
  const existing = await store.schedules.byName(null, VERIFY_KIND, VERIFY_SCHEDULE);
  if (existing) return existing;
  const recurrence: Recurrence = { unit: "day", interval: 1, time: "03:00", zone: "UTC", start: now };
  return store.schedules.put({ siteId: null, kind: VERIFY_KIND, name: VERIFY_SCHEDULE, params: {}, recurrence, enabled: true, nextRunAt: nextRun(recurrence, now), owner: null }, now);
}
