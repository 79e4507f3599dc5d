/**
 * Deletion sweep: compares every key the store holds with the ids the source still lists and deletes
 * the rest, with their children (an issue's fields and history). A sweep that lists no id at all while
 * the store holds rows deletes nothing (a permission change must not wipe a site) and says so.
 */
import type { EntityDef } from "../core/entities/registry.js";
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
    const gone: unknown[][] = [];
    for await (const keys of store.data.keys(siteId, def, KEY_BATCH)) {
      for (const key of keys) if (!live.has(String(key[0]))) gone.push(key);
    }
    if (gone.length === 0) continue;
    deleted[sweep.entity] = await store.data.deleteByKey(siteId, def, gone);
    const goneIds = new Set(gone.map((k) => String(k[0])));
    for (const child of sweep.children ?? []) {
      const childDef = defOf(child.entity);
      const at = childDef.key.indexOf(child.column);
      if (at < 0) continue;
      const doomed: unknown[][] = [];
      for await (const keys of store.data.keys(siteId, childDef, KEY_BATCH)) {
        for (const key of keys) if (goneIds.has(String(key[at]))) doomed.push(key);
      }
      if (doomed.length > 0) deleted[child.entity] = (deleted[child.entity] ?? 0) + (await store.data.deleteByKey(siteId, childDef, doomed));
    }
  }
  return deleted;
}
