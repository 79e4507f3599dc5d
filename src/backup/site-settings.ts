/**
 * A site's settings in a backup (`site/settings.json`): its export path, opt-outs, export and report
 * schedules, the add-on permission switch and its git repository locations — what an administrator set
 * up beside the data. A restore brings back what belongs to the containers it restored (opt-outs, with
 * their keys as the destination has them) and the add-on switch; an export path and schedules belong to
 * one site (two sites writing to one folder, or one schedule firing for both, would be wrong), so they
 * are kept in the archive and listed in the post-operation report as not applied.
 */
import type { OptedOutEntity } from "../core/export-job.js";
import { EXPORT_PATH_SETTING } from "../export/export-paths.js";
import { OPT_OUT_SETTING } from "../export/opt-outs.js";
import { ADDON_SETTING } from "../reports/report-kind.js";
import { GIT_LOCATIONS_KEY, type GitLocations } from "../sources/git/repository.js";
import type { Site, Store } from "../store/port.js";

export const SETTINGS_PART = "site/settings.json";

export interface SiteSettings {
  exportPath: string | null;
  optOuts: OptedOutEntity[];
  addOnPermissions: boolean | null;
  schedules: { kind: string; name: string; recurrence: unknown; enabled: boolean }[];
  gitRepositories: GitLocations;
}

export async function readSiteSettings(store: Store, site: Site): Promise<SiteSettings> {
  return {
    exportPath: (await store.settings.get<string>(site.id, EXPORT_PATH_SETTING)) ?? null,
    optOuts: (await store.settings.get<OptedOutEntity[]>(site.id, OPT_OUT_SETTING)) ?? [],
    addOnPermissions: (await store.settings.get<boolean>(site.id, ADDON_SETTING)) ?? null,
    schedules: (await store.schedules.list({ siteId: site.id })).map((s) => ({ kind: s.kind, name: s.name, recurrence: s.recurrence, enabled: s.enabled })),
    gitRepositories: (await store.settings.get<GitLocations>(site.id, GIT_LOCATIONS_KEY)) ?? {},
  };
}

/**
 * Applies the settings a restore brings: opt-outs of the restored containers the destination has not
 * opted out of (`mapScope` gives a container's key on the destination; `baseUrl` its address), and the
 * add-on switch when the destination has none. Returns what was applied and what was not, with why.
 */
export async function applySiteSettings(
  store: Store,
  site: Site,
  settings: SiteSettings,
  restored: { scopes: ReadonlySet<string>; mapScope: (key: string) => string; sourceBaseUrl: string; baseUrl: string },
): Promise<{ applied: string[]; notApplied: { setting: string; reason: string }[] }> {
  const applied: string[] = [];
  const notApplied: { setting: string; reason: string }[] = [];
  const optOuts = settings.optOuts.filter((o) => restored.scopes.has(o.type === "REPOSITORY" ? o.identifier : o.key));
  if (optOuts.length > 0) {
    const have = (await store.settings.get<OptedOutEntity[]>(site.id, OPT_OUT_SETTING)) ?? [];
    const mapped = optOuts.map((o) => {
      const identifier = o.type === "REPOSITORY" ? restored.mapScope(o.identifier) : o.identifier;
      return { ...o, identifier, uri: o.uri.startsWith(restored.sourceBaseUrl) ? restored.baseUrl + o.uri.slice(restored.sourceBaseUrl.length) : o.uri };
    });
    const fresh = mapped.filter((o) => !have.some((h) => h.type === o.type && h.key === o.key && h.identifier === o.identifier));
    if (fresh.length > 0) await store.settings.set(site.id, OPT_OUT_SETTING, [...have, ...fresh]);
    applied.push(`opt-outs (${fresh.length})`);
  }
  if (settings.addOnPermissions !== null) {
    if ((await store.settings.get<boolean>(site.id, ADDON_SETTING)) === undefined) {
      await store.settings.set(site.id, ADDON_SETTING, settings.addOnPermissions);
      applied.push("report add-on permissions");
    } else notApplied.push({ setting: "report add-on permissions", reason: "the destination has its own" });
  }
  if (settings.exportPath !== null) notApplied.push({ setting: "export path", reason: `an export path belongs to one site (the backup's was ${settings.exportPath})` });
  for (const s of settings.schedules) notApplied.push({ setting: `schedule ${s.kind}/${s.name}`, reason: "schedules belong to one site; set them up on the destination" });
  return { applied, notApplied };
}
