/**
 * Registers a Data pipeline route for every site: `/<site>/rest/datapipeline/{latest|1.0}/<path>`
 * and, for a site mounted at `/`, `/rest/datapipeline/{latest|1.0}/<path>`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import { SluiceError } from "../core/errors.js";
import type { AppContext } from "../app/context.js";
import type { Site } from "../store/port.js";

export type SiteHandler = (request: FastifyRequest, reply: FastifyReply, site: Site) => Promise<unknown>;

export interface RouteDoc {
  summary: string;
  description?: string;
  querystring?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

const VERSIONS = new Set(["latest", "1.0"]);

export async function resolveSite(ctx: AppContext, request: FastifyRequest): Promise<Site> {
  const params = request.params as { site?: string; version?: string };
  if (params.version !== undefined && !VERSIONS.has(params.version)) {
    throw new SluiceError("sluice.route.not.found", `Unknown API version '${params.version}': use latest or 1.0.`);
  }
  const key = params.site ?? "";
  const site = await ctx.store.sites.byKey(key);
  if (!site) throw new SluiceError("sluice.site.not.found", `No site is mounted at /${key}.`);
  return site;
}

export function siteRoute(
  app: FastifyInstance,
  ctx: AppContext,
  method: HTTPMethods,
  path: string,
  doc: RouteDoc,
  handler: SiteHandler,
): void {
  for (const url of [`/:site/rest/datapipeline/:version${path}`, `/rest/datapipeline/:version${path}`]) {
    app.route({
      method,
      url,
      schema: {
        tags: ["Data pipeline"],
        summary: doc.summary,
        ...(doc.description ? { description: doc.description } : {}),
        ...(doc.querystring ? { querystring: { type: "object", properties: doc.querystring } } : {}),
        ...(doc.body ? { body: doc.body } : {}),
        ...(url.startsWith("/:site") ? {} : { hide: true }),
      },
      handler: async (request, reply) => handler(request, reply, await resolveSite(ctx, request)),
    });
  }
}
