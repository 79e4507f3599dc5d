/**
 * Syncs as the admin API and the console see them: start one now (409 while one runs), the site's
 * status (its schedule is sync-schedule.ts's).
 */
import { SluiceError } from "../core/errors.js";
import type { JobTrigger } from "../core/job.js";
import type { JobRunner } from "../jobs/runner.js";
import type { Site, Store } from "../store/port.js";
import { sourceOf } from "./engine.js";
import { SYNC_KIND, toSyncRun, asSyncJob, type SyncParams, type SyncRun } from "./run-state.js";
import { syncStatus, type SyncStatus } from "./sync-status.js";

export function syncBusy(running: SyncRun): SluiceError {
  return new SluiceError("sluice.sync.running", `a sync of this site is already running (started ${running.startedAt})`, { details: { running } });
}

export type SyncStart = { outcome: "started"; run: SyncRun; done: Promise<void> } | { outcome: "busy"; run: SyncRun };

export class SyncService {
  constructor(private readonly deps: { store: Store; runner: JobRunner }) {}

  /** Starts a sync of the site on this node now; `busy` with the running one otherwise. */
  async start(site: Site, params: SyncParams, trigger: JobTrigger): Promise<SyncStart> {
    await sourceOf(this.deps.store, site);
    const started = await this.deps.runner.start(SYNC_KIND, { siteId: site.id, params, trigger });
    const run = toSyncRun(asSyncJob(started.job));
    if (started.outcome === "busy") return { outcome: "busy", run };
    return { outcome: "started", run, done: this.deps.runner.waitFor(started.job.id) };
  }

  async status(site: Site): Promise<SyncStatus> {
    return syncStatus(this.deps.store, site, (job) => this.deps.runner.live(job));
  }
}
