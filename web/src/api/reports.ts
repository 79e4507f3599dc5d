/**
 * Scheduled reports under `/rest/reports/v1` (any signed-in person): reports over one site's entity or
 * saved SQL query, the entities a report may be of, their schedules (format, repeat, deliveries), runs
 * with each delivery's outcome, a site's report settings, and the dashboard of everything you can see.
 * Secrets of deliveries come back as `<set>`; sending `<set>` back with the delivery's `id` keeps them.
 */
import type { Api } from "./client.js";
import type { SqlColumn, Visibility } from "./sql.js";

const BASE = "/rest/reports/v1";

/** What the server shows in place of a saved secret (and takes back to keep it). */
export const SECRET_SET = "<set>";

export const REPORT_FORMATS = ["csv", "xlsx", "json", "parquet"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type EveryUnit = "days" | "weeks" | "months";

export type Repeat =
  | { type: "daily" }
  | { type: "weekly"; days: string[] }
  | { type: "monthly"; day: number }
  | { type: "yearly" }
  | { type: "every"; n: number; unit: EveryUnit };

export type RepeatType = Repeat["type"];

/** A filter condition as the query layer takes it; the console keeps these as they are. */
export interface ReportCondition {
  column: string;
  op: string;
  [field: string]: unknown;
}

export interface ReportSort {
  column: string;
  desc: boolean;
}

/** What a report reads: an entity with its columns, filter, JQL and sort — or a saved SQL query, which says all that itself. */
export interface ReportDefinition {
  /** Absent when the report runs a saved SQL query instead. */
  entity?: string | null;
  /** A saved SQL query of the site the report runs instead of an entity. */
  sqlQueryId?: number | null;
  /** The file's columns in order; empty: every column of the entity. */
  columns: string[];
  filter: ReportCondition[];
  /** Entities whose `jql` is true only (Jira issues). */
  jql: string | null;
  sort: ReportSort[];
}

export interface Report extends ReportDefinition {
  id: number;
  name: string;
  /** The site's context path (`/jira`). */
  site: string | null;
  product: string | null;
  visibility: Visibility;
  owner: string;
  /** Yours: you may change and schedule it (others "save as" a copy). */
  editable: boolean;
  deletable: boolean;
  createdTime: string;
  updatedTime: string;
}

/** A report's source as the API takes it: an entity (columns, JQL) or a saved SQL query of the site. */
export type ReportSource = { entity: string; columns: string[]; jql: string | null } | { sqlQueryId: number };

export type NewReport = { name: string; site: string; visibility: Visibility } & ReportSource;

/**
 * A report's fields to change (its site stays): only those sent change. Naming `entity` drops the saved
 * SQL query; naming `sqlQueryId` drops the entity and its columns, filter, JQL and sort.
 */
export interface ReportPatch {
  name?: string;
  visibility?: Visibility;
  entity?: string;
  sqlQueryId?: number;
  columns?: string[];
  filter?: ReportCondition[];
  jql?: string | null;
  sort?: ReportSort[];
}

export type PreviewRequest = ReportSource & {
  site: string;
  filter?: ReportCondition[];
  sort?: ReportSort[];
  /** 1 to 100. */
  limit: number;
};

/** An entity a report of a site may be of, with its columns (export names, in file order). */
export interface ReportEntity {
  name: string;
  /** Whether a report of it takes a JQL filter (Jira issues). */
  jql: boolean;
  columns: SqlColumn[];
}

/** A site's report settings, readable by everyone signed in. */
export interface ReportSettings {
  site: string;
  /** Whether schedules of the site may generate with add-on permissions (every row); otherwise the owner's apply. */
  allowAddonPermissions: boolean;
}

export interface Preview {
  columns: SqlColumn[];
  rows: unknown[][];
}

/** Given by the server when a schedule is saved; sent back, it keeps the delivery's secrets wherever it moved. */
interface DeliveryId {
  id?: string;
}

export interface EmailDelivery extends DeliveryId {
  type: "email";
  users: string[];
  addresses: string[];
  zip: boolean;
  subject: string;
  body: string;
  linkWhenTooLarge: boolean;
  linkRetentionDays: number;
}

export interface LinkDelivery extends DeliveryId {
  type: "link";
  retentionDays: number;
}

export interface SftpDelivery extends DeliveryId {
  type: "sftp";
  host: string;
  port: number;
  user: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
  hostKey: string;
  directory: string;
}

export interface WebhookDelivery extends DeliveryId {
  type: "webhook";
  url: string;
  /** Values come back as `<set>`. */
  headers: Record<string, string>;
}

export interface ApiDelivery extends DeliveryId {
  type: "api";
}

export type Delivery = EmailDelivery | LinkDelivery | SftpDelivery | WebhookDelivery | ApiDelivery;
export type DeliveryType = Delivery["type"];
export const DELIVERY_TYPES: readonly DeliveryType[] = ["email", "link", "sftp", "webhook", "api"];

export interface ScheduleFields {
  format: ReportFormat;
  repeat: Repeat;
  /** `YYYY-MM-DD`: the first day it may run, and the anchor of "every N". */
  startDate: string;
  /** `HH:mm` in `zoneId`. */
  time: string;
  zoneId: string;
  deliveries: Delivery[];
  fileName: string;
  skipEmpty: boolean;
  onlyWhenChanged: boolean;
  addonPermissions: boolean;
  retentionDays?: number;
}

export type RunStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED";

export interface ReportSchedule extends ScheduleFields {
  id: number;
  reportId: number;
  /** null when the report is gone. */
  reportName: string | null;
  owner: string;
  paused: boolean;
  pausedReason: string | null;
  pausedTime: string | null;
  /** Failed runs in a row. */
  failures: number;
  /** null while paused. */
  nextRunTime: string | null;
  /** The next five run times (empty while paused). */
  nextRuns: string[];
  lastRun: { runId: number; status: RunStatus; time: string | null } | null;
}

export interface DeliveryOutcome {
  /** The delivery's place in the schedule's list when the run was made (what a re-send names). */
  index: number;
  type: DeliveryType;
  status: "SENT" | "FAILED" | "PENDING";
  attempts: number;
  error: string | null;
  /** The download URL (link), the remote path (sftp), the recipients (email)… */
  detail: string | null;
  time: string | null;
}

export interface ReportRun {
  runId: number;
  scheduleId: number;
  status: RunStatus;
  trigger: string;
  rows: number;
  bytes: number;
  fileName: string | null;
  sha256: string | null;
  skipped: "empty" | "unchanged" | null;
  resendOf: { runId: number; index: number } | null;
  deliveries: DeliveryOutcome[];
  error: { key: string; message: string } | null;
  progress: { label: string; rows: number } | null;
  createdTime: string | null;
  completedTime: string | null;
}

export interface RunPage {
  values: ReportRun[];
  start: number;
  limit: number;
  size: number;
  total: number;
  isLastPage: boolean;
}

/** A report on the dashboard, with the schedules of it you may see. */
export interface DashboardEntry {
  report: Report;
  schedules: ReportSchedule[];
}

/** A run queued by Execute now or Re-send (202). */
export interface QueuedRun {
  runId: number;
  status: RunStatus;
}

export interface ReportsApi {
  dashboard(): Promise<DashboardEntry[]>;
  report(id: number): Promise<Report>;
  createReport(report: NewReport): Promise<Report>;
  /** Changes a report: the fields sent, the others stay. */
  updateReport(id: number, patch: ReportPatch): Promise<Report>;
  deleteReport(id: number): Promise<void>;
  /** "Save as…": a private copy owned by you. */
  copyReport(id: number, name?: string): Promise<Report>;
  preview(request: PreviewRequest, signal?: AbortSignal): Promise<Preview>;
  /** The entities a report of the site may be of (`site`: its context path). */
  entities(site: string): Promise<ReportEntity[]>;
  settings(site: string): Promise<ReportSettings>;
  schedules(reportId: number): Promise<ReportSchedule[]>;
  createSchedule(reportId: number, fields: ScheduleFields): Promise<ReportSchedule>;
  updateSchedule(id: number, fields: ScheduleFields): Promise<ReportSchedule>;
  deleteSchedule(id: number): Promise<void>;
  execute(scheduleId: number): Promise<QueuedRun>;
  pause(scheduleId: number): Promise<ReportSchedule>;
  resume(scheduleId: number): Promise<ReportSchedule>;
  /** Newest first. */
  runs(scheduleId: number, start: number, limit: number): Promise<RunPage>;
  /** Any failed delivery: of a re-send run, the server re-sends the original run's. */
  resend(runId: number, index: number): Promise<QueuedRun>;
}

export function createReportsApi(api: Api): ReportsApi {
  const send = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> =>
    (await api.request<T>(method, `${BASE}${path}`, { ...(body === undefined ? {} : { body }), ...(signal ? { signal } : {}) })).body;
  return {
    async dashboard() {
      return (await send<{ values?: DashboardEntry[] }>("GET", "/dashboard"))?.values ?? [];
    },
    report: (id) => send("GET", `/reports/${id}`),
    createReport: (report) => send("POST", "/reports", report),
    updateReport: (id, patch) => send("PUT", `/reports/${id}`, patch),
    async deleteReport(id) {
      await send("DELETE", `/reports/${id}`);
    },
    copyReport: (id, name) => send("POST", `/reports/${id}/copy`, name === undefined ? {} : { name }),
    preview: (request, signal) => send("POST", "/preview", request, signal),
    async entities(site) {
      return (await send<{ values?: ReportEntity[] }>("GET", `/entities?site=${encodeURIComponent(site)}`))?.values ?? [];
    },
    settings: (site) => send("GET", `/settings?site=${encodeURIComponent(site)}`),
    async schedules(reportId) {
      return (await send<{ values?: ReportSchedule[] }>("GET", `/schedules?reportId=${reportId}`))?.values ?? [];
    },
    createSchedule: (reportId, fields) => send("POST", "/schedules", { reportId, ...fields }),
    updateSchedule: (id, fields) => send("PUT", `/schedules/${id}`, fields),
    async deleteSchedule(id) {
      await send("DELETE", `/schedules/${id}`);
    },
    execute: (id) => send("POST", `/schedules/${id}/execute`),
    pause: (id) => send("POST", `/schedules/${id}/pause`),
    resume: (id) => send("POST", `/schedules/${id}/resume`),
    runs: (id, start, limit) => send("GET", `/schedules/${id}/runs?start=${start}&limit=${limit}`),
    resend: (runId, index) => send("POST", `/runs/${runId}/deliveries/${index}/resend`),
  };
}
