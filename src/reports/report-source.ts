/**
 * Where a report's rows come from, as its viewer sees them: an entity query planned from the report's
 * definition (`report-query.ts`), or the report's saved SQL query run through the SQL service with the
 * scheduled limits (`sql.scheduled`). A saved query the owner may no longer see is refused with that
 * reason, like any other lost access.
 */
import type { Viewer } from "../core/access.js";
import { entity } from "../core/entities/registry.js";
import { SluiceError } from "../core/errors.js";
import { sqlSourceOf, type ReportDefinition } from "../core/report.js";
import type { SqlService } from "../sql/sql-service.js";
import type { Site, Store } from "../store/port.js";
import type { ReportSource } from "./report-file.js";
import { planReport, type ReportPlan } from "./report-query.js";

export interface SourceContext {
  viewer: Viewer;
  /** The account whose saved SQL query it may run (its own, or a public one). */
  ownerId: number | null;
  currentUser?: string;
  now: number;
  signal: AbortSignal;
  checkOnly?: boolean;
  /** The SQL limits that apply (default `scheduled`; a preview: `console`). */
  sqlContext?: "console" | "scheduled";
}

/** The saved SQL query of a definition, if the account may use it; a 400 (saving) or lost access (running) otherwise. */
export async function savedQueryFor(store: Store, site: Site, id: number, ownerId: number | null, running: boolean): Promise<{ sql: string; name: string }> {
  const saved = await store.savedSql.query(id);
  const visible = saved && saved.siteId === site.id && (ownerId === null || saved.ownerId === ownerId || saved.visibility === "public");
  if (!visible) {
    if (running) throw new SluiceError("sluice.report.access.lost", `The report's saved SQL query ${id} was deleted or made private by its owner: the run was stopped.`);
    throw new SluiceError("sluice.report.invalid", `sqlQueryId: there is no saved SQL query ${id} on ${site.contextPath} that you can see.`, {
      problems: [{ key: "sluice.report.invalid", message: `sqlQueryId: there is no saved SQL query ${id} on ${site.contextPath} that you can see.` }],
    });
  }
  return { sql: saved.sql, name: saved.name };
}

export async function openReportSource(
  deps: { store: Store; sql: SqlService },
  site: Site,
  definition: ReportDefinition,
  ctx: SourceContext,
): Promise<{ source: ReportSource; plan: ReportPlan | null }> {
  const queryId = sqlSourceOf(definition);
  if (queryId === null) {
    const plan = planReport(definition, { product: site.product, now: ctx.now, viewer: ctx.viewer, currentUser: ctx.currentUser, checkOnly: ctx.checkOnly });
    return { source: { kind: "entity", store: deps.store, siteId: site.id, plan }, plan };
  }
  const saved = await savedQueryFor(deps.store, site, queryId, ctx.ownerId, !ctx.checkOnly);
  const rows = await deps.sql.run(site, ctx.viewer, { sql: saved.sql, context: ctx.sqlContext ?? "scheduled", format: "rows" }, ctx.signal);
  return { source: { kind: "sql", rows }, plan: null };
}

/** The site's user id of a user name (what Jira's `currentUser()` stands for). */
export async function siteUserId(store: Store, site: Site, name: string): Promise<string | undefined> {
  if (!name) return undefined;
  const found = await store.data.distinct(site.id, entity(site.product, "users"), ["user_id"], { column: "user_name", in: [name] }, 1);
  return found[0] ? String(found[0].user_id) : undefined;
}
