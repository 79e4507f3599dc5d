/**
 * Queries the stores build for their own lookups, from the query layer's parts: a whole entity, a page
 * of keys after a key, and the small DISTINCT lookups of opt-outs, pickers and syncs.
 */
import { storedColumns, type EntityDef } from "../core/entities/registry.js";
import { checkQuery, type EntityQuery, type QueryTarget } from "../core/query.js";
import { normaliseValue } from "../core/query-values.js";

/** A target as a checked query (a bare entity: every row, key order). */
export function asQuery(target: QueryTarget): EntityQuery {
  return checkQuery("entity" in target ? target : { entity: target });
}

/** The next `limit` keys of `def` after `after` (all from the start without), in key order. */
export function keysAfter(def: EntityDef, after: readonly unknown[] | undefined, limit: number): EntityQuery {
  return { entity: def, columns: def.key, where: after ? [{ key: ">", values: after }] : [], limit };
}

/**
 * Distinct values of `columns` where `where.column` is one of `in` (values the column cannot hold are
 * ignored: `'x'` finds no numeric id) or contains `contains` (case-insensitive, literally: `%` and `_` are
 * not wildcards); ordered by the columns, nulls first. Undefined when nothing can match.
 */
export function distinctLookup(
  def: EntityDef,
  columns: readonly string[],
  where: { column: string; in?: readonly string[]; contains?: string },
  limit: number,
): EntityQuery | undefined {
  const base = { entity: def, columns, distinct: true, orderBy: columns.map((column) => ({ column })), limit };
  if (where.in) {
    const column = storedColumns(def).find((c) => c.name === where.column);
    const values = column ? where.in.flatMap((v) => { const n = normaliseValue(column, v); return n.ok ? [n.value] : []; }) : [...where.in];
    if (values.length === 0) return undefined;
    return { ...base, where: [{ column: where.column, op: "in", values }] };
  }
  if (where.contains !== undefined && where.contains !== "") {
    const escaped = where.contains.replace(/[\\%_]/g, (c) => `\\${c}`);
    return { ...base, where: [{ column: where.column, op: "like", value: `%${escaped}%` }] };
  }
  return base;
}
