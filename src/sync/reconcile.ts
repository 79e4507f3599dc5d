/**
 * Deletion sweep: compares every key the store holds with the ids the source still lists and deletes
 * the rest, with every row that belongs to them — their children as the registry declares them
 * (`EntityDef.parents`: an issue's fields, history, worklogs, links at either end and attachments; a
 * page's comments; a repository's commits, build statuses and pull requests, and those pull requests'
 * activities), to any depth, without waiting for a vendor's "deleted" feed. A sweep that lists no id at
 * all while the store holds rows deletes nothing (a permission change must not wipe a site) and says so.
 */
import { childrenOf, type EntityDef } from "../core/entities/registry.js";
import type { Store } from "../store/port.js";
import type { Connector, StreamContext } from "../sources/connector/connector.js";

const KEY_BATCH = 5000;

/** What a sync logs to (a pino logger fits). */
export interface SyncLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export async function reconcile(
  store: Store,
  siteId: number,
  connector: Connector,
  ctx: StreamContext,
  defOf: (name: string) => EntityDef,
  log: SyncLogger | undefined,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const sweep of connector.sweeps) {
    const def = defOf(sweep.entity);
    const live = new Set<string>();
    for await (const ids of sweep.ids(ctx)) for (const id of ids) live.add(String(id));
    const stored = await store.data.count(siteId, def);
    if (live.size === 0 && stored > 0) {
      log?.warn({ entity: sweep.entity, stored }, "the source listed no ids: nothing deleted");
      continue;
    }
    let gone: unknown[][] = [];
    for await (const keys of store.data.keys(siteId, def, KEY_BATCH)) {
      for (const key of keys) if (!live.has(String(key[0]))) gone.push(key);
    }
    if (sweep.exists) {
      const missing = gone;
      gone = [];
      for (const key of missing) if (!(await sweep.exists(ctx, String(key[0])))) gone.push(key);
      if (gone.length < missing.length) log?.info({ entity: sweep.entity, kept: missing.length - gone.length }, "left out of the listing but still there when asked by id: kept");
    }
    if (gone.length === 0) continue;
    deleted[sweep.entity] = await store.data.deleteByKey(siteId, def, gone);
    await deleteChildren(store, siteId, def, gone.map((k) => String(k[0])), deleted);
  }
  return deleted;
}

/** Ids looked up per query when finding the children of deleted rows. */
const ID_CHUNK = 500;

/** Deletes the rows that belong to the deleted rows `ids` of `parent`, and theirs, counting per entity. */
export async function deleteChildren(store: Store, siteId: number, parent: EntityDef, ids: readonly string[], deleted: Record<string, number>): Promise<void> {
  if (ids.length === 0) return;
  for (const { def, column } of childrenOf(parent)) {
    const doomed = new Map<string, unknown[]>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const rows = await store.data.distinct(siteId, def, def.key, { column, in: ids.slice(i, i + ID_CHUNK) }, Number.MAX_SAFE_INTEGER);
      for (const row of rows) {
        const key = def.key.map((k) => row[k]);
        doomed.set(JSON.stringify(key), key);
      }
    }
    if (doomed.size === 0) continue;
    const keys = [...doomed.values()];
    const n = await store.data.deleteByKey(siteId, def, keys);
    if (n > 0) deleted[def.name] = (deleted[def.name] ?? 0) + n;
    if (def.key.length === 1) await deleteChildren(store, siteId, def, keys.map((k) => String(k[0])), deleted);
  }
}
