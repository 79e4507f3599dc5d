/**
 * The query over one registry entity of one site: conditions on its columns, projection, order and
 * limit, and whose eyes read it (the access rules, `Viewer`). One shape for every reader — the export,
 * reports, backups, SQL — compiled for each store by `src/query/`. Pure: the types, the builders the
 * export uses, and `checkQuery`, which validates a query against the registry and normalises its values
 * (every problem listed at once).
 */
import type { Viewer } from "./access.js";
import { storedColumns, type Column, type EntityDef } from "./entities/registry.js";
import { isErrorCode, SluiceError, type Problem } from "./errors.js";
import { normaliseValue } from "./query-values.js";

export type Scalar = string | number | boolean;
export type Comparison = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { readonly column: string; readonly op: Comparison; readonly value: Scalar }
  | { readonly column: string; readonly op: "in" | "not in"; readonly values: readonly Scalar[] }
  /** `%` and `_` are wildcards; case-insensitive for ASCII letters only (both stores). Text-like columns only. A null value matches neither `like` nor `not like`, as `=` and `!=` (SQL). */
  | { readonly column: string; readonly op: "like" | "not like"; readonly value: string }
  | { readonly column: string; readonly op: "is null" | "is not null" }
  /** `from <= value < before`, either bound optional (date ranges). */
  | { readonly column: string; readonly op: "range"; readonly from?: Scalar; readonly before?: Scalar }
  /** Any of the conditions (OR). */
  | { readonly any: readonly Condition[] }
  /** Rows whose key (values in `entity.key` order) is `>=`, `>` or `<` this one: a part of a file, a page. */
  | { readonly key: ">=" | ">" | "<"; readonly values: readonly unknown[] };

/** A query, or a whole entity (every row of the site, in key order). */
export type QueryTarget = EntityQuery | EntityDef;

export interface OrderBy {
  readonly column: string;
  readonly desc?: boolean;
}

export interface EntityQuery {
  readonly entity: EntityDef;
  /** All of these (AND). */
  readonly where?: readonly Condition[];
  /** Stored columns to read, in this order; default: every stored column in declaration order. */
  readonly columns?: readonly string[];
  readonly distinct?: boolean;
  /**
   * Default: the entity's key order. Distinct rows sort on the requested columns (projected ones only),
   * then on every projected column.
   */
  readonly orderBy?: readonly OrderBy[];
  readonly limit?: number;
  /** Whose permissions apply (`scopesFor`); default: everything. */
  readonly viewer?: Viewer;
  /**
   * `key`: walk the entity's key index in key order whatever the conditions (exports read every row of a
   * big table in key order and must not sort); default: the store's planner chooses.
   */
  readonly scan?: "key";
}

/** The export's window on one entity: the fromDate cursor, opted-out scopes, a key range of a part. */
export interface ExportWindow {
  /** ISO-8601 UTC instant: rows whose cursor column is at or after it (entities with a cursor only). */
  since?: string;
  /** Scope keys (space keys, project keys, repository ids) left out; rows without a scope stay. */
  excludeScopes?: readonly string[];
  keyFrom?: readonly unknown[];
  keyBefore?: readonly unknown[];
}

/** The conditions of an export window, for `def`. */
export function windowConditions(def: EntityDef, window: ExportWindow): Condition[] {
  const where: Condition[] = [];
  if (window.since !== undefined && def.cursor) where.push({ column: def.cursor, op: ">=", value: window.since });
  if (window.excludeScopes && window.excludeScopes.length > 0 && def.scope) {
    where.push({ any: [{ column: "scope_key", op: "is null" }, { column: "scope_key", op: "not in", values: window.excludeScopes }] });
  }
  if (window.keyFrom) where.push({ key: ">=", values: window.keyFrom });
  if (window.keyBefore) where.push({ key: "<", values: window.keyBefore });
  return where;
}

/** Every stored column of `def` in key order, within an export window (walks the key index). */
export function exportQuery(def: EntityDef, window: ExportWindow = {}): EntityQuery {
  return { entity: def, where: windowConditions(def, window), scan: "key" };
}

/** The query without its key-range conditions (store renderers bound their batches themselves). */
export function withoutKeyRange(query: EntityQuery): EntityQuery {
  return { ...query, where: (query.where ?? []).filter((c) => !("key" in c)) };
}

/** The key range of a query, when it has one. */
export function keyRange(query: EntityQuery): { from?: readonly unknown[]; before?: readonly unknown[] } {
  const out: { from?: readonly unknown[]; before?: readonly unknown[] } = {};
  for (const c of query.where ?? []) {
    if ("key" in c) {
      if (c.key === ">=") out.from = c.values;
      else if (c.key === "<") out.before = c.values;
    }
  }
  return out;
}

const LIKE_TYPES = new Set(["string", "text", "url", "json"]);
const MAX_IN = 100_000;

/**
 * Validates a query against the registry and returns it with its values normalised for the stores
 * (datetimes as `YYYY-MM-DDTHH:MM:SSZ`, numbers as numbers, booleans as booleans). Throws a
 * `sluice.query.*` error listing every problem: unknown columns, values of the wrong type, operators a
 * column's type does not allow, a bad limit.
 */
