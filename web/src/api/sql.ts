/**
 * A site's SQL API under `/<site>/rest/sql/v1`: run a read-only query as the signed-in person (the
 * console's limits: `context: "console"`), the tables and columns, and saved queries and dashboards.
 */
import { ApiError } from "./client.js";
import type { Api } from "./client.js";
import type { ApiMessage } from "./types.js";

export type ChartType = "table" | "bar" | "line" | "pie";
export type Visibility = "private" | "public";
export type Width = "half" | "full";

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlTable {
  name: string;
  columns: SqlColumn[];
}

export interface SqlResult {
  columns: SqlColumn[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  elapsedMs: number | null;
  /** The query failed after rows had come: those rows and this error. */
  error?: ApiMessage;
}

export interface SqlPosition {
  line: number;
  column: number;
}

/** A query the server refused or stopped: its message, and where in the text when it knows. */
export class SqlError extends Error {
  readonly key: string;
  readonly status: number;
  readonly position: SqlPosition | null;

  constructor(status: number, key: string, message: string, position: SqlPosition | null) {
    super(message);
    this.name = "SqlError";
    this.status = status;
    this.key = key;
    this.position = position;
  }

  get timedOut(): boolean {
    return this.status === 408 || this.key === "sluice.sql.timeout";
  }
}

export interface ChartSpec {
  type: ChartType;
  x?: string;
  y: string[];
  series?: string;
}

export interface SavedQuery {
  id: number;
  site: string;
  name: string;
  sql: string;
  chart: ChartSpec;
  visibility: Visibility;
  owner: string;
  editable: boolean;
  deletable: boolean;
  createdTime: string;
  updatedTime: string;
}

export interface DashboardItem {
  queryId: number;
  width: Width;
  /** With one dashboard: the query, or null when it is not yours and not public. */
  query?: SavedQuery | null;
}

export interface Dashboard {
  id: number;
  site: string;
  name: string;
  visibility: Visibility;
  owner: string;
  editable: boolean;
  deletable: boolean;
  items: DashboardItem[];
  createdTime: string;
  updatedTime: string;
}

export interface NewQuery {
  name: string;
  sql: string;
  chart: ChartSpec;
  visibility: Visibility;
}

export interface NewDashboard {
  name: string;
  visibility: Visibility;
  items: { queryId: number; width: Width }[];
}

export interface SqlApi {
  run(sql: string, signal?: AbortSignal): Promise<SqlResult>;
  tables(): Promise<SqlTable[]>;
  queries(): Promise<SavedQuery[]>;
  query(id: number): Promise<SavedQuery>;
  saveQuery(query: NewQuery): Promise<SavedQuery>;
  updateQuery(id: number, patch: Partial<NewQuery>): Promise<SavedQuery>;
  deleteQuery(id: number): Promise<void>;
  dashboards(): Promise<Dashboard[]>;
  dashboard(id: number): Promise<Dashboard>;
  saveDashboard(dashboard: NewDashboard): Promise<Dashboard>;
  updateDashboard(id: number, patch: Partial<NewDashboard>): Promise<Dashboard>;
  deleteDashboard(id: number): Promise<void>;
}

export interface SqlSite {
  key: string;
  product: string;
  contextPath: string;
}

/** Every site SQL runs on (any signed-in person may list them). */
export async function sqlSites(api: Api): Promise<SqlSite[]> {
  return (await api.get<{ values?: SqlSite[] }>("/rest/sql/v1/sites"))?.values ?? [];
}

/** The first problem of a refused query, with its position when the body gives one. */
function sqlError(error: ApiError): SqlError {
  const problems = (error.body as { errors?: unknown } | null)?.errors;
  const first = Array.isArray(problems) ? (problems[0] as { key?: unknown; message?: unknown; position?: unknown } | undefined) : undefined;
  const position = first?.position as { line?: unknown; column?: unknown } | undefined;
  const where = typeof position?.line === "number" && typeof position.column === "number" ? { line: position.line, column: position.column } : null;
  const message = typeof first?.message === "string" ? first.message : error.message;
  return new SqlError(error.status, typeof first?.key === "string" ? first.key : "", message, where);
}

function asResult(body: unknown): SqlResult {
  const b = (body ?? {}) as Partial<SqlResult>;
  const rows = Array.isArray(b.rows) ? b.rows : [];
  return {
    columns: Array.isArray(b.columns) ? b.columns : [],
    rows,
    rowCount: typeof b.rowCount === "number" ? b.rowCount : rows.length,
    truncated: b.truncated === true,
    elapsedMs: typeof b.elapsedMs === "number" ? b.elapsedMs : null,
    ...(b.error ? { error: b.error } : {}),
  };
}

/** `siteKey`: the site's key in console addresses (`-` for the site at `/`). */
export function createSqlApi(api: Api, siteKey: string): SqlApi {
  const base = siteKey === "-" ? "/rest/sql/v1" : `/${encodeURIComponent(siteKey)}/rest/sql/v1`;
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
    (await api.request<T>(method, `${base}${path}`, body === undefined ? {} : { body })).body;
  return {
    async run(sql, signal) {
      try {
        const response = await api.request<unknown>("POST", `${base}/query`, { body: { sql, format: "json", context: "console" }, ...(signal ? { signal } : {}) });
        if (typeof response.body === "string") {
          return { columns: [], rows: [], rowCount: 0, truncated: false, elapsedMs: null, error: { key: "sluice.sql.cut", message: "The answer was cut short: the connection to the server ended before the last row." } };
        }
        return asResult(response.body);
      } catch (error) {
        throw error instanceof ApiError && error.status >= 400 ? sqlError(error) : error;
      }
    },
    async tables() {
      return (await send<{ tables?: SqlTable[] }>("GET", "/tables"))?.tables ?? [];
    },
    async queries() {
      return (await send<{ values?: SavedQuery[] }>("GET", "/queries"))?.values ?? [];
    },
    query: (id) => send("GET", `/queries/${id}`),
    saveQuery: (query) => send("POST", "/queries", query),
    updateQuery: (id, patch) => send("PUT", `/queries/${id}`, patch),
    async deleteQuery(id) {
      await send("DELETE", `/queries/${id}`);
    },
    async dashboards() {
      return (await send<{ values?: Dashboard[] }>("GET", "/dashboards"))?.values ?? [];
    },
    dashboard: (id) => send("GET", `/dashboards/${id}`),
    saveDashboard: (dashboard) => send("POST", "/dashboards", dashboard),
    updateDashboard: (id, patch) => send("PUT", `/dashboards/${id}`, patch),
    async deleteDashboard(id) {
      await send("DELETE", `/dashboards/${id}`);
    },
  };
}
