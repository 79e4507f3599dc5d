/**
 * A report's definition as the API accepts it and the store keeps it (issue 15): one entity of one
 * site, the columns of its file in order, a filter of query-layer conditions, for Jira issues also a
 * JQL text, and a sort — or a saved SQL query of the site, run with the same permissions. Pure: the zod schema and the type; `src/reports/report-query.ts` checks it
 * against the registry and turns it into a query.
 */
import { z } from "zod";

const name = z.string().min(1).max(200);
const scalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);

/** One filter condition, as the query layer takes it (`src/core/query.ts`), on a stored column. */
export const reportCondition = z.union([
  z.object({ column: name, op: z.enum(["=", "!=", "<", "<=", ">", ">="]), value: scalar }).strict(),
  z.object({ column: name, op: z.enum(["in", "not in"]), values: z.array(scalar).min(1).max(10_000) }).strict(),
  z.object({ column: name, op: z.enum(["like", "not like"]), value: z.string().max(10_000) }).strict(),
  z.object({ column: name, op: z.enum(["is null", "is not null"]) }).strict(),
  z.object({ column: name, op: z.literal("range"), from: scalar.optional(), before: scalar.optional() }).strict(),
]);
export type ReportCondition = z.infer<typeof reportCondition>;

export const reportSort = z.object({ column: name, desc: z.boolean().default(false) }).strict();

export const reportFields = z
  .object({
    entity: name.optional().describe("the entity of the site's product (issues, pages, commits, …): one file of the Data pipeline export"),
    sqlQueryId: z
      .number()
      .int()
      .positive()
      .max(Number.MAX_SAFE_INTEGER)
      .nullable()
      .default(null)
      .describe("instead of an entity: a saved SQL query of the site (its SELECT says the columns, filter and order)"),
    columns: z.array(name).max(500).default([]).describe("the file's columns in order (export column names); empty: every column of the export"),
    filter: z.array(reportCondition).max(100).default([]).describe("conditions on the entity's columns, all of which a row meets"),
    jql: z.string().max(10_000).nullable().default(null).describe("Jira issues only: a JQL filter (project, status, assignee = currentUser(), updated >= -7d, ORDER BY …)"),
    sort: z.array(reportSort).max(20).default([]).describe("sort columns; default: the entity's key order (or the JQL's ORDER BY)"),
  })
  .strict();

/** An entity or a saved SQL query, not both; a SQL query says its own columns, filter and order. */
export function refineDefinition(d: z.output<typeof reportFields>, ctx: z.RefinementCtx): void {
    if ((d.entity === undefined) === (d.sqlQueryId === null)) {
      ctx.addIssue({ code: "custom", path: ["entity"], message: "give an entity, or a saved SQL query (sqlQueryId), not both" });
    }
    if (d.sqlQueryId !== null && (d.columns.length > 0 || d.filter.length > 0 || (d.jql ?? "").trim() !== "" || d.sort.length > 0)) {
      ctx.addIssue({ code: "custom", path: ["sqlQueryId"], message: "a report of a saved SQL query takes its columns, filter and order from the query: leave columns, filter, jql and sort out" });
    }
}

export const reportDefinition = reportFields.superRefine(refineDefinition);
export type ReportDefinition = Omit<z.output<typeof reportDefinition>, "sqlQueryId"> & { sqlQueryId?: number | null };

/** The saved SQL query a report runs, when it is of one. */
export function sqlSourceOf(definition: ReportDefinition): number | null {
  return definition.sqlQueryId ?? null;
}

/** A change of a definition: only the fields sent (no defaults filled in). */
export const reportPatchFields = z
  .object({
    entity: name.optional(),
    sqlQueryId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    columns: z.array(name).max(500).optional(),
    filter: z.array(reportCondition).max(100).optional(),
    jql: z.string().max(10_000).nullable().optional(),
    sort: z.array(reportSort).max(20).optional(),
  })
  .strict();
export type ReportPatch = z.output<typeof reportPatchFields>;

/**
 * A definition after a change: the fields sent replace the stored ones; naming an entity drops a saved
 * SQL query source and naming a saved query drops the entity and its columns, filter, JQL and sort.
 */
export function patchedDefinition(current: ReportDefinition, patch: ReportPatch): Record<string, unknown> {
  const base: Record<string, unknown> = { ...current };
  if (patch.sqlQueryId !== undefined && patch.sqlQueryId !== null) Object.assign(base, { entity: undefined, columns: [], filter: [], jql: null, sort: [] });
  if (patch.entity !== undefined) base.sqlQueryId = null;
  const sent = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return { ...base, ...sent };
}
