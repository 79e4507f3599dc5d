/**
 * Rows of the saved-query, dashboard and report tables as both adapters read them (with the owner's user name
 * joined in), their mapping to the port's records, and the columns a patch sets.
 */
import type { ChartSpec, DashboardItem, Visibility } from "../core/saved-sql.js";
import type { ReportDefinition } from "../core/report.js";
import type { Dashboard, DashboardPatch, NewSavedReport, SavedQuery, SavedQueryPatch, SavedReport, SavedReportPatch } from "./port.js";

export interface SavedQueryRow {
  id: number;
  site_id: number;
  owner_id: number;
  owner_name: string;
  name: string;
  sql_text: string;
  chart: string;
  visibility: string;
  created_at: number;
  updated_at: number;
}

export interface DashboardRow {
  id: number;
  site_id: number;
  owner_id: number;
  owner_name: string;
  name: string;
  visibility: string;
  items: string;
  created_at: number;
  updated_at: number;
}

export type OwnedTable = "sql_queries" | "dashboards" | "reports";

export interface ReportRow {
  id: number;
  site_id: number;
  owner_id: number;
  owner_name: string;
  name: string;
  visibility: string;
  definition: string;
  created_at: number;
  updated_at: number;
}

export const REPORT_COLUMNS = ["site_id", "owner_id", "name", "visibility", "definition"] as const;

export function toReport(r: ReportRow): SavedReport {
  return {
    id: Number(r.id),
    siteId: Number(r.site_id),
    ownerId: Number(r.owner_id),
    ownerName: r.owner_name,
    name: r.name,
    visibility: r.visibility as Visibility,
    definition: JSON.parse(r.definition) as ReportDefinition,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function reportValues(r: NewSavedReport): unknown[] {
  return [r.siteId, r.ownerId, r.name, r.visibility, JSON.stringify(r.definition)];
}

export function reportPatchColumns(patch: SavedReportPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (patch.name !== undefined) out.push(["name", patch.name]);
  if (patch.visibility !== undefined) out.push(["visibility", patch.visibility]);
  if (patch.definition !== undefined) out.push(["definition", JSON.stringify(patch.definition)]);
  return out;
}

/** The select of either table with the owner's name, `FROM <table> r JOIN accounts a`. */
export function selectWithOwner(table: OwnedTable): string {
  return `SELECT r.*, a.username AS owner_name FROM ${table} r JOIN accounts a ON a.id = r.owner_id`;
}

export function toSavedQuery(r: SavedQueryRow): SavedQuery {
  return {
    id: r.id,
    siteId: r.site_id,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    name: r.name,
    sql: r.sql_text,
    chart: JSON.parse(r.chart) as ChartSpec,
    visibility: r.visibility as Visibility,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toDashboard(r: DashboardRow): Dashboard {
  return {
    id: r.id,
    siteId: r.site_id,
    ownerId: r.owner_id,
    ownerName: r.owner_name,
    name: r.name,
    visibility: r.visibility as Visibility,
    items: JSON.parse(r.items) as DashboardItem[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function queryPatchColumns(patch: SavedQueryPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (patch.name !== undefined) out.push(["name", patch.name]);
  if (patch.sql !== undefined) out.push(["sql_text", patch.sql]);
  if (patch.chart !== undefined) out.push(["chart", JSON.stringify(patch.chart)]);
  if (patch.visibility !== undefined) out.push(["visibility", patch.visibility]);
  return out;
}

export function dashboardPatchColumns(patch: DashboardPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (patch.name !== undefined) out.push(["name", patch.name]);
  if (patch.visibility !== undefined) out.push(["visibility", patch.visibility]);
  if (patch.items !== undefined) out.push(["items", JSON.stringify(patch.items)]);
  return out;
}

/** A dashboard's stored items without one query (null when the query is not on it). */
export function itemsWithout(items: string, queryId: number): string | null {
  const list = JSON.parse(items) as DashboardItem[];
  const kept = list.filter((i) => i.queryId !== queryId);
  return kept.length === list.length ? null : JSON.stringify(kept);
}
