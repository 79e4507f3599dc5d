/** `/rest/admin/v1`: who am I, and the sites of the organisation (sysadmin). */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { PRODUCT_SCOPE } from "../../core/entities/registry.js";
import type { AppContext } from "../../app/context.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { findScopes } from "../../sites/scopes.js";
import { createSite, siteAt } from "../../sites/site-service.js";
import type { Account, Site } from "../../store/port.js";
import { renderJob } from "./export.js";

export async function siteSummary(ctx: AppContext, site: Site): Promise<Record<string, unknown>> {
  const counts = await ctx.siteCounts.of(site);
  const latest = (await ctx.exports.running(site)) ?? (await ctx.exports.latest(site));
  const source = await ctx.store.settings.get<Record<string, unknown>>(site.id, "source");
  return {
    key: site.key,
    product: site.product,
    contextPath: site.contextPath,
    baseUrl: siteBaseUrl(ctx.config, site),
    cloudId: site.cloudId,
    orgId: site.orgId,
    plan: site.plan,
    region: site.region,
    state: site.state,
    counts,
    lastExport: latest ? renderJob(ctx, site, latest) : null,
    source: source ? { kind: source.kind, url: source.url, lastSync: await lastSync(ctx, site) } : null,
  };
}

/** The running or latest connector sync, as the console shows it. */
async function lastSync(ctx: AppContext, site: Site): Promise<Record<string, unknown> | null> {
  const status = await ctx.syncs.status(site);
  const run = status.current ?? status.history[0];
  if (!run) return null;
  return {
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    ...(run.error ? { error: run.error.message } : {}),
    ...(run.status === "RUNNING" ? { progress: run.streams } : {}),
  };
}

async function siteParam(ctx: AppContext, request: FastifyRequest): Promise<Site> {
  return siteAt(ctx.store, (request.params as { key: string }).key);
}

export function adminSiteRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = ["Admin"];
  app.get("/rest/admin/v1/myself", { schema: { tags, summary: "The account of the token" } }, async (request) => {
    const account = (request as FastifyRequest & { account?: Account }).account!;
    return { username: account.username, displayName: account.displayName, sysadmin: account.sysadmin };
  });
  app.get("/rest/admin/v1/sites", { schema: { tags, summary: "Every site with counts and its last export" } }, async () => {
    const sites = await ctx.store.sites.list();
    return { sites: await Promise.all(sites.map((s) => siteSummary(ctx, s))) };
  });
  app.post(
    "/rest/admin/v1/sites",
    {
      schema: {
        tags,
        summary: "Create an empty site",
        body: {
          type: "object",
          properties: {
            product: { type: "string", enum: ["jira", "confluence", "bitbucket"] },
            contextPath: { type: "string" },
            plan: { type: "string" },
            region: { type: "string" },
            baseUrl: { type: "string" },
          },
        },
      },
    },
    async (request, reply) => {
      const body = (request.body && typeof request.body === "object" ? request.body : {}) as Record<string, unknown>;
      const site = await createSite(ctx.store, {
        product: body.product,
        contextPath: body.contextPath,
        plan: body.plan,
        region: body.region,
        baseUrl: body.baseUrl,
      });
      return reply.code(201).send(await siteSummary(ctx, site));
    },
  );
  app.get("/rest/admin/v1/sites/:key", { schema: { tags, summary: "One site" } }, async (request) =>
    siteSummary(ctx, await siteParam(ctx, request)),
  );
  app.get(
    "/rest/admin/v1/sites/:key/scopes",
    { schema: { tags, summary: "Spaces, projects or repositories of a site (opt-out picker)" } },
    async (request) => {
      const site = await siteParam(ctx, request);
      const q = request.query as { query?: string };
      const found = await findScopes(ctx.store, site, { search: String(q.query ?? "").slice(0, 100) }, 50);
      return { type: PRODUCT_SCOPE[site.product], values: found.map((f) => ({ key: f.key, displayName: f.displayName, identifier: f.identifier })) };
    },
  );
}
