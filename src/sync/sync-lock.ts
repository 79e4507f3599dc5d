/**
 * One sync per site at a time, across processes: the run in `sync.current` holds the site while it is
 * RUNNING and alive. A run whose process is gone (killed on this host) or whose heartbeat is older than
 * `staleMs` no longer holds it, so a killed sync can be resumed at once.
 */
import { hostname } from "node:os";
import type { Store } from "../store/port.js";
import { CURRENT_KEY, type SyncRun } from "./run-state.js";

export const STALE_MS = 10 * 60_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function holdsSite(run: SyncRun | undefined, now: number): boolean {
  if (!run || run.status !== "RUNNING") return false;
  if (now - run.heartbeatAt > STALE_MS) return false;
  if (run.host === hostname() && run.pid !== process.pid && !processAlive(run.pid)) return false;
  return true;
}

export type Claim = { ok: true } | { ok: false; running: SyncRun };

export async function claimSite(store: Store, siteId: number, run: SyncRun, now: number): Promise<Claim> {
  for (let i = 0; i < 3; i++) {
    const current = await store.settings.get<SyncRun>(siteId, CURRENT_KEY);
    if (current && holdsSite(current, now)) return { ok: false, running: current };
    if (current === undefined) {
      await store.settings.set(siteId, CURRENT_KEY, { status: "NONE" });
      continue;
    }
    if (await store.settings.compareAndSet(siteId, CURRENT_KEY, current, run)) return { ok: true };
  }
  const current = await store.settings.get<SyncRun>(siteId, CURRENT_KEY);
  return { ok: false, running: current as SyncRun };
}
