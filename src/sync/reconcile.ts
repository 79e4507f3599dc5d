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

/**
 * Deletes the rows that belong to the deleted rows `ids` of `parent`, and theirs, counting per entity:
 * `KEY_BATCH` keys at a time, found and deleted until none is left, so that a repository of a million
 * commits goes with memory flat.
 */
export async function deleteChildren(store: Store, siteId: number, parent: EntityDef, ids: readonly string[], deleted: Record<string, number>): Promise<void> {
  for (const { def, column } of childrenOf(parent)) {
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const owners = ids.slice(i, i + ID_CHUNK);
      for (;;) {
        const rows = await store.data.distinct(siteId, def, def.key, { column, in: owners }, KEY_BATCH);
        const keys = rows.map((row) => def.key.map((k) => row[k]));
        const n = keys.length > 0 ? await store.data.deleteByKey(siteId, def, keys) : 0;
        if (n > 0) deleted[def.name] = (deleted[def.name] ?? 0) + n;
        if (def.key.length === 1) await deleteChildren(store, siteId, def, keys.map((k) => String(k[0])), deleted);
        // A short batch was the last; a batch none of which went would come back again.
        if (rows.length < KEY_BATCH || n === 0) break;
      }
    }
  }
}
