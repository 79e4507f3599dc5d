/**
 * Reads back what a sync stored, straight from the store (a data snapshot, not an export): one
 * entity's rows as records by column name, or every row of every entity of a site as JSON text.
 * What the sync tests compare with the fixtures upstream and with each other before and after a run.
 */
import { ALL_ENTITIES, entity, storedColumns, type Product } from "../../src/core/entities/registry.js";
import type { Site, Store } from "../../src/store/port.js";

/**
 * A stored value as the tests compare it, whatever the store: long text comes back from a snapshot as
 * UTF-8 bytes (SQLite) and becomes a string; a Date becomes its ISO string and a bigint a number, as
 * on SQLite. Anything else is returned as it is.
 */
export const plain = (value: unknown): unknown =>
  value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : value instanceof Date ? value.toISOString() : typeof value === "bigint" ? Number(value) : value;

/**
 * Every stored row of the entity `product`.`entityName` of `site`, in store (key) order, as a record
 * by stored column name (`storedColumns`, the scope key included) with each value `plain`. Reads
 * through one snapshot, closed before returning (also on error).
 */
export async function rowsOf(store: Store, site: Site, product: Product, entityName: string): Promise<Record<string, unknown>[]> {
  const def = entity(product, entityName);
  const cols = storedColumns(def).map((c) => c.name);
  const snap = await store.data.snapshot(site.id);
  const out: Record<string, unknown>[] = [];
  try {
    for await (const batch of snap.rows(def, 1000)) for (const row of batch) out.push(Object.fromEntries(cols.map((c, i) => [c, plain(row[i])])));
  } finally {
    await snap.close();
  }
  return out;
}

/**
 * Every row of every entity of the site's product (the registry's `ALL_ENTITIES`, in registry order),
 * keyed by entity name: each row as the JSON text of its `plain` values in stored column order, rows
 * in store order. An entity without rows maps to an empty list. One snapshot per entity, each closed.
 */
export async function everyRow(store: Store, site: Site): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const def of ALL_ENTITIES.filter((e) => e.product === site.product)) {
    const snap = await store.data.snapshot(site.id);
    const rows: string[] = [];
    try {
      for await (const batch of snap.rows(def, 1000)) for (const row of batch) rows.push(JSON.stringify(row.map(plain)));
    } finally {
      await snap.close();
    }
    out.set(def.name, rows);
  }
  return out;
}
