/**
 * The Data pipeline's `config/schedule` as the site's `data-pipeline` row of the schedules table: the
 * schedule as the API shows it kept in its params, its weekly recurrence beside it. When due, the
 * export starts at once on the firing node; one that meets a running export is recorded FAILED.
 */
import { DateTime } from "luxon";
import { z } from "zod";
import { EXPORT_KIND } from "../core/export-job.js";
import { isSupportedSchema, productSchemas } from "../core/entities/registry.js";
import { invalid } from "../core/errors.js";
import { nextRun, scheduleRecurrence, type Schedule } from "../core/schedule.js";
import { parseOffsetDateTime, truncateToMinute } from "../core/time.js";
import type { ScheduleTarget } from "../jobs/scheduler.js";
import type { Store } from "../store/port.js";
import { parseWith } from "../core/contract.js";
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

/** What a scheduled export takes: the Data pipeline schedule's fields, or the same given directly. */
const exportParams = z
  .object({
    fromDate: z
      .string()
      .nullable()
      .optional()
      .refine((v) => v === null || v === undefined || parseOffsetDateTime(v) !== undefined, "an ISO-8601 date-time with an offset, such as 2020-12-30T23:01Z"),
    schemaVersion: z.number().int().optional(),
    format: z.enum(["csv", "parquet"]).optional(),
  })
  .strict();

type ExportScheduleParams = z.infer<typeof exportParams>;

/** Fires a site's export schedule: the export with the schedule's fromDate and schema version. */
export function exportScheduleTarget(exports: ExportService): ScheduleTarget {
  return {
    kind: EXPORT_KIND,
    perSite: true,
    parseParams(raw, site) {
      const params = parseWith(exportParams, raw, "params", "sluice.schedule.invalid");
      if (site && params.schemaVersion !== undefined && !isSupportedSchema(site.product, params.schemaVersion)) {
        throw invalid([{ key: "sluice.schedule.invalid", message: `params.schemaVersion: ${params.schemaVersion} is not a schema version of ${site.product} (${productSchemas(site.product).versions.map((v) => v.version).join(", ")})` }], "Invalid params", "sluice.schedule.invalid");
      }
      return params;
    },
    async fire(row, site, now) {
      if (!site) return null;
      // The Data pipeline's own schedule keeps its fields under `schedule`.
      const p = (row.params.schedule ?? row.params) as ExportScheduleParams & Partial<Schedule>;
      const from = p.fromDate ? parseOffsetDateTime(p.fromDate) : undefined;
      const versions = productSchemas(site.product);
      const schemaVersion = p.schemaVersion !== undefined && isSupportedSchema(site.product, p.schemaVersion) ? p.schemaVersion : versions.current;
      const result = await exports.startScheduled(site, {
        exportFrom: truncateToMinute(from ?? now - YEAR),
        forced: false,
        schemaVersion,
        format: p.format ?? "csv",
        trigger: "schedule",
        scheduleId: row.id,
      });
      return result.job.id;
    },
  };
}
