/**
 * Scheduled reports under `/rest/reports/v1` (any signed-in person): reports over one site's entity,
 * their schedules (format, repeat, deliveries), runs with each delivery's outcome, and the dashboard of
 * everything you can see. Secrets of deliveries come back as `<set>`; sending `<set>` back keeps them.
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

export interface ReportDefinition {
  entity: string;
  /** The file's columns in order; empty: every column of the entity. */
  columns: string[];
  filter: ReportCondition[];
  /** Jira issues only. */
  jql: string | null;
  sort: ReportSort[];
}

export interface Report extends Omit<ReportDefinition, "entity"> {
  /** Absent when the report runs a saved SQL query instead. */
  entity?: string | null;
  /** A saved SQL query of the site the report runs instead of an entity (newer servers). */
  sqlQueryId?: number | null;
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

export interface NewReport {
  name: string;
  site: string;
  entity: string;
  columns: string[];
  jql: string | null;
  visibility: Visibility;
}

/** A report's fields to change (its site stays). Send the whole definition: see `updateReport`. */
export type ReportPatch = Partial<Omit<NewReport, "site"> & Pick<ReportDefinition, "filter" | "sort"> & { sqlQueryId: number }>;

export interface PreviewRequest extends Omit<ReportDefinition, "entity"> {
  site: string;
  /** An entity, or a saved SQL query of the site (newer servers). */
  entity?: string;
  sqlQueryId?: number;
  /** 1 to 100. */
  limit: number;
}

export interface Preview {
  columns: SqlColumn[];
  rows: unknown[][];
}

export interface EmailDelivery {
  type: "email";
  users: string[];
  addresses: string[];
  zip: boolean;
  subject: string;
  body: string;
  linkWhenTooLarge: boolean;
  linkRetentionDays: number;
}

export interface LinkDelivery {
  type: "link";
  retentionDays: number;
}

export interface SftpDelivery {
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

export interface WebhookDelivery {
  type: "webhook";
  url: string;
  /** Values come back as `<set>`. */
  headers: Record<string, string>;
}

export interface ApiDelivery {
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
  /** The delivery's place in the schedule's list (what a re-send names). */
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
  /**
   * Changes a report. The server fills what a definition leaves out with its defaults (no columns, no
   * JQL, no filter, no sort) rather than keeping it, so a caller sends every definition field it keeps.
   */
  updateReport(id: number, patch: ReportPatch): Promise<Report>;
  deleteReport(id: number): Promise<void>;
  /** "Save as…": a private copy owned by you. */
  copyReport(id: number, name?: string): Promise<Report>;
  preview(request: PreviewRequest, signal?: AbortSignal): Promise<Preview>;
  schedules(reportId: number): Promise<ReportSchedule[]>;
  createSchedule(reportId: number, fields: ScheduleFields): Promise<ReportSchedule>;
  updateSchedule(id: number, fields: ScheduleFields): Promise<ReportSchedule>;
  deleteSchedule(id: number): Promise<void>;
  execute(scheduleId: number): Promise<QueuedRun>;
  pause(scheduleId: number): Promise<ReportSchedule>;
  resume(scheduleId: number): Promise<ReportSchedule>;
  /** Newest first. */
  runs(scheduleId: number, start: number, limit: number): Promise<RunPage>;
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
