/**
 * Compiles an `EntityQuery` (src/core/query.ts) to SQL for a store: one definition of what a condition,
 * a projection, an order and the access rules mean, turned into each store's dialect by kysely. Stores
 * run the result with their own drivers (streaming); the CSV renderers of the stores embed the WHERE
 * part in their own statements.
 */
import { sql, type RawBuilder, type SqlBool } from "kysely";
import type { Viewer } from "../core/access.js";
import { storedColumns, type Column, type Product } from "../core/entities/registry.js";
import type { Condition, EntityQuery } from "../core/query.js";
import { browsableScopes } from "./access-scopes.js";
import type { QueryDialect } from "./dialect.js";

export interface CompiledSql {
  sql: string;
  parameters: readonly unknown[];
}

/** Lists longer than this go to the store as one parameter (`QueryDialect.inList`). */
const SHORT_LIST = 64;

const COMPARISONS = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" } as const;

function columnOf(query: EntityQuery, name: string): Column {
  const found = storedColumns(query.entity).find((c) => c.name === name);
  if (!found) throw new Error(`No column ${name} in ${query.entity.product}.${query.entity.name} (check the query first)`);
  return found;
}

function condition(query: EntityQuery, c: Condition, d: QueryDialect): RawBuilder<SqlBool> {
  if ("any" in c) return sql<SqlBool>`(${sql.join(c.any.map((x) => condition(query, x, d)), sql` OR `)})`;
  if ("key" in c) {
    const cols = query.entity.key.map((k) => columnOf(query, k));
    const left = sql.join(cols.map((col) => sql.id(col.name)));
    const right = sql.join(cols.map((col, i) => d.param(col, c.values[i])));
    return sql<SqlBool>`(${left}) ${sql.raw(c.key)} (${right})`;
  }
  const col = columnOf(query, c.column);
  const ref = sql.id(c.column);
  switch (c.op) {
    case "=":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return sql<SqlBool>`${ref} ${sql.raw(COMPARISONS[c.op])} ${d.param(col, c.value)}`;
    case "in":
    case "not in": {
      const negate = c.op === "not in";
      if (c.values.length === 0) return negate ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
      if (c.values.length > SHORT_LIST) return d.inList(ref, col, c.values, negate);
      return sql<SqlBool>`${ref} ${sql.raw(negate ? "NOT IN" : "IN")} (${sql.join(c.values.map((v) => d.param(col, v)))})`;
    }
    case "like":
    case "not like":
      return d.like(ref, c.value, c.op === "not like");
    case "is null":
      return sql<SqlBool>`${ref} IS NULL`;
    case "is not null":
      return sql<SqlBool>`${ref} IS NOT NULL`;
    case "range": {
      const parts: RawBuilder<SqlBool>[] = [];
      if (c.from !== undefined) parts.push(sql<SqlBool>`${ref} >= ${d.param(col, c.from)}`);
      if (c.before !== undefined) parts.push(sql<SqlBool>`${ref} < ${d.param(col, c.before)}`);
      return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
    }
  }
}

/** `site_id = ? AND <conditions> AND <access>`: the rows of the site the query selects. */
export function whereExpression(query: EntityQuery, siteId: number, d: QueryDialect): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [sql<SqlBool>`${sql.id("site_id")} = ${siteId}`];
  for (const c of query.where ?? []) parts.push(condition(query, c, d));
  const scopes = query.viewer && query.entity.scope ? browsableScopes(query.entity.product, siteId, query.viewer, d) : undefined;
  if (scopes) parts.push(sql<SqlBool>`${sql.id("scope_key")} IN (${scopes})`);
  return sql<SqlBool>`${sql.join(parts, sql` AND `)}`;
}

/** The sorted scope keys `viewer` may browse (`access-scopes.ts`); undefined for a viewer who sees all. */
export function compileBrowsable(product: Product, siteId: number, viewer: Viewer, d: QueryDialect): CompiledSql | undefined {
  const scopes = browsableScopes(product, siteId, viewer, d);
  return scopes ? sql`SELECT DISTINCT s.scope_key FROM (${scopes}) AS s ORDER BY 1`.compile(d.db) : undefined;
}

export function compileWhere(query: EntityQuery, siteId: number, d: QueryDialect): CompiledSql {
  return whereExpression(query, siteId, d).compile(d.db);
}

/**
 * The ORDER BY terms: the requested order then the key (a stable order), or the key order. Distinct rows
 * sort on their own columns (PostgreSQL allows no other): the requested order, then every projected column.
 */
function orderTerms(query: EntityQuery, d: QueryDialect): RawBuilder<unknown>[] {
  const requested = query.orderBy ?? [];
  const named = requested.map((o) => d.orderTerm(sql.id(o.column), o.desc === true));
  if (query.distinct) {
    const projected = query.columns ?? storedColumns(query.entity).map((c) => c.name);
    const rest = [...new Set(projected)].filter((name) => !requested.some((o) => o.column === name));
    return [...named, ...rest.map((name) => d.orderTerm(sql.id(name), false))];
  }
  const key = ["site_id", ...query.entity.key].map((k) => sql.id(k));
  return named.length === 0 ? key : [...named, ...key];
}

/** The SELECT of a query: projected columns (store-neutral values), in order, limited. */
export function compileSelect(query: EntityQuery, siteId: number, d: QueryDialect, options: { textAsBytes?: boolean } = {}): CompiledSql {
  const columns = query.columns ? query.columns.map((n) => columnOf(query, n)) : storedColumns(query.entity);
  const select = sql.join(columns.map((c) => sql`${d.read(c, { textAsBytes: options.textAsBytes === true })} AS ${sql.id(c.name)}`));
  const distinct = query.distinct ? sql`DISTINCT ` : sql``;
  const limit = query.limit === undefined ? sql`` : sql` LIMIT ${sql.lit(query.limit)}`;
  return sql`SELECT ${distinct}${select} FROM ${d.from(query.entity, query.scan === "key")} WHERE ${whereExpression(query, siteId, d)} ORDER BY ${sql.join(orderTerms(query, d))}${limit}`.compile(d.db);
}

/** `SELECT count(*) AS n` of the rows a query selects (its limit, order and projection aside). */
export function compileCount(query: EntityQuery, siteId: number, d: QueryDialect): CompiledSql {
  return sql`SELECT count(*) AS n FROM ${d.from(query.entity, false)} WHERE ${whereExpression(query, siteId, d)}`.compile(d.db);
}
