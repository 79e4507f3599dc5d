import { join } from "node:path";
import type { Config } from "../config.js";
import type { SettingsRepo, Site } from "../store/port.js";

export const EXPORT_PATH_SETTING = "exportPath";

/**
 * The default root is `<home>/shared/data-pipeline/export/<site key>` (one server hosts several
 * sites and job ids count from 1 per site, so each site gets its own folder); a custom path gives
 * `<custom>/data-pipeline/export`, as in the original (one site per custom path).
 */
export async function rootExportPath(
  config: Config,
  settings: SettingsRepo,
  site: Site,
): Promise<{ rootExportPath: string; customPathSet: boolean }> {
  const custom = await settings.get<string>(site.id, EXPORT_PATH_SETTING);
  return custom
    ? { rootExportPath: join(custom, "data-pipeline", "export"), customPathSet: true }
    : { rootExportPath: join(config.home, "shared", "data-pipeline", "export", site.key || "root"), customPathSet: false };
}

/** The site's base URL: its own when set, else the server's public URL plus the context path. */
export function siteBaseUrl(config: Config, site: Site): string {
  if (site.baseUrl) return site.baseUrl;
  return site.contextPath === "/" ? config.baseUrl : `${config.baseUrl}${site.contextPath}`;
}
