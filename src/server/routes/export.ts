/** `POST/GET/DELETE /export`: start, show and cancel the site's export. */
import type { FastifyInstance } from "fastify";
import { jobResponse, type ExportJobRecord } from "../../core/export-job.js";
import type { AppContext } from "../../app/context.js";
import type { Site } from "../../store/port.js";
import { parseExportParams, parseJobId } from "../params.js";
import { siteRoute } from "../site-routes.js";

export function renderJob(ctx: AppContext, site: Site, job: ExportJobRecord): Record<string, unknown> {
  return jobResponse(ctx.exports.withLiveProgress(job), ctx.exports.schemaStatus(site, job.schemaVersion), ctx.config.timeZone);
}

export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  siteRoute(
    app,
    ctx,
    "POST",
    "/export",
    {
      summary: "Start an export",
      description: "202 with the job; 409 with the running job; 422 with a FAILED job when pre-validation fails (not forced) or disk space is short.",
      querystring: {
        fromDate: { type: "string", description: "ISO-8601 offset date-time, e.g. 2020-12-30T22:01+01:00; default now − 365 days" },
        forceExport: { type: "string", enum: ["true", "false"] },
        schemaVersion: { type: "string", description: "Jira: 1 or 2; Confluence and Bitbucket: 1" },
        format: { type: "string", enum: ["csv", "parquet"], description: "csv (default, the Data pipeline's files) or parquet (one typed .parquet file per entity)" },
      },
    },
    async (request, reply, site) => {
      const params = parseExportParams(request.query as Record<string, unknown>, site.product, Date.now());
      const result = await ctx.exports.start(site, { ...params, trigger: "api" });
      const code = result.outcome === "started" ? 202 : result.outcome === "running" ? 409 : 422;
      return reply.code(code).send(renderJob(ctx, site, result.job));
    },
  );

  siteRoute(app, ctx, "GET", "/export", { summary: "The running or latest export job ({} before the first)" }, async (_request, reply, site) => {
    const job = (await ctx.exports.running(site)) ?? (await ctx.exports.latest(site));
    return reply.send(job ? renderJob(ctx, site, job) : {});
  });

  siteRoute(
    app,
    ctx,
    "DELETE",
    "/export",
    { summary: "Cancel the running export", querystring: { jobId: { type: "string", description: "cancel only if this job is the running one" } } },
    async (request, reply, site) => {
      const jobId = parseJobId(request.query as Record<string, unknown>);
      const result = await ctx.exports.cancel(site, jobId);
      if (result.outcome === "requested") {
        return reply.code(200).send({
          jobId: result.job.jobId,
          status: "OK",
          messageKey: "data-pipeline.api.rest.export.cancellation.accepted",
          message: "Cancellation request successfully received. Currently running export job will be stopped shortly.",
        });
      }
      return reply.code(409).send({
        ...(result.jobId !== null ? { jobId: result.jobId } : {}),
        status: "WARNING",
        messageKey: "data-pipeline.api.rest.export.cancellation.aborted",
        message: "Cancellation request aborted. There is no export job running to cancel.",
      });
    },
  );
}
