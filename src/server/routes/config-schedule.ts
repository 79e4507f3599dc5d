/** `config/schedule`: when the export runs by itself. */
import type { FastifyInstance } from "fastify";
import { isSupportedSchema, productSchemas } from "../../core/entities/registry.js";
import { nextRun, parseTimeOfDay, parseWeekday, weekStart, type Schedule, type Weekday } from "../../core/schedule.js";
import { formatZoned, isValidZone, parseOffsetDateTime } from "../../core/time.js";
import type { AppContext } from "../../app/context.js";
import { deleteExportSchedule, getExportSchedule, putExportSchedule, type StoredSchedule } from "../../export/export-schedule.js";
import type { Site } from "../../store/port.js";
import { invalid, type Problem } from "../../core/errors.js";
import { siteRoute } from "../site-routes.js";

const KEY = "data-pipeline.api.rest.config.schedule.invalid";

export function parseSchedule(body: unknown, site: Site, defaultZone: string, now: number): Schedule {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const errors: Problem[] = [];
  const err = (message: string) => errors.push({ key: KEY, message });

  const days: Weekday[] = [];
  if (!Array.isArray(b.days) || b.days.length === 0) err("days must be a non-empty list such as [\"mon\",\"wed\"] (mon..sun or MONDAY..SUNDAY).");
  else
    for (const d of b.days) {
      const day = typeof d === "string" ? parseWeekday(d) : undefined;
      if (!day) err(`'${String(d).slice(0, 20)}' is not a day: use mon..sun or MONDAY..SUNDAY.`);
      else if (!days.includes(day)) days.push(day);
    }
  const weeksText = b.repeatIntervalInWeeks === undefined ? "1" : String(b.repeatIntervalInWeeks);
  const weeks = /^\d+$/.test(weeksText) ? Number(weeksText) : NaN;
  if (!(weeks >= 1 && weeks <= 52)) err(`repeatIntervalInWeeks must be a whole number from 1 to 52, not '${weeksText.slice(0, 20)}'.`);
  const time = typeof b.time === "string" ? parseTimeOfDay(b.time) : undefined;
  if (!time) err(`time must be HH:mm or HH:mm:ss (24-hour), not '${String(b.time ?? "").slice(0, 20)}'.`);
  let fromDate: string | null = null;
  if (b.fromDate !== undefined && b.fromDate !== null && b.fromDate !== "") {
    const parsed = typeof b.fromDate === "string" ? parseOffsetDateTime(b.fromDate) : undefined;
    if (parsed === undefined) err(`fromDate must be an ISO-8601 date-time with an offset, such as 2020-12-30T23:01Z.`);
    else if (parsed > now) err(`fromDate must not be in the future.`);
    else fromDate = String(b.fromDate);
  }
  const schemaText = b.schemaVersion === undefined ? String(productSchemas(site.product).current) : String(b.schemaVersion);
  if (!/^\d+$/.test(schemaText) || !isSupportedSchema(site.product, Number(schemaText))) {
    err(`schemaVersion '${schemaText.slice(0, 20)}' is not supported for ${site.product}.`);
  }
  const zoneId = b.zoneId === undefined || b.zoneId === null || b.zoneId === "" ? defaultZone : String(b.zoneId);
  if (!isValidZone(zoneId)) err(`zoneId '${zoneId.slice(0, 60)}' is not an IANA time zone such as Europe/Paris.`);
  if (errors.length) throw invalid(errors, "Invalid schedule");
  const t = time!;
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    days,
    repeatIntervalInWeeks: weeks,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
    fromDate,
    schemaVersion: Number(schemaText),
    zoneId,
    anchorWeek: weekStart(now, zoneId),
  };
}

export function scheduleBody(stored: StoredSchedule, defaultZone: string): Record<string, unknown> {
  const s = stored.schedule;
  return {
    days: s.days,
    repeatIntervalInWeeks: String(s.repeatIntervalInWeeks),
    time: s.time,
    fromDate: s.fromDate,
    schemaVersion: String(s.schemaVersion),
    zoneId: s.zoneId,
    nextRunTime: formatZoned(stored.nextRunAt, s.zoneId === "system" ? defaultZone : s.zoneId),
  };
}

export function configScheduleRoutes(app: FastifyInstance, ctx: AppContext): void {
  siteRoute(app, ctx, "GET", "/config/schedule", { summary: "The export schedule with its next run ({} when none)" }, async (_req, reply, site) => {
    const stored = await getExportSchedule(ctx.store, site.id);
    return reply.send(stored ? scheduleBody(stored, ctx.config.timeZone) : {});
  });
  siteRoute(
    app,
    ctx,
    "PUT",
    "/config/schedule",
    {
      summary: "Set the export schedule",
      body: {
        type: "object",
        properties: {
          days: { type: "array", items: { type: "string" } },
          repeatIntervalInWeeks: { type: "string" },
          time: { type: "string" },
          fromDate: { type: "string" },
          schemaVersion: { type: "string" },
          zoneId: { type: "string" },
        },
      },
    },
    async (request, reply, site) => {
      const now = Date.now();
      const schedule = parseSchedule(request.body, site, ctx.config.timeZone, now);
      const stored: StoredSchedule = { schedule, nextRunAt: nextRun(schedule, now) };
      await putExportSchedule(ctx.store, site.id, stored, now);
      return reply.code(202).send(scheduleBody(stored, ctx.config.timeZone));
    },
  );
  siteRoute(app, ctx, "DELETE", "/config/schedule", { summary: "Remove the export schedule" }, async (_req, reply, site) => {
    await deleteExportSchedule(ctx.store, site.id);
    return reply.send({});
  });
}

