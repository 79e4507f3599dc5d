/**
 * The `Source` of a site fed by a connector: an export is not ready while the first sync has not
 * finished or when the last sync failed (`export.pre.validation.failed`, 422 unless forced).
 */
import type { Site, Store } from "../store/port.js";
import type { ReadinessProblem, Source } from "../sources/port.js";
import { CURRENT_KEY, RUNS_KEY, STATE_KEY, type SyncRun, type SyncState } from "./run-state.js";
import { SOURCE_SETTING } from "../sources/connector/source-config.js";

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
      const runs = (await store.settings.get<SyncRun[]>(site.id, RUNS_KEY)) ?? [];
      const last = runs[0];
      if (last?.status === "FAILED") {
        return [
          {
            key: "export.pre.validation.failed",
            message: `The last sync of site ${name} from ${source.url} (${last.finishedAt ?? last.startedAt}) failed: ${last.error?.message ?? "unknown error"}. Fix the cause and run \`sluice sync --site ${name}\`, or export anyway with forceExport=true.`,
          },
        ];
      }
      if (!state.firstSyncAt) {
        const current = await store.settings.get<SyncRun>(site.id, CURRENT_KEY);
        const running = current?.status === "RUNNING" ? " is still running" : " has not finished";
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
