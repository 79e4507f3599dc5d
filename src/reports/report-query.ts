/**
 * A report's definition against the registry: which entity, which file columns in which order, and the
 * query-layer query that reads them (filter, JQL, sort, the viewer whose permissions apply). Every
 * problem is reported at once, each naming its field (`columns[2]`, `filter[0].column`, `jql`, `sort[1]`).
 */
import type { Viewer } from "../core/access.js";
import { entitiesForExport, exportColumns, productSchemas, storedColumns, type Column, type EntityDef, type Product } from "../core/entities/registry.js";
import { isSluiceError, SluiceError, type Problem } from "../core/errors.js";
import { checkQuery, type Condition, type EntityQuery, type OrderBy } from "../core/query.js";
import type { ReportDefinition } from "../core/report.js";
import { parseJql } from "./jql.js";

export const REPORT_INVALID = "sluice.report.invalid";

export interface ReportPlan {
  def: EntityDef;
  schemaVersion: number;
  /** The file's columns, in order. */
  columns: Column[];
  /** The query: the stored columns the file needs, filtered, sorted, as the viewer sees them. */
  query: EntityQuery;
  /** The file has every export column in export order and key order: the store may render it itself. */
  whole: boolean;
}

export interface PlanContext {
  product: Product;
  now: number;
  viewer: Viewer;
  /** The Jira user id `currentUser()` stands for (the owner's); undefined when the owner has none. */
  currentUser?: string;
  /** Checking a definition before it is saved: `currentUser()` is accepted whoever the owner is. */
  checkOnly?: boolean;
}

/** Field names of the query layer's messages, as a report names them. */
function renamed(message: string): string {
  return message.replace(/^where\[(\d+)\]/, "filter[$1]").replace(/^orderBy\[(\d+)\]\.column/, "sort[$1].column");
}

/** The plan of a report, or a 400 (`sluice.report.invalid`) naming every field that is wrong. */
export function planReport(definition: ReportDefinition, ctx: PlanContext): ReportPlan {
  const problems: Problem[] = [];
  const bad = (message: string) => problems.push({ key: REPORT_INVALID, message });
  const schemaVersion = productSchemas(ctx.product).current;
  const entities = entitiesForExport(ctx.product, schemaVersion);
  const def = entities.find((e) => e.name === definition.entity);
  if (!def) {
    const message = `entity: ${ctx.product} has no entity '${(definition.entity ?? "").slice(0, 80)}'; its entities are ${entities.map((e) => e.name).join(", ")}.`;
    throw new SluiceError(REPORT_INVALID, message, { problems: [{ key: REPORT_INVALID, message }] });
  }
  const all = exportColumns(def, schemaVersion);
  const byName = new Map(all.map((c) => [c.name, c]));
  const columns: Column[] = [];
  for (const [i, name] of definition.columns.entries()) {
    const column = byName.get(name);
    if (!column) bad(`columns[${i}]: ${def.product}.${def.name} has no column '${name.slice(0, 80)}'; its columns are ${all.map((c) => c.name).join(", ")}.`);
    else if (columns.includes(column)) bad(`columns[${i}]: ${name} is listed twice.`);
    else columns.push(column);
  }
  const fileColumns = definition.columns.length === 0 ? all : columns;

  let where: Condition[] = [...definition.filter] as Condition[];
  let orderBy: OrderBy[] = definition.sort.map((s) => ({ column: s.column, desc: s.desc }));
  if (definition.jql !== null && definition.jql.trim() !== "") {
    if (!(def.product === "jira" && def.name === "issues")) bad(`jql: a JQL filter is for reports of Jira issues; this report is of ${def.product}.${def.name} (use filter).`);
    else {
      try {
        const jql = parseJql(definition.jql, { now: ctx.now, currentUser: ctx.checkOnly ? (ctx.currentUser ?? "") : ctx.currentUser });
        where = [...where, ...jql.where];
        if (orderBy.length === 0) orderBy = jql.orderBy;
      } catch (error) {
        if (!isSluiceError(error)) throw error;
        bad(`jql: ${error.message.replace(/^JQL: /, "")}`);
      }
    }
  }
  const stored = new Set(storedColumns(def).map((c) => c.name));
  const read = fileColumns.filter((c) => stored.has(c.name)).map((c) => c.name);
  let query: EntityQuery = { entity: def, where, orderBy: orderBy.length > 0 ? orderBy : undefined, viewer: ctx.viewer, ...(read.length > 0 ? { columns: read } : {}) };
  try {
    query = checkQuery(query);
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    for (const p of error.problems) bad(renamed(p.message));
  }
  if (problems.length > 0) throw new SluiceError(REPORT_INVALID, problems.map((p) => p.message).join("; "), { problems });
  const whole = orderBy.length === 0 && fileColumns.length === all.length && fileColumns.every((c, i) => c === all[i]);
  return { def, schemaVersion, columns: fileColumns, query: whole ? { ...query, columns: undefined } : query, whole };
}

/** The stored columns of the plan's rows, in the query's order (what the writer gets). */
export function planInput(plan: ReportPlan): Column[] {
  const stored = storedColumns(plan.def);
  if (!plan.query.columns) return stored;
  return plan.query.columns.map((name) => stored.find((c) => c.name === name)!);
}
