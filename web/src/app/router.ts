/** Path routing under the console's base (`/admin/`), with the History API. */
import { useEffect, useState } from "react";

export type Route =
  | { name: "sites" }
  | { name: "jobs" }
  | { name: "pipeline"; siteKey: string }
  | { name: "job"; siteKey: string; jobId: number }
  | { name: "sql-sites" }
  | { name: "sql"; siteKey: string; queryId?: number }
  | { name: "dashboards"; siteKey: string }
  | { name: "dashboard"; siteKey: string; dashboardId: number }
  | { name: "reports" }
  | { name: "new-report" }
  | { name: "report"; reportId: number; scheduleId?: number }
  | { name: "backup-policies" }
  | { name: "backup-storages" }
  | { name: "backup-policy"; policyId: string }
  | { name: "restores" }
  | { name: "new-restore"; backupId?: string }
  | { name: "restore"; restoreId: string }
  | { name: "not-found"; path: string };

const ID = /^[1-9]\d{0,15}$/;
/** The backup API's ids: backups are numbers, policies and restores UUIDs. */
const BACKUP_ID = /^[A-Za-z0-9._:-]{1,100}$/;

const BASE = import.meta.env.BASE_URL.replace(/\/$/, "");

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "sites" };
  if (parts[0] === "jobs" && parts.length === 1) return { name: "jobs" };
  if (parts[0] === "sites" && parts.length === 2) return { name: "pipeline", siteKey: parts[1] ?? "" };
  if (parts[0] === "sites" && parts[2] === "jobs" && parts.length === 4 && /^\d+$/.test(parts[3] ?? "")) {
    return { name: "job", siteKey: parts[1] ?? "", jobId: Number(parts[3]) };
  }
  if (parts[0] === "sql") return parseSql(parts.slice(1)) ?? { name: "not-found", path: rest };
  if (parts[0] === "reports") return parseReports(parts.slice(1)) ?? { name: "not-found", path: rest };
  if (parts[0] === "backups") return parseBackups(parts.slice(1)) ?? { name: "not-found", path: rest };
  return { name: "not-found", path: rest };
}

/** `sql`, `sql/<site>`, `sql/<site>/queries/<id>`, `sql/<site>/dashboards`, `sql/<site>/dashboards/<id>`. */
function parseSql(parts: string[]): Route | undefined {
  const [siteKey, section, id] = parts;
  if (siteKey === undefined) return { name: "sql-sites" };
  if (section === undefined) return { name: "sql", siteKey };
  if (section === "queries" && id !== undefined && ID.test(id) && parts.length === 3) return { name: "sql", siteKey, queryId: Number(id) };
  if (section === "dashboards" && id === undefined) return { name: "dashboards", siteKey };
  if (section === "dashboards" && id !== undefined && ID.test(id) && parts.length === 3) return { name: "dashboard", siteKey, dashboardId: Number(id) };
  return undefined;
}

/** `reports`, `reports/new`, `reports/<id>`, `reports/<id>/schedules/<id>`. */
function parseReports(parts: string[]): Route | undefined {
  const [id, section, scheduleId] = parts;
  if (id === undefined) return { name: "reports" };
  if (id === "new" && parts.length === 1) return { name: "new-report" };
  if (!ID.test(id)) return undefined;
  if (section === undefined) return { name: "report", reportId: Number(id) };
  if (section === "schedules" && scheduleId !== undefined && ID.test(scheduleId) && parts.length === 3) return { name: "report", reportId: Number(id), scheduleId: Number(scheduleId) };
  return undefined;
}

/** `backups`, `backups/storages`, `backups/policies/<id>`, `backups/restores`, `backups/restores/new[/<backup>]`, `backups/restores/<id>`. */
function parseBackups(parts: string[]): Route | undefined {
  const [section, id, backupId] = parts;
  if (section === undefined) return { name: "backup-policies" };
  if (section === "storages" && parts.length === 1) return { name: "backup-storages" };
  if (section === "policies" && id !== undefined && BACKUP_ID.test(id) && parts.length === 2) return { name: "backup-policy", policyId: id };
  if (section !== "restores") return undefined;
  if (id === undefined) return { name: "restores" };
  if (id === "new" && backupId === undefined) return { name: "new-restore" };
  if (id === "new" && BACKUP_ID.test(backupId ?? "") && parts.length === 3) return { name: "new-restore", backupId: backupId ?? "" };
  if (BACKUP_ID.test(id) && parts.length === 2) return { name: "restore", restoreId: id };
  return undefined;
}

export function href(route: Route): string {
  switch (route.name) {
    case "sites":
      return `${BASE}/`;
    case "jobs":
      return `${BASE}/jobs`;
    case "pipeline":
      return `${BASE}/sites/${encodeURIComponent(route.siteKey)}`;
    case "job":
      return `${BASE}/sites/${encodeURIComponent(route.siteKey)}/jobs/${route.jobId}`;
    case "sql-sites":
      return `${BASE}/sql`;
    case "sql":
      return `${BASE}/sql/${encodeURIComponent(route.siteKey)}${route.queryId !== undefined ? `/queries/${route.queryId}` : ""}`;
    case "dashboards":
      return `${BASE}/sql/${encodeURIComponent(route.siteKey)}/dashboards`;
    case "dashboard":
      return `${BASE}/sql/${encodeURIComponent(route.siteKey)}/dashboards/${route.dashboardId}`;
    case "reports":
      return `${BASE}/reports`;
    case "new-report":
      return `${BASE}/reports/new`;
    case "report":
      return `${BASE}/reports/${route.reportId}${route.scheduleId !== undefined ? `/schedules/${route.scheduleId}` : ""}`;
    case "backup-policies":
      return `${BASE}/backups`;
    case "backup-storages":
      return `${BASE}/backups/storages`;
    case "backup-policy":
      return `${BASE}/backups/policies/${encodeURIComponent(route.policyId)}`;
    case "restores":
      return `${BASE}/backups/restores`;
    case "new-restore":
      return `${BASE}/backups/restores/new${route.backupId !== undefined ? `/${encodeURIComponent(route.backupId)}` : ""}`;
    case "restore":
      return `${BASE}/backups/restores/${encodeURIComponent(route.restoreId)}`;
    case "not-found":
      return `${BASE}${route.path}`;
  }
}

const EVENT = "sluice:navigate";

export function navigate(route: Route): void {
  window.history.pushState(null, "", href(route));
  window.dispatchEvent(new Event(EVENT));
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return route;
}
