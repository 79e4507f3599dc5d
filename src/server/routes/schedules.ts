/**
 * Schedules: rows of the schedules table, each naming a job kind, its params and a recurrence (the
 * Data pipeline's weekly export schedule and a connector's sync interval are rows too). List with the
 * next runs, create, replace, remove, and run now.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { SluiceError, type Problem } from "../../core/errors.js";
import { describeRecurrence, nextRun, nextRuns, validateRecurrence, type Recurrence } from "../../core/recurrence.js";
import { formatZoned } from "../../core/time.js";
import type { ScheduleTarget } from "../../jobs/scheduler.js";
import type { ScheduleRecord, Site } from "../../store/port.js";
import { parseWith } from "../../core/contract.js";
import { siteAt } from "../../sites/site-service.js";
import { contractRoute } from "../contract-route.js";

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const listQuery = z.object({ site: z.string().max(64).optional(), kind: z.string().max(40).optional() }).strict();
const scheduleBody = z
  .object({
    site: z.string().max(64).optional(),
    kind: z.string().min(1).max(40),
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, "letters, digits, dot, dash and underscore").optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    recurrence: z.unknown(),
    enabled: z.boolean().optional(),
  })
  .strict();
/** What PUT replaces: the kind and the site stay the schedule's. */
const scheduleUpdate = scheduleBody.omit({ kind: true, site: true });

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The API's recurrence: as the schedules table keeps it, except that `start` and `end` may also be
 * ISO-8601 instants with an offset, and `start` defaults to now.
 */
function recurrenceInput(raw: unknown, now: number, problems: Problem[]): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const out = { ...(raw as Record<string, unknown>) };
  out.start ??= now;
  for (const field of ["start", "end"] as const) {
    const value = out[field];
    if (typeof value !== "string") continue;
    const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) out[field] = ms;
    else {
      problems.push({
        key: "sluice.schedule.invalid",
        message: `recurrence.${field}: '${value.slice(0, 40)}' is not an instant; give an ISO-8601 time with its offset (2026-12-01T02:30:00+01:00) or epoch milliseconds.`,
      });
      if (field === "start") out.start = now; // the rest is still checked
      else delete out.end;
    }
  }
  return out;
}

function invalid(problems: Problem[]): SluiceError {
  return new SluiceError("sluice.schedule.invalid", "Invalid schedule", { problems });
}

