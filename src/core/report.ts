/**
 * A report's definition as the API accepts it and the store keeps it (issue 15): one entity of one
 * site, the columns of its file in order, a filter of query-layer conditions, for Jira issues also a
 * JQL text, and a sort. Pure: the zod schema and the type; `src/reports/report-query.ts` checks it
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

export const reportDefinition = z
  .object({
    entity: name.describe("the entity of the site's product (issues, pages, commits, …): one file of the Data pipeline export"),
    columns: z.array(name).max(500).default([]).describe("the file's columns in order (export column names); empty: every column of the export"),
    filter: z.array(reportCondition).max(100).default([]).describe("conditions on the entity's columns, all of which a row meets"),
    jql: z.string().max(10_000).nullable().default(null).describe("Jira issues only: a JQL filter (project, status, assignee = currentUser(), updated >= -7d, ORDER BY …)"),
    sort: z.array(reportSort).max(20).default([]).describe("sort columns; default: the entity's key order (or the JQL's ORDER BY)"),
  })
  .strict();
export type ReportDefinition = z.output<typeof reportDefinition>;
