import type { Report } from "../api/reports.js";

/** What a report reads: its entity, or the saved SQL query it runs. */
export function sourceOf(report: Report): string {
  if (report.sqlQueryId !== undefined && report.sqlQueryId !== null) return `SQL query ${report.sqlQueryId}`;
  return report.entity ?? "–";
}
