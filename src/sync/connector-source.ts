/**
 * The `Source` of a site fed by a connector: an export is not ready while the first sync has not
 * finished or when the last sync failed (`export.pre.validation.failed`, 422 unless forced).
 */
import type { ReadinessProblem, Source } from "../sources/port.js";
import { SOURCE_SETTING } from "../sources/connector/source-config.js";
import type { Site, Store } from "../store/port.js";
import { STATE_KEY, SYNC_KIND, syncLock, toSyncRun, asSyncJob, type SyncState } from "./run-state.js";

export function connectorSource(store: Store): Source {
  return {
    name: "connector",
    async appliesTo(site: Site) {
      return (await store.settings.get(site.id, SOURCE_SETTING)) !== undefined;
    },
    async readiness(site: Site): Promise<ReadinessProblem[]> {
      const source = await store.settings.get<{ kind: string; url: string }>(site.id, SOURCE_SETTING);
      if (!source) return [];
      const name = site.key || "/";
      const state = (await store.settings.get<SyncState>(site.id, STATE_KEY)) ?? {};
      const finished = await store.jobs.list({ siteId: site.id, kind: SYNC_KIND, statuses: ["COMPLETED", "FAILED", "CANCELLED"] }, 0, 1);
      const last = finished.jobs[0] ? toSyncRun(asSyncJob(finished.jobs[0])) : undefined;
      if (last?.status === "FAILED") {
        return [
          {
            key: "export.pre.validation.failed",
            message: `The last sync of site ${name} from ${source.url} (${last.finishedAt ?? last.startedAt}) failed: ${last.error?.message ?? "unknown error"}. Fix the cause and run \`sluice sync --site ${name}\`, or export anyway with forceExport=true.`,
          },
        ];
      }
      if (!state.firstSyncAt) {
        const running = (await store.jobs.holder(syncLock(site.id))) ? " is still running" : " has not finished";
        return [
          {
            key: "export.pre.validation.failed",
            message: `The first sync of site ${name} from ${source.url}${running}: its data is incomplete. Run \`sluice sync --site ${name}\` and wait for it to succeed, or export anyway with forceExport=true.`,
          },
        ];
      }
      return [];
    },
  };
}