export function scheduleRoutes(app: FastifyInstance, ctx: AppContext, targets: readonly ScheduleTarget[]): void {
  const tags = ["Schedules"];
  const zone = ctx.config.timeZone;
  const sites = async () => new Map((await ctx.store.sites.list()).map((s) => [s.id, s]));
  const view = (s: ScheduleRecord, siteKey: string | null, now: number) => ({
    id: s.id,
    site: siteKey,
    kind: s.kind,
    name: s.name,
    params: targets.find((t) => t.kind === s.kind)?.view?.(s.params) ?? s.params,
    recurrence: s.recurrence,
    description: describeRecurrence(s.recurrence),
    enabled: s.enabled,
    nextRunTime: s.enabled && s.nextRunAt !== null ? formatZoned(s.nextRunAt, zone) : null,
    /** The next five runs after now, in the server's zone. */
    nextRuns: s.enabled ? nextRuns(s.recurrence, now, 5).map((t) => formatZoned(t, zone)) : [],
    lastFiredTime: s.lastFiredAt === null ? null : formatZoned(s.lastFiredAt, zone),
    lastJobId: s.lastJobId,
    owner: s.owner,
    failures: s.failures,
  });
  const scheduleOf = async (id: number): Promise<ScheduleRecord> => {
    const s = await ctx.store.schedules.get(id);
    if (!s) throw new SluiceError("sluice.schedule.not.found", `There is no schedule ${id}.`);
    return s;
  };
  /** A request body checked in full: the kind, the site it needs, its params, the recurrence. */
  const check = async (raw: unknown) => {
    const body = parseWith(scheduleBody, raw, "schedule", "sluice.schedule.invalid");
    const problems: Problem[] = [];
    const target = targets.find((t) => t.kind === body.kind);
    if (!target) problems.push({ key: "sluice.schedule.invalid", message: `kind: '${body.kind.slice(0, 40)}' is not a kind of job that can be scheduled; use ${targets.map((t) => t.kind).join(", ")}.` });
    let site: Site | undefined;
    if (target?.perSite && body.site === undefined) problems.push({ key: "sluice.schedule.invalid", message: `site: a ${body.kind} schedule belongs to a site; give its key (wiki, jira, …).` });
    if (body.site !== undefined) site = await siteAt(ctx.store, body.site);
    const given = recurrenceInput(body.recurrence, Date.now(), problems);
    const recurrence = validateRecurrence(given);
    if (!recurrence.ok) problems.push(...recurrence.problems);
    let params: Record<string, unknown> = {};
    if (target) {
      try {
        params = target.parseParams(body.params ?? {}, site);
      } catch (error) {
        if (error instanceof SluiceError) problems.push(...error.problems);
        else throw error;
      }
    }
    if (problems.length > 0) throw invalid(problems);
    return { body, site, params, recurrence: (recurrence as { recurrence: Recurrence }).recurrence, target: target! };
  };

  const code = "sluice.schedule.invalid" as const;
  contractRoute(app, "GET", "/rest/admin/v1/schedules", { tags, summary: "Every schedule, with its next five runs", query: listQuery }, async ({ query: q }) => {
    const site = q.site !== undefined ? await siteAt(ctx.store, q.site) : undefined;
    const byId = await sites();
    const now = Date.now();
    const list = await ctx.store.schedules.list({ ...(site ? { siteId: site.id } : {}), ...(q.kind ? { kind: q.kind } : {}) });
    return { values: list.map((s) => view(s, s.siteId === null ? null : (byId.get(s.siteId)?.key ?? null), now)) };
  });

  const create = { tags, summary: "Create a schedule: a job kind, its params and a recurrence", body: scheduleBody, bodyName: "schedule", code };
  contractRoute(app, "POST", "/rest/admin/v1/schedules", create, async (input, _request, reply) => {
    const { body, site, params, recurrence } = await check(input.body);
    const now = Date.now();
    const name = body.name ?? `${body.kind}-${now.toString(36)}`;
    if (await ctx.store.schedules.byName(site?.id ?? null, body.kind, name)) {
      throw invalid([{ key: "sluice.schedule.invalid", message: `name: ${site ? `site /${site.key}` : "the server"} already has a ${body.kind} schedule named '${name}'.` }]);
    }
    const enabled = body.enabled ?? true;
    const created = await ctx.store.schedules.put(
      { siteId: site?.id ?? null, kind: body.kind, name, params, recurrence, enabled, nextRunAt: nextRun(recurrence, now), owner: null },
      now,
    );
    return reply.code(201).send(view(created, site?.key ?? null, now));
  });

  contractRoute(app, "GET", "/rest/admin/v1/schedules/:id", { tags, summary: "One schedule", params: idParams }, async ({ params: p }) => {
    const s = await scheduleOf(p.id);
    const site = s.siteId === null ? undefined : await ctx.store.sites.byId(s.siteId);
    return view(s, site?.key ?? null, Date.now());
  });

  const replace = { tags, summary: "Replace a schedule's params, recurrence and state", params: idParams, body: scheduleUpdate, bodyName: "schedule", code };
  contractRoute(app, "PUT", "/rest/admin/v1/schedules/:id", replace, async (input) => {
    const s = await scheduleOf(input.params.id);
    const site = s.siteId === null ? undefined : await ctx.store.sites.byId(s.siteId);
    const { body, params, recurrence } = await check({ ...input.body, kind: s.kind, ...(site ? { site: site.key || "-" } : {}) });
    const now = Date.now();
    const enabled = body.enabled ?? s.enabled;
    await ctx.store.schedules.update(s.id, { params, recurrence, enabled, nextRunAt: enabled ? nextRun(recurrence, now) : null, failures: 0 }, now);
    return view((await ctx.store.schedules.get(s.id))!, site?.key ?? null, now);
  });

  contractRoute(app, "DELETE", "/rest/admin/v1/schedules/:id", { tags, summary: "Remove a schedule", params: idParams }, async ({ params: p }, _request, reply) => {
    const s = await scheduleOf(p.id);
    await ctx.store.schedules.delete(s.id);
    return reply.code(204).send();
  });

  contractRoute(app, "POST", "/rest/admin/v1/schedules/:id/run", { tags, summary: "Run a schedule's job now (its next run stays)", params: idParams }, async ({ params: p }, _request, reply) => {
    const s = await scheduleOf(p.id);
    const target = targets.find((t) => t.kind === s.kind);
    if (!target) throw new SluiceError("sluice.schedule.invalid", `Schedule ${s.id} is of kind ${s.kind}, which this server cannot run.`);
    const site = s.siteId === null ? undefined : await ctx.store.sites.byId(s.siteId);
    const jobId = await target.fire(s, site, Date.now());
    await ctx.runner.dispatch();
    return reply.code(202).send({ schedule: s.id, jobId });
  });
}
