/** How the jobs page names a job's or a schedule's site (by key; `null`: work of no site). */
import type { Site } from "../api/types.js";
import { siteLabel } from "../sites/use-site.js";

/** A site key as console addresses and admin API paths take it: `-` for the site mounted at `/`. */
export function siteRouteKey(key: string): string {
  return key === "" ? "-" : key;
}

/** The site's context path (`/wiki`), from the sites list when it is known. */
export function siteName(key: string | null, sites: Site[] | null): string {
  if (key === null) return "–";
  const site = sites?.find((s) => s.key === key);
  return site ? siteLabel(site) : `/${key}`;
}
