/** `GET /history?offset=&limit=`: the site's jobs, newest first. */
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { parsePage } from "../params.js";
import { siteRoute } from "../site-routes.js";
import { renderJob } from "./export.js";

export function historyRoutes(app: FastifyInstance, ctx: AppContext): void {
  siteRoute(
    app,
    ctx,
    "GET",
    "/history",
    { summary: "Export history, newest first", querystring: { offset: { type: "string" }, limit: { type: "string" } } },
    async (request, reply, site) => {
      const { offset, limit } = parsePage(request.query as Record<string, unknown>);
      const { jobs, total } = await ctx.exports.history(site, offset, limit);
      const lastPage = offset + jobs.length >= total;
      return reply.send({
        values: jobs.map((j) => renderJob(ctx, site, j)),
        offset,
        limit,
        size: jobs.length,
        lastPage,
        nextPageRequest: lastPage ? null : { offset: offset + limit, limit },
      });
    },
  );
}
