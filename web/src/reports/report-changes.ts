/**
 * What a save of a report sends: for a new one, all of it; for a saved one, only what changed (the
 * server keeps the rest). A new entity drops the filter and sort set through the API, which name the
 * old entity's columns.
 */
import type { Report, ReportPatch, ReportSource } from "../api/reports.js";
import type { Visibility } from "../api/sql.js";

export interface ReportDraft {
  name: string;
  visibility: Visibility;
  source: ReportSource;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The entity a saved report reads, or null when it runs a saved SQL query. */
export function entityOf(report: Report): string | null {
  return report.sqlQueryId !== undefined && report.sqlQueryId !== null ? null : (report.entity ?? null);
}

export function changesOf(report: Report, draft: ReportDraft): ReportPatch {
  const patch: ReportPatch = {};
  if (draft.name !== report.name) patch.name = draft.name;
  if (draft.visibility !== report.visibility) patch.visibility = draft.visibility;
  const source = draft.source;
  if ("sqlQueryId" in source) {
    if (source.sqlQueryId !== report.sqlQueryId) patch.sqlQueryId = source.sqlQueryId;
    return patch;
  }
  const before = entityOf(report);
  if (source.entity !== before) {
    Object.assign(patch, { entity: source.entity, columns: source.columns, jql: source.jql });
    if (before !== null && report.filter.length + report.sort.length > 0) Object.assign(patch, { filter: [], sort: [] });
    return patch;
  }
  if (!sameList(source.columns, report.columns)) patch.columns = source.columns;
  if (source.jql !== report.jql) patch.jql = source.jql;
  return patch;
}
