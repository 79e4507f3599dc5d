import { join } from "node:path";
import type { Config } from "../config.js";
import type { SettingsRepo, Site } from "../store/port.js";
import { isS3Path } from "./s3-path.js";

export const EXPORT_PATH_SETTING = "exportPath";

/**
 * The default root is `<home>/shared/data-pipeline/export/<site key>` (one server hosts several
 * sites and job ids count from 1 per site, so each site gets its own folder); a custom path gives
 * `<custom>/data-pipeline/export`, as in the original (one site per custom path). A custom path may
 * name a storage (`s3://bucket/prefix`): the root is then `s3://bucket/prefix/data-pipeline/export`.
 */
export async function rootExportPath(
  config: Config,
  settings: SettingsRepo,
  site: Site,
): Promise<{ rootExportPath: string; customPathSet: boolean }> {
  const custom = await settings.get<string>(site.id, EXPORT_PATH_SETTING);
  if (custom && isS3Path(custom)) return { rootExportPath: `${custom}/data-pipeline/export`, customPathSet: true };
  return custom
    ? { rootExportPath: join(custom, "data-pipeline", "export"), customPathSet: true }
    : { rootExportPath: join(config.home, "shared", "data-pipeline", "export", site.key || "root"), customPathSet: false };
}

/**
 * Where an export to a storage writes its files before they are uploaded: `<home>/export-staging/<site
 * key>`, one folder per job below it. Only one export of a site runs at a time, so whatever else is
 * there was left by a node that died.
 */
export function stagingRoot(config: Config, site: Site): string {
  return join(config.home, "export-staging", site.key || "root");
}

/** The site's base URL: its own when set, else the server's public URL plus the context path. */
export function siteBaseUrl(config: Config, site: Site): string {
  if (site.baseUrl) return site.baseUrl;
  return site.contextPath === "/" ? config.baseUrl : `${config.baseUrl}${site.contextPath}`;
}
