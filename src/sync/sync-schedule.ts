/**
 * A synced site stays fresh with only the server running: its source gets two rows of the schedules
 * table — an incremental sync every `intervalMinutes` (15 by default) and a reconcile (every id listed
 * again, deletions swept) once a day at `RECONCILE_TIME` UTC — and when one is due the scheduler queues a
 * sync for whichever node is free (none when one is already queued or running).
 */
import { nextRun, type Recurrence } from "../core/recurrence.js";
import type { ScheduleTarget } from "../jobs/scheduler.js";
import type { JobRunner } from "../jobs/runner.js";
import type { SourceConfig } from "../sources/connector/source-config.js";
import type { ScheduleRecord, Site, Store } from "../store/port.js";
import { z } from "zod";
import { parseWith } from "../core/contract.js";
import { SYNC_KIND } from "./run-state.js";

const syncParams = z.object({ full: z.boolean().optional(), reconcile: z.boolean().optional() }).strict();

/** The name of a site's sync schedule in the schedules table. */
export const SOURCE_SCHEDULE = "source";
/** The name of its daily reconcile. */
export const RECONCILE_SCHEDULE = "source-reconcile";
/** When the daily reconcile runs (UTC): a quiet hour for most sites. */
export const RECONCILE_TIME = "03:30";

/**
 * Keeps the site's sync schedules in step with its source: incremental syncs, the first one interval
 * from now, and the daily reconcile. Returns the incremental one.
 */
export async function putSourceSchedule(store: Store, site: Site, source: SourceConfig, now: number): Promise<ScheduleRecord> {
  const recurrence: Recurrence = { unit: "minute", interval: source.intervalMinutes ?? 15, zone: "UTC", start: now };
  const daily: Recurrence = { unit: "day", interval: 1, time: RECONCILE_TIME, zone: "UTC", start: now };
  await store.schedules.put(
    { siteId: site.id, kind: SYNC_KIND, name: RECONCILE_SCHEDULE, params: { reconcile: true }, recurrence: daily, enabled: true, nextRunAt: nextRun(daily, now), owner: null },
    now,
  );
  return store.schedules.put(
    { siteId: site.id, kind: SYNC_KIND, name: SOURCE_SCHEDULE, params: {}, recurrence, enabled: true, nextRunAt: now + recurrence.interval * 60_000, owner: null },
    now,
  );
}

export async function deleteSourceSchedule(store: Store, site: Site): Promise<void> {
  for (const name of [SOURCE_SCHEDULE, RECONCILE_SCHEDULE]) {
    const schedule = await store.schedules.byName(site.id, SYNC_KIND, name);
    if (schedule) await store.schedules.delete(schedule.id);
  }
}

export function syncScheduleTarget(runner: JobRunner): ScheduleTarget {
  return {
    kind: SYNC_KIND,
    perSite: true,
    parseParams: (raw) => parseWith(syncParams, raw, "params", "sluice.schedule.invalid"),
    async fire(row, site) {
      if (!site) return null;
      const params = row.params as { full?: boolean; reconcile?: boolean };
      const request = { siteId: site.id, params: { full: params.full === true, reconcile: params.reconcile === true }, trigger: "schedule" as const, scheduleId: row.id };
      const queued = await runner.enqueue(SYNC_KIND, request, { coalesce: true });
      // A sync that sweeps is never folded into one that does not (the two schedules may fall due together): it queues behind it.
      const active = queued.job.params as { full?: boolean; reconcile?: boolean };
      if (!queued.created && (request.params.reconcile && active.reconcile !== true || request.params.full && active.full !== true)) return (await runner.enqueue(SYNC_KIND, request)).job.id;
      return queued.created ? queued.job.id : null;
    },
  };
}
