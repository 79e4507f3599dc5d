/**
 * Scheduled reports under `/rest/reports/v1` (issue 15): reports (saved queries over one site's entity),
 * their schedules (format, repeat, deliveries), runs with each delivery's outcome, the latest file, the
 * signed download links, the dashboard, and the administrator's "add-on permissions" switch. Any
 * signed-in person may call them; `src/reports/report-service.ts` decides what each may see and do.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireSysadmin } from "../auth.js";
import { parseWith, plainText } from "../../core/contract.js";
import { SluiceError } from "../../core/errors.js";
import { patchedDefinition, refineDefinition, reportDefinition, reportFields, reportPatchFields } from "../../core/report.js";
import { VISIBILITIES } from "../../core/saved-sql.js";
import { formatZoned } from "../../core/time.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { buildReportFile } from "../../reports/report-file.js";
import { latestRunWithFile, verifyLink } from "../../reports/report-files.js";
import { openReportSource, siteUserId } from "../../reports/report-source.js";
import { canChangeReport, canDeleteReport, type ReportSchedule } from "../../reports/report-service.js";
import { viewParams } from "../../reports/report-schedule.js";
import { runStatus, runView } from "../../reports/run-view.js";
import { REPORT_KIND, scheduleFields, type ReportRunResult } from "../../reports/schedule-model.js";
import { siteAt } from "../../sites/site-service.js";
import { entitiesForExport, exportColumns, productSchemas } from "../../core/entities/registry.js";
import type { Account, SavedReport, Site } from "../../store/port.js";
import { contractRoute, type Contract, type Input } from "../contract-route.js";

const text = plainText;

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const idParams = z.object({ id });
const site = z.string().max(200).describe("the site's context path or key: /wiki, jira, / …");

const reportBody = reportFields
  .extend({ name: text(200), site, visibility: z.enum(VISIBILITIES).default("private").describe("private: only its owner sees it; public: everyone may see and copy it") })
  .strict()
  .superRefine(refineDefinition);
const reportPatch = z
  .object({ name: text(200).optional(), visibility: z.enum(VISIBILITIES).optional() })
  .extend(reportPatchFields.shape)
  .strict();
const previewBody = reportFields.extend({ site, limit: z.number().int().min(1).max(100).default(20) }).strict().superRefine(refineDefinition);
const scheduleBody = scheduleFields.extend({ reportId: id }).strict();
const schedulePut = scheduleFields.extend({ paused: z.boolean().optional().describe("true pauses the schedule, false resumes it") }).strict();
const listReports = z.object({ site: site.optional() }).strict();
const listSchedules = z.object({ reportId: id.optional() }).strict();
const page = z.object({ start: z.coerce.number().int().min(0).max(1_000_000).default(0), limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();
const resendParams = z.object({ runId: id, index: z.coerce.number().int().min(0).max(19) });
const fileParams = z.object({ runId: id, name: z.string().min(1).max(400) });
const fileQuery = z.object({ expires: z.coerce.number().int().min(0).max(8_640_000_000_000_000), signature: z.string().min(1).max(200) }).strict();
const settingsQuery = z.object({ site }).strict();
const settingsBody = z.object({ site, allowAddonPermissions: z.boolean() }).strict();

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function reportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const reports = ctx.reports;
  const tags = ["Reports"];
  const sitesById = async () => new Map((await ctx.store.sites.list()).map((s) => [s.id, s]));

  const route = <P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    contract: Omit<Contract<P, Q, B>, "tags" | "people">,
    handler: (input: Input<P, Q, B>, account: Account, reply: FastifyReply, request: FastifyRequest) => Promise<unknown>,
  ) =>
    contractRoute(app, method, `/rest/reports/v1${path}`, { tags, people: true, code: "sluice.report.invalid", ...contract }, async (input, request, reply) =>
      handler(input, (request as FastifyRequest & { account?: Account }).account!, reply, request),
    );

  const reportView = async (r: SavedReport, s: Site | undefined, account: Account) => ({
    id: r.id,
    name: r.name,
    site: s?.contextPath ?? null,
    product: s?.product ?? null,
    ...r.definition,
    sqlQueryName: r.definition.sqlQueryId ? ((await ctx.store.savedSql.query(r.definition.sqlQueryId))?.name ?? null) : null,
    visibility: r.visibility,
    owner: r.ownerName,
    editable: canChangeReport(account, r),
    deletable: canDeleteReport(account, r),
    createdTime: iso(r.createdAt),
    updatedTime: iso(r.updatedAt),
  });

  const scheduleView = async (s: ReportSchedule) => {
    const zone = s.params.zoneId;
    const lastRun = (await ctx.store.jobs.list({ kind: REPORT_KIND, scheduleId: s.record.id }, 0, 1)).jobs[0];
    const report = await ctx.store.reports.get(s.params.reportId);
    return {
      id: s.record.id,
      reportId: s.params.reportId,
      reportName: report?.name ?? null,
      owner: s.record.owner,
      ...viewParams(s.params),
      paused: s.params.paused !== null,
      pausedReason: s.params.paused?.reason ?? null,
      pausedTime: iso(s.params.paused?.at ?? null),
      failures: s.record.failures,
      nextRunTime: s.record.enabled && s.record.nextRunAt !== null ? formatZoned(s.record.nextRunAt, zone) : null,
      nextRuns: reports.nextRuns(s).map((t) => formatZoned(t, zone)),
      lastRun: lastRun ? { runId: lastRun.id, status: runStatus(lastRun), time: iso(lastRun.completedTime ?? lastRun.startTime) } : null,
    };
  };

  // ---- reports

  route("GET", "/reports", { summary: "The reports you can see (your own and the public ones), on one site or all", query: listReports }, async ({ query }, account) => {
    const byId = await sitesById();
    const sites = query.site !== undefined ? [await siteAt(ctx.store, query.site)] : [...byId.values()];
    const out = [];
    for (const s of sites) for (const r of await reports.reports(s, account)) out.push(await reportView(r, s, account));
    return { values: out };
  });

  route("POST", "/reports", { summary: "Save a report: an entity of a site, its columns, filter (or JQL) and sort", body: reportBody, bodyName: "report" }, async ({ body }, account, reply) => {
    const s = await siteAt(ctx.store, body.site);
    const { name, visibility, site: _site, ...definition } = body;
    const created = await reports.create(s, account, { name: name.trim(), visibility, definition });
    return reply.code(201).send(await reportView(created, s, account));
  });

  route("POST", "/preview", { summary: "The first rows of a report's definition, as you see them", body: previewBody, bodyName: "preview" }, async ({ body }, account) => {
    const s = await siteAt(ctx.store, body.site);
    const { site: _site, limit, ...definition } = body;
    const viewer = await ctx.access.viewerFor(s, account);
    const signal = AbortSignal.timeout(ctx.config.sql.console.timeoutMs * 10);
    const currentUser = s.product === "jira" ? await siteUserId(ctx.store, s, account.username) : undefined;
    const { source } = await openReportSource(ctx, s, definition, { viewer, ownerId: account.sysadmin ? null : account.id, currentUser, now: Date.now(), signal, checkOnly: true, sqlContext: "console" });
    const dir = await mkdtemp(join(tmpdir(), "sluice-preview-"));
    try {
      const built = await buildReportFile({
        source, format: "json", directory: dir, name: "preview.json", title: "preview",
        instanceUrl: siteBaseUrl(ctx.config, s), csv: ctx.config.export, signal, limit,
      });
      const parsed = JSON.parse(await readFile(built.path, "utf8")) as { columns: { name: string; type: string }[]; rows: unknown[][] };
      return { columns: parsed.columns, rows: parsed.rows };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  route("GET", "/reports/:id", { summary: "One report", params: idParams }, async ({ params }, account) => {
    const r = await reports.report(account, params.id);
    return reportView(r, await ctx.store.sites.byId(r.siteId), account);
  });

  route("PUT", "/reports/:id", { summary: "Change your report (fields left out stay)", params: idParams, body: reportPatch, bodyName: "report" }, async ({ params, body }, account) => {
    const current = await reports.report(account, params.id);
    const { name, visibility, ...definition } = body;
    const patch = {
      ...(name !== undefined ? { name: name.trim() } : {}),
      ...(visibility !== undefined ? { visibility } : {}),
      ...(Object.values(definition).some((v) => v !== undefined)
        ? { definition: parseWith(reportDefinition, patchedDefinition(current.definition, definition), "report", "sluice.report.invalid") }
        : {}),
    };
    const updated = await reports.update(account, params.id, patch);
    return reportView(updated, await ctx.store.sites.byId(updated.siteId), account);
  });

  route("DELETE", "/reports/:id", { summary: "Delete your report and its schedules (their runs stay in the jobs view)", params: idParams }, async ({ params }, account, reply) => {
    await reports.delete(account, params.id);
    return reply.code(204).send();
  });

  const copyBody = z.object({ name: text(200).optional() }).strict();
  route("POST", "/reports/:id/copy", { summary: "Save as: a private copy of a report you can see, owned by you", params: idParams, body: copyBody, bodyName: "copy" }, async ({ params, body }, account, reply) => {
    const copy = await reports.copy(account, params.id, body?.name?.trim());
    return reply.code(201).send(await reportView(copy, await ctx.store.sites.byId(copy.siteId), account));
  });

  const entitiesQuery = z.object({ site }).strict();
  route("GET", "/entities", { summary: "The entities a report of a site may be of, with their columns (export names, in order)", query: entitiesQuery }, async ({ query }) => {
    const s = await siteAt(ctx.store, query.site);
    const version = productSchemas(s.product).current;
    return {
      site: s.contextPath,
      product: s.product,
      values: entitiesForExport(s.product, version).map((e) => ({
        name: e.name,
        jql: s.product === "jira" && e.name === "issues",
        columns: exportColumns(e, version).map((c) => ({ name: c.name, type: c.type === "instance" || c.type === "url" || c.type === "text" ? "string" : c.type })),
      })),
    };
  });

  // ---- schedules

  route("GET", "/schedules", { summary: "Your report schedules (an administrator: all)", query: listSchedules }, async ({ query }, account) => ({
    values: await Promise.all((await reports.schedules(account, query)).map(scheduleView)),
  }));

  route("POST", "/schedules", { summary: "Schedule your report: format, repeat, time and zone, deliveries", body: scheduleBody, bodyName: "schedule" }, async ({ body }, account, reply) => {
    const { reportId, ...fields } = body;
    const created = await reports.createSchedule(account, reportId, fields);
    return reply.code(201).send(await scheduleView(created));
  });

  route("GET", "/schedules/:id", { summary: "One schedule, with its next five runs and its state", params: idParams }, async ({ params }, account) =>
    scheduleView(await reports.schedule(account, params.id)),
  );

  route("PUT", "/schedules/:id", { summary: "Replace a schedule's fields (secrets sent back as <set> stay)", params: idParams, body: schedulePut, bodyName: "schedule" }, async ({ params, body }, account) =>
    scheduleView(await reports.updateSchedule(account, params.id, body)),
  );

  route("DELETE", "/schedules/:id", { summary: "Remove a schedule (its runs stay)", params: idParams }, async ({ params }, account, reply) => {
    await reports.deleteSchedule(account, params.id);
    return reply.code(204).send();
  });

  route("POST", "/schedules/:id/execute", { summary: "Execute now: a run queued at once (202)", params: idParams }, async ({ params }, account, reply) => {
    const job = await reports.execute(account, params.id);
    return reply.code(202).send({ runId: job.id, status: runStatus(job) });
  });

  route("POST", "/schedules/:id/pause", { summary: "Pause a schedule", params: idParams }, async ({ params }, account) => scheduleView(await reports.pause(account, params.id)));
  route("POST", "/schedules/:id/resume", { summary: "Resume a schedule (its failure count starts again)", params: idParams }, async ({ params }, account) =>
    scheduleView(await reports.resume(account, params.id)),
  );

  route("GET", "/schedules/:id/runs", { summary: "A schedule's runs, newest first, with each delivery's outcome", params: idParams, query: page }, async ({ params, query }, account) => {
    const { jobs, total } = await reports.runs(account, params.id, query.start, query.limit);
    return { values: jobs.map(runView), start: query.start, limit: query.limit, size: jobs.length, total, isLastPage: query.start + jobs.length >= total };
  });

  route("GET", "/schedules/:id/latest", { summary: "The file of the schedule's latest run (the API delivery)", params: idParams }, async ({ params }, account, reply) => {
    await reports.schedule(account, params.id);
    const runId = await latestRunWithFile(ctx.store, params.id);
    const job = runId === null ? undefined : await ctx.store.jobs.get(runId);
    const file = (job?.result as unknown as ReportRunResult | undefined)?.file;
    if (!file || !(await stat(file.path).catch(() => undefined))) {
      throw new SluiceError("sluice.report.run.not.found", `Schedule ${params.id} has no file yet: execute it, or wait for its next run.`);
    }
    return sendFile(reply, file);
  });

  // ---- runs

  route("GET", "/runs/:id", { summary: "One run: status, rows, bytes and each delivery's outcome", params: idParams }, async ({ params }, account) => runView(await reports.run(account, params.id)));

  route("POST", "/runs/:runId/deliveries/:index/resend", { summary: "Re-send a run's kept file through one of its deliveries (202)", params: resendParams }, async ({ params }, account, reply) => {
    const job = await reports.resend(account, params.runId, params.index);
    return reply.code(202).send({ runId: job.id, status: runStatus(job) });
  });

  contractRoute(
    app,
    "GET",
    "/rest/reports/v1/files/:runId/:name",
    { tags, summary: "A download link's file: no token, the link's signature and expiry are checked (403 tampered, 410 expired)", params: fileParams, query: fileQuery, signed: true, code: "sluice.report.invalid" },
    async ({ params, query }, _request, reply) => {
      await verifyLink(ctx.store, { runId: params.runId, name: params.name, expires: query.expires }, query.signature, Date.now());
      const job = await ctx.store.jobs.get(params.runId);
      const file = (job?.result as unknown as ReportRunResult | undefined)?.file;
      if (!file || file.name !== params.name || !(await stat(file.path).catch(() => undefined))) {
        throw new SluiceError("sluice.report.file.gone", "The file of this link is no longer kept (its retention ended).");
      }
      return sendFile(reply, file);
    },
  );

  // ---- dashboard and settings

  route("GET", "/dashboard", { summary: "Every report you can see with its schedules: owner, next run, last status, paused" }, async (_input, account) => {
    const byId = await sitesById();
    const schedules = await reports.schedules(account);
    const out = [];
    for (const s of byId.values()) {
      for (const r of await reports.reports(s, account)) {
        const own = schedules.filter((x) => x.params.reportId === r.id);
        out.push({ report: await reportView(r, s, account), schedules: await Promise.all(own.map(scheduleView)) });
      }
    }
    return { values: out };
  });

  contractRoute(app, "GET", "/rest/reports/v1/settings", { tags, summary: "A site's report settings (whether add-on permissions are allowed)", query: settingsQuery, people: true }, async ({ query }) => {
    const s = await siteAt(ctx.store, query.site);
    return { site: s.contextPath, allowAddonPermissions: await reports.addonAllowed(s) };
  });

  contractRoute(app, "PUT", "/rest/reports/v1/settings", { tags, summary: "Allow (or not) schedules of a site to generate with add-on permissions", body: settingsBody, bodyName: "settings" }, async ({ body }, request) => {
    requireSysadmin((request as FastifyRequest & { account?: Account }).account!);
    const s = await siteAt(ctx.store, body.site);
    await reports.setAddonAllowed(s, body.allowAddonPermissions);
    return { site: s.contextPath, allowAddonPermissions: body.allowAddonPermissions };
  });
}

function sendFile(reply: FastifyReply, file: { path: string; name: string; contentType: string }) {
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return reply
    .header("content-type", file.contentType)
    .header("content-disposition", `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`)
    .header("cache-control", "private, no-store")
    .send(createReadStream(file.path));
}
