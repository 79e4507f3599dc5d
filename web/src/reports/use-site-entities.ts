/**
 * The entities a report of a site may be of, with their columns, from the reports API. Loaded again
 * when the site changes; an answer for a site no longer chosen is not shown.
 */
import type { ReportEntity, ReportsApi } from "../api/reports.js";
import { useLoad } from "../app/use-load.js";

export interface SiteEntities {
  /** null while loading (or when no site is chosen, or after a failure). */
  entities: ReportEntity[] | null;
  error: string | null;
}

export function useSiteEntities(reports: ReportsApi, site: string): SiteEntities {
  const { value, error } = useLoad(async () => ({ site, entities: site === "" ? [] : await reports.entities(site) }), [reports, site], "Could not list the site's entities");
  return { entities: value?.site === site ? value.entities : null, error };
}
