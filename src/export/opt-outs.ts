/**
 * Opt-outs (`config/optout`): spaces, projects or repositories left out of every file of every
 * export, with all their content. Stored per site as the resolved list the job records.
 */
import type { ScopeKind } from "../core/entities/registry.js";
import type { ScopeMatch } from "../sites/scopes.js";
import type { OptedOutEntity } from "../core/export-job.js";
import type { Site, Store } from "../store/port.js";


export const OPT_OUT_SETTING = "optout";

export function optOutEntity(kind: ScopeKind, match: ScopeMatch, baseUrl: string): OptedOutEntity {
  return { type: kind, identifier: match.identifier, key: match.key, displayName: match.displayName, uri: baseUrl + match.path };
}

export async function readOptOuts(store: Store, site: Site): Promise<OptedOutEntity[]> {
  return (await store.settings.get<OptedOutEntity[]>(site.id, OPT_OUT_SETTING)) ?? [];
}
