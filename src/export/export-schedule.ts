/**
 * The Data pipeline's `config/schedule` as the site's `data-pipeline` row of the schedules table: the
 * schedule as the API shows it kept in its params, its weekly recurrence beside it. When due, the
 * export starts at once on the firing node; one that meets a running export is recorded FAILED.
 */
import { DateTime } from "luxon";
import { EXPORT_KIND } from "../core/export-job.js";
import { productSchemas } from "../core/entities/registry.js";
import { nextRun, scheduleRecurrence, type Schedule } from "../core/schedule.js";
import { parseOffsetDateTime, truncateToMinute } from "../core/time.js";
import type { ScheduleTarget } from "../jobs/scheduler.js";
import type { Store } from "../store/port.js";
import type { ExportService } from "./export-service.js";

export const EXPORT_SCHEDULE = "data-pipeline";
const YEAR = 365 * 86_400_000;

export interface StoredSchedule {
  schedule: Schedule;
  nextRunAt: number;
}

/** The zone a schedule saved with zone `system` runs in: this process's. */
const systemZone = (): string => DateTime.local().zoneName;

export async function getExportSchedule(store: Store, siteId: number): Promise<StoredSchedule | undefined> {
  const row = await store.schedules.byName(siteId, EXPORT_KIND, EXPORT_SCHEDULE);
  if (!row) return undefined;
  return { schedule: row.params.schedule as Schedule, nextRunAt: row.nextRunAt ?? nextRun(row.params.schedule as Schedule, Date.now()) };
}

export async function putExportSchedule(store: Store, siteId: number, stored: StoredSchedule, now = Date.now()): Promise<void> {
  await store.schedules.put(
    {
      siteId,
      kind: EXPORT_KIND,
      name: EXPORT_SCHEDULE,
      params: { schedule: stored.schedule },
      recurrence: scheduleRecurrence(stored.schedule, systemZone()),
      enabled: true,
      nextRunAt: stored.nextRunAt,
      owner: null,
    },
    now,
  );
}

export async function deleteExportSchedule(store: Store, siteId: number): Promise<void> {
  const row = await store.schedules.byName(siteId, EXPORT_KIND, EXPORT_SCHEDULE);
  if (row) await store.schedules.delete(row.id);
}

/** Fires a site's export schedule: the export with the schedule's fromDate and schema version. */
export function exportScheduleTarget(exports: ExportService): ScheduleTarget {
  return {
    kind: EXPORT_KIND,
    async fire(row, site, now) {
      if (!site) return null;
      const schedule = row.params.schedule as Schedule;
      const from = schedule.fromDate ? parseOffsetDateTime(schedule.fromDate) : undefined;
      const versions = productSchemas(site.product);
      const schemaVersion = versions.versions.some((v) => v.version === schedule.schemaVersion) ? schedule.schemaVersion : versions.current;
      const result = await exports.startScheduled(site, {
        exportFrom: truncateToMinute(from ?? now - YEAR),
        forced: false,
        schemaVersion,
        trigger: "schedule",
        scheduleId: row.id,
      });
      return result.job.id;
    },
  };
}
