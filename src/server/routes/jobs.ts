/**
 * The jobs view: every job of every kind and site (exports, syncs, …), filterable by site, kind and
 * status, newest first, with live progress in the words every kind shares; one job in full; cancel.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { SluiceError } from "../../core/errors.js";
import { isActive, isRunning, JOB_STATUSES, type Job, type JobStatus } from "../../core/job.js";
import { formatZoned } from "../../core/time.js";
import { siteAt } from "../../sites/site-service.js";
import { contractRoute } from "../contract-route.js";

const listQuery = z
  .object({
    site: z.string().max(64).optional().describe("a site key (wiki, jira, …)"),
    kind: z.string().max(40).optional().describe("export, sync, …"),
    status: z
      .string()
      .max(200)
      .optional()
      .describe(`comma-separated: ${JOB_STATUSES.join(", ")}`)
      .transform((s, c) => {
        if (s === undefined || s.trim() === "") return undefined;
        const list = s.split(",").map((x) => x.trim().toUpperCase());
        const bad = list.filter((x) => !(JOB_STATUSES as readonly string[]).includes(x));
        if (bad.length > 0) {
          c.addIssue({ code: "custom", message: `'${bad.join(", ").slice(0, 60)}' is not a job status; use ${JOB_STATUSES.join(", ")} (comma-separated)` });
          return z.NEVER;
        }
        return list as JobStatus[];
      }),
    offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  })
  .strict();

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export interface JobView {
  id: number;
  site: string | null;
  kind: string;
  /** The job's number within its site and kind (an export's Data pipeline job id). */
  number: number;
  status: JobStatus;
  trigger: string;
  node: string | null;
  createdTime: string;
  startTime: string;
  completedTime: string | null;
  cancelledTime: string | null;
  progress: { label: string; done: number; total: number | null; unit: string; rate: number; etaSeconds: number | null } | null;
  warnings: Job["warnings"];
  errors: Job["errors"];
}

export function jobView(ctx: AppContext, job: Job, siteKey: string | null): JobView {
  const zone = ctx.config.timeZone;
  const at = (ms: number | null) => (ms === null ? null : formatZoned(ms, zone));
  const live = ctx.runner.live(job);
  const p = isRunning(live.status) ? live.progress : null;
  return {
    id: job.id,
    site: siteKey,
    kind: job.kind,
    number: job.seq,
    status: job.status,
    trigger: job.trigger,
    node: job.nodeId || null,
    createdTime: formatZoned(job.createdAt, zone),
    startTime: formatZoned(job.startTime, zone),
    completedTime: at(job.completedTime),
    cancelledTime: at(job.cancelledTime),
    progress: p ? { label: p.label, done: p.done, total: p.total, unit: p.unit, rate: p.rate, etaSeconds: p.etaSeconds } : null,
    warnings: job.warnings,
    errors: job.errors,
  };
}

export function jobRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = ["Jobs"];
  const siteKeys = async () => new Map((await ctx.store.sites.list()).map((s) => [s.id, s.key]));
  const jobOf = async (id: number): Promise<Job> => {
    const job = await ctx.store.jobs.get(id);
    if (!job) throw new SluiceError("sluice.job.not.found", `There is no job ${id}.`);
    return job;
  };

  contractRoute(app, "GET", "/rest/admin/v1/jobs", { tags, summary: "Every job of every kind, newest first, with live progress", query: listQuery }, async ({ query: q }) => {
    if (q.kind !== undefined && !ctx.runner.kindNames.includes(q.kind)) {
      throw new SluiceError("sluice.job.kind.unknown", `kind: '${q.kind.slice(0, 40)}' is not a job kind; use ${ctx.runner.kindNames.join(", ")}.`);
    }
    const site = q.site !== undefined ? await siteAt(ctx.store, q.site) : undefined;
    const { jobs, total } = await ctx.store.jobs.list(
      { ...(site ? { siteId: site.id } : {}), ...(q.kind ? { kind: q.kind } : {}), ...(q.status ? { statuses: q.status } : {}) },
      q.offset,
      q.limit,
    );
    const keys = await siteKeys();
    const values = jobs.map((j) => jobView(ctx, j, j.siteId === null ? null : (keys.get(j.siteId) ?? null)));
    return { values, offset: q.offset, limit: q.limit, size: values.length, total, lastPage: q.offset + values.length >= total };
  });

  contractRoute(app, "GET", "/rest/admin/v1/jobs/:id", { tags, summary: "One job, with its params and result", params: idParams }, async ({ params }) => {
    const job = await jobOf(params.id);
    const keys = await siteKeys();
    return { ...jobView(ctx, job, job.siteId === null ? null : (keys.get(job.siteId) ?? null)), params: job.params, result: job.result };
  });

  contractRoute(app, "DELETE", "/rest/admin/v1/jobs/:id", { tags, summary: "Cancel a queued or running job (any node stops it within seconds)", params: idParams }, async ({ params }) => {
    const job = await jobOf(params.id);
    if (!isActive(job.status)) {
      throw new SluiceError("sluice.job.not.running", `Job ${job.id} has already ended (${job.status}); there is nothing to cancel.`);
    }
    const after = (await ctx.runner.cancel(job.id)) ?? job;
    const keys = await siteKeys();
    return jobView(ctx, after, after.siteId === null ? null : (keys.get(after.siteId) ?? null));
  });
}
