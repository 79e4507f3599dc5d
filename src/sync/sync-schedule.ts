/**
 * A synced site stays fresh with only the server running: its source gets a row of the schedules table
 * (every `intervalMinutes`, 15 by default), and when due the scheduler queues a sync for whichever node
 * is free (none when one is already queued or running).
 */
import type { Recurrence } from "../core/recurrence.js";
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

/** Keeps the site's sync schedule in step with its source: the first run one interval from now. */
export async function putSourceSchedule(store: Store, site: Site, source: SourceConfig, now: number): Promise<ScheduleRecord> {
  const recurrence: Recurrence = { unit: "minute", interval: source.intervalMinutes ?? 15, zone: "UTC", start: now };
  return store.schedules.put(
    { siteId: site.id, kind: SYNC_KIND, name: SOURCE_SCHEDULE, params: {}, recurrence, enabled: true, nextRunAt: now + recurrence.interval * 60_000, owner: null },
    now,
  );
}

export async function deleteSourceSchedule(store: Store, site: Site): Promise<void> {
  const schedule = await store.schedules.byName(site.id, SYNC_KIND, SOURCE_SCHEDULE);
  if (schedule) await store.schedules.delete(schedule.id);
}

export function syncScheduleTarget(runner: JobRunner): ScheduleTarget {
  return {
    kind: SYNC_KIND,
    perSite: true,
    parseParams: (raw) => parseWith(syncParams, raw, "params", "sluice.schedule.invalid"),
    async fire(row, site) {
      if (!site) return null;
      const params = row.params as { full?: boolean; reconcile?: boolean };
      const queued = await runner.enqueue(
        SYNC_KIND,
        { siteId: site.id, params: { full: params.full === true, reconcile: params.reconcile === true }, trigger: "schedule", scheduleId: row.id },
        { coalesce: true },
      );
      return queued.created ? queued.job.id : null;
    },
  };
}
