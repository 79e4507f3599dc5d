/** The sync status a site shows (API and CLI): current run with progress, history, totals, last error. */
import { entitiesOf } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";
import { CURRENT_KEY, RUNS_KEY, STATE_KEY, type SyncRun, type SyncState } from "./run-state.js";
import { holdsSite } from "./sync-lock.js";

export interface SyncStatus {
  running: boolean;
  current: SyncRun | null;
  history: SyncRun[];
  firstSyncAt: string | null;
  lastSuccessAt: string | null;
  /** Rows stored now, per entity. */
  counts: Record<string, number>;
  lastError: (SyncRun["error"] & { at: string }) | null;
}

export async function syncStatus(store: Store, site: Site, now: number): Promise<SyncStatus> {
  const current = await store.settings.get<SyncRun>(site.id, CURRENT_KEY);
  const runs = (await store.settings.get<SyncRun[]>(site.id, RUNS_KEY)) ?? [];
  const state = (await store.settings.get<SyncState>(site.id, STATE_KEY)) ?? {};
  const counts: Record<string, number> = {};
  for (const def of entitiesOf(site.product)) counts[def.name] = await store.data.count(site.id, def);
  const failed = runs.find((r) => r.status === "FAILED" && r.error);
  const real = current && current.status !== ("NONE" as string) ? current : null;
  return {
    running: holdsSite(real ?? undefined, now),
    current: real,
    history: runs,
    firstSyncAt: state.firstSyncAt ?? null,
    lastSuccessAt: state.lastSuccessAt ?? null,
    counts,
    lastError: failed?.error ? { ...failed.error, at: failed.finishedAt ?? failed.startedAt } : null,
  };
}