export function checkQuery(query: EntityQuery): EntityQuery {
  const def = query.entity;
  const stored = storedColumns(def);
  const byName = new Map(stored.map((c) => [c.name, c]));
  const problems: Problem[] = [];
  const where = `${def.product}.${def.name}`;
  const column = (name: string, field: string): Column | undefined => {
    const found = byName.get(name);
    if (!found) {
      const instance = def.columns.find((c) => c.name === name && c.type === "instance");
      problems.push({
        key: "sluice.query.column.unknown",
        message: instance
          ? `${field}: ${name} is the site's URL, the same on every row of ${where}; it cannot be filtered or sorted on.`
          : `${field}: ${where} has no column '${String(name).slice(0, 80)}'; its columns are ${stored.filter((c) => !c.hidden).map((c) => c.name).join(", ")}.`,
      });
    }
    return found;
  };
  const value = (col: Column, v: unknown, field: string): Scalar | undefined => {
    const result = normaliseValue(col, v);
    if (!result.ok) problems.push({ key: "sluice.query.value.invalid", message: `${field}: ${result.message}` });
    return result.ok ? result.value : undefined;
  };
  const check = (c: Condition, field: string): Condition | undefined => {
    if ("any" in c) {
      if (!Array.isArray(c.any) || c.any.length === 0) {
        problems.push({ key: "sluice.query.invalid", message: `${field}.any: give at least one condition.` });
        return undefined;
      }
      const any = c.any.map((x, i) => check(x, `${field}.any[${i}]`));
      return any.every((x) => x !== undefined) ? { any: any } : undefined;
    }
    if ("key" in c) {
      if (!Array.isArray(c.values) || c.values.length !== def.key.length) {
        problems.push({ key: "sluice.query.invalid", message: `${field}: a key bound of ${where} has ${def.key.length} value(s) (${def.key.join(", ")}).` });
      }
      return c;
    }
    const col = column(c.column, `${field}.column`);
    if (!col) return undefined;
    switch (c.op) {
      case "=":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const v = value(col, c.value, `${field}.value`);
        return v === undefined ? undefined : { column: c.column, op: c.op, value: v };
      }
      case "in":
      case "not in": {
        if (!Array.isArray(c.values) || c.values.length > MAX_IN) {
          problems.push({ key: "sluice.query.invalid", message: `${field}.values: give a list of at most ${MAX_IN} values.` });
          return undefined;
        }
        const values = c.values.map((v, i) => value(col, v, `${field}.values[${i}]`));
        return values.every((v) => v !== undefined) ? { column: c.column, op: c.op, values: values } : undefined;
      }
      case "like":
      case "not like":
        if (!LIKE_TYPES.has(col.type)) {
          problems.push({ key: "sluice.query.invalid", message: `${field}: ${c.op} works on text columns; ${c.column} is ${col.type} (use =, <, >, in or range).` });
          return undefined;
        }
        if (typeof c.value !== "string") {
          problems.push({ key: "sluice.query.value.invalid", message: `${field}.value: a ${c.op} pattern is text with % and _ as wildcards.` });
          return undefined;
        }
        return c;
      case "is null":
      case "is not null":
        return { column: c.column, op: c.op };
      case "range": {
        if (c.from === undefined && c.before === undefined) {
          problems.push({ key: "sluice.query.invalid", message: `${field}: a range needs from, before or both.` });
          return undefined;
        }
        const from = c.from === undefined ? undefined : value(col, c.from, `${field}.from`);
        const before = c.before === undefined ? undefined : value(col, c.before, `${field}.before`);
        if ((c.from !== undefined && from === undefined) || (c.before !== undefined && before === undefined)) return undefined;
        return { column: c.column, op: "range", ...(from !== undefined ? { from } : {}), ...(before !== undefined ? { before } : {}) };
      }
      default:
        problems.push({
          key: "sluice.query.invalid",
          message: `${field}.op: '${String((c as { op?: unknown }).op).slice(0, 20)}' is not an operator; use =, !=, <, <=, >, >=, in, not in, like, not like, is null, is not null or range.`,
        });
        return undefined;
    }
  };
  const conditions = (query.where ?? []).map((c, i) => check(c, `where[${i}]`));
  if (query.columns !== undefined && (!Array.isArray(query.columns) || query.columns.length === 0)) {
    problems.push({ key: "sluice.query.invalid", message: `columns: give at least one column of ${where}, or leave columns out for all of them.` });
  }
  for (const [i, name] of (Array.isArray(query.columns) ? query.columns : []).entries()) column(name, `columns[${i}]`);
  for (const [i, o] of (query.orderBy ?? []).entries()) {
    // PostgreSQL sorts distinct rows only on what they hold (SQLite would pick any row's value).
    const projected = query.distinct && Array.isArray(query.columns) ? query.columns : undefined;
    if (column(o.column, `orderBy[${i}].column`) && projected && !projected.includes(o.column)) {
      problems.push({
        key: "sluice.query.invalid",
        message: `orderBy[${i}].column: a distinct query sorts on the columns it reads (${projected.join(", ")}); ${o.column} is not one of them.`,
      });
    }
  }
  if (query.limit !== undefined && !(Number.isSafeInteger(query.limit) && query.limit >= 0)) {
    problems.push({ key: "sluice.query.invalid", message: `limit: give a whole number, 0 or more, not ${String(query.limit).slice(0, 20)}.` });
  }
  if (problems.length > 0) {
    const first = problems[0]!.key;
    const code = isErrorCode(first) && problems.every((p) => p.key === first) ? first : "sluice.query.invalid";
    throw new SluiceError(code, `Invalid query of ${where}`, { problems });
  }
  return { ...query, where: conditions as Condition[] };
}
