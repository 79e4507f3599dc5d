/** `/rest/admin/v1`: who am I, and the sites of the organisation (sysadmin). */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { PRODUCT_SCOPE } from "../../core/entities/registry.js";
import { PRODUCTS } from "../../core/entities/types.js";
import type { AppContext } from "../../app/context.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { findScopes } from "../../sites/scopes.js";
import { createSite, siteAt } from "../../sites/site-service.js";
import type { Account, Site } from "../../store/port.js";
import { renderJob } from "./export.js";
import { contractRoute } from "../contract-route.js";
import { SYNC_KIND } from "../../sync/run-state.js";
import { RECONCILE_SCHEDULE, SOURCE_SCHEDULE } from "../../sync/sync-schedule.js";

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
    source: source ? { kind: source.kind, url: source.url, lastSync: await lastSync(ctx, site), ...(await nextSyncs(ctx, site)) } : null,
  };
}

/** When the site's scheduled sync and daily reconcile run next (null: not scheduled). */
async function nextSyncs(ctx: AppContext, site: Site): Promise<{ nextSyncAt: string | null; nextReconcileAt: string | null }> {
  const at = async (name: string) => {
    const next = (await ctx.store.schedules.byName(site.id, SYNC_KIND, name))?.nextRunAt ?? null;
    return next === null ? null : new Date(next).toISOString();
  };
  return { nextSyncAt: await at(SOURCE_SCHEDULE), nextReconcileAt: await at(RECONCILE_SCHEDULE) };
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
    ...(run.skipped && run.skipped.length > 0 ? { skipped: run.skipped } : {}),
    ...(run.status === "RUNNING" ? { progress: run.streams } : {}),
  };
}

const siteParams = z.object({ key: z.string().max(200).describe("the site's key (wiki, jira, …; - for the site at /)") });
/** The shape of a new site; `createSite` checks the values (and says what is allowed). */
const newSite = z.object({
  product: z.enum(PRODUCTS as [string, ...string[]]),
  contextPath: z.string().max(200).describe("/ or one segment of lowercase letters, digits and dashes, like /wiki"),
  plan: z.enum(["free", "standard", "premium", "enterprise"]).optional(),
  region: z.string().max(64).optional(),
  baseUrl: z.string().max(2000).optional(),
});
const scopeSearch = z.object({ query: z.string().max(100).optional().describe("a key or words of a name") });

export function adminSiteRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = ["Admin"];
  // Any token: the console signs people in too (they get the SQL pages and dashboards).
  const people = { config: { people: true }, schema: { tags, summary: "The account of the token", "x-sluice-access": "any token" } };
  app.get("/rest/admin/v1/myself", people, async (request) => {
    const account = (request as FastifyRequest & { account?: Account }).account!;
    return { username: account.username, displayName: account.displayName, sysadmin: account.sysadmin };
  });
  app.get("/rest/admin/v1/sites", { schema: { tags, summary: "Every site with counts and its last export" } }, async () => {
    const sites = await ctx.store.sites.list();
    return { sites: await Promise.all(sites.map((s) => siteSummary(ctx, s))) };
  });
  contractRoute(app, "POST", "/rest/admin/v1/sites", { tags, summary: "Create an empty site", body: newSite, bodyName: "site", code: "sluice.site.invalid" }, async ({ body }, _request, reply) => {
    const site = await createSite(ctx.store, body);
    return reply.code(201).send(await siteSummary(ctx, site));
  });
  contractRoute(app, "GET", "/rest/admin/v1/sites/:key", { tags, summary: "One site", params: siteParams }, async ({ params }) =>
    siteSummary(ctx, await siteAt(ctx.store, params.key)),
  );
  const scopes = { tags, summary: "Spaces, projects or repositories of a site (opt-out picker)", params: siteParams, query: scopeSearch };
  contractRoute(app, "GET", "/rest/admin/v1/sites/:key/scopes", scopes, async ({ params, query }) => {
    const site = await siteAt(ctx.store, params.key);
    const found = await findScopes(ctx.store, site, { search: query.query ?? "" }, 50);
    return { type: PRODUCT_SCOPE[site.product], values: found.map((f) => ({ key: f.key, displayName: f.displayName, identifier: f.identifier })) };
  });
}
