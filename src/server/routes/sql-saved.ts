/**
 * Saved SQL queries and dashboards of a site: `<site>/rest/sql/v1/queries` and `…/dashboards`, list,
 * create, read, change, delete. Any signed-in person may call them (each sees their own and the public
 * ones; `src/sql/saved/`); the console runs a saved query's SQL as the viewer, through the query API.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { plainText } from "../../core/contract.js";
import { chartSpec, dashboardItems, VISIBILITIES } from "../../core/saved-sql.js";
import { siteAt } from "../../sites/site-service.js";
import { canChange, canDelete, SavedSqlService, type DashboardWithQueries } from "../../sql/saved/saved-sql-service.js";
import type { Account, Dashboard, SavedQuery, Site } from "../../store/port.js";
import { contractRoute, type Input } from "../contract-route.js";

const text = plainText;

const name = text(200);
const sql = text(100_000);
const siteParams = z.object({ site: z.string().max(200).optional().describe("the site's key (wiki, jira, …); none for the site at /") });
const idParams = siteParams.extend({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const queryBody = z
  .object({
    name,
    sql,
    chart: chartSpec.default({ type: "table", y: [] }).describe("how to draw the rows: table, bar, line or pie, and which columns"),
    visibility: z.enum(VISIBILITIES).default("private").describe("private: only its owner sees it; public: everyone signed in on the site"),
  })
  .strict();
const queryPatch = z.object({ name: name.optional(), sql: sql.optional(), chart: chartSpec.optional(), visibility: z.enum(VISIBILITIES).optional() }).strict();

const dashboardBody = z
  .object({
    name,
    visibility: z.enum(VISIBILITIES).default("private"),
    items: dashboardItems.default([]).describe("saved query ids in order, each half or full width"),
  })
  .strict();
const dashboardPatch = z.object({ name: name.optional(), visibility: z.enum(VISIBILITIES).optional(), items: dashboardItems.optional() }).strict();

const iso = (ms: number) => new Date(ms).toISOString();

function queryView(q: SavedQuery, site: Site, account: Account) {
  return {
    id: q.id,
    site: site.key,
    name: q.name,
    sql: q.sql,
    chart: q.chart,
    visibility: q.visibility,
    owner: q.ownerName,
    editable: canChange(account, q),
    deletable: canDelete(account, q),
    createdTime: iso(q.createdAt),
    updatedTime: iso(q.updatedAt),
  };
}

function dashboardView(d: Dashboard, site: Site, account: Account, queries?: DashboardWithQueries["queries"]) {
  return {
    id: d.id,
    site: site.key,
    name: d.name,
    visibility: d.visibility,
    owner: d.ownerName,
    editable: canChange(account, d),
    deletable: canDelete(account, d),
    // With the queries (one dashboard): each item's query, or null where the reader may not see it.
    items: d.items.map((item) => {
      if (!queries) return item;
      const query = queries.get(item.queryId);
      return { ...item, query: query ? queryView(query, site, account) : null };
    }),
    createdTime: iso(d.createdAt),
    updatedTime: iso(d.updatedAt),
  };
}

export function savedSqlRoutes(app: FastifyInstance, ctx: AppContext): void {
  const saved = new SavedSqlService(ctx.store);

  /** Every route: any signed-in person, the SQL tag, bad input under one key. */
  const route = <P extends z.ZodType, B extends z.ZodType | undefined = undefined>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    contract: { summary: string; params: P; body?: B; bodyName?: string },
    handler: (input: Input<P, undefined, B>, site: Site, account: Account, reply: FastifyReply) => Promise<unknown>,
  ) => {
    // Each site's routes under its path; the site mounted at / has them at the root.
    for (const prefix of ["/:site", ""]) {
      contractRoute(app, method, `${prefix}/rest/sql/v1${path}`, { tags: ["SQL"], code: "sluice.sql.saved.invalid", people: true, ...contract }, async (input, request, reply) => {
        const site = await siteAt(ctx.store, (input.params as { site?: string }).site ?? "");
        return handler(input, site, (request as FastifyRequest & { account?: Account }).account!, reply);
      });
    }
  };

  // Where SQL can be run: every site (what each person sees inside one is the query's business).
  contractRoute(app, "GET", "/rest/sql/v1/sites", { tags: ["SQL"], summary: "The sites SQL runs on, for the console's pickers", people: true }, async () => ({
    values: (await ctx.store.sites.list()).map((s) => ({ key: s.key, product: s.product, contextPath: s.contextPath })),
  }));

  route("GET", "/queries", { summary: "The site's saved queries you can see (your own and the public ones)", params: siteParams }, async (_input, site, account) => ({
    values: (await saved.queries(site, account)).map((q) => queryView(q, site, account)),
  }));

  route("POST", "/queries", { summary: "Save a query with its chart", params: siteParams, body: queryBody, bodyName: "saved query" }, async ({ body }, site, account, reply) => {
    const created = await saved.createQuery(site, account, { ...body, name: body.name.trim() });
    return reply.code(201).send(queryView(created, site, account));
  });

  route("GET", "/queries/:id", { summary: "One saved query", params: idParams }, async ({ params }, site, account) =>
    queryView(await saved.query(site, account, params.id), site, account),
  );

  route("PUT", "/queries/:id", { summary: "Change your saved query (fields left out stay)", params: idParams, body: queryPatch, bodyName: "saved query" }, async ({ params, body }, site, account) => {
    const patch = { ...body, ...(body.name !== undefined ? { name: body.name.trim() } : {}) };
    return queryView(await saved.updateQuery(site, account, params.id, patch), site, account);
  });

  route("DELETE", "/queries/:id", { summary: "Delete your saved query (it leaves every dashboard)", params: idParams }, async ({ params }, site, account, reply) => {
    await saved.deleteQuery(site, account, params.id);
    return reply.code(204).send();
  });

  route("GET", "/dashboards", { summary: "The site's dashboards you can see", params: siteParams }, async (_input, site, account) => ({
    values: (await saved.dashboards(site, account)).map((d) => dashboardView(d, site, account)),
  }));

  route("POST", "/dashboards", { summary: "Make a dashboard of saved queries", params: siteParams, body: dashboardBody, bodyName: "dashboard" }, async ({ body }, site, account, reply) => {
    const { dashboard, queries } = await saved.createDashboard(site, account, { ...body, name: body.name.trim() });
    return reply.code(201).send(dashboardView(dashboard, site, account, queries));
  });

  route("GET", "/dashboards/:id", { summary: "One dashboard with its saved queries", params: idParams }, async ({ params }, site, account) => {
    const { dashboard, queries } = await saved.dashboard(site, account, params.id);
    return dashboardView(dashboard, site, account, queries);
  });

  route("PUT", "/dashboards/:id", { summary: "Change your dashboard (fields left out stay)", params: idParams, body: dashboardPatch, bodyName: "dashboard" }, async ({ params, body }, site, account) => {
    const patch = { ...body, ...(body.name !== undefined ? { name: body.name.trim() } : {}) };
    const { dashboard, queries } = await saved.updateDashboard(site, account, params.id, patch);
    return dashboardView(dashboard, site, account, queries);
  });

  route("DELETE", "/dashboards/:id", { summary: "Delete your dashboard (its saved queries stay)", params: idParams }, async ({ params }, site, account, reply) => {
    await saved.deleteDashboard(site, account, params.id);
    return reply.code(204).send();
  });
}
