/**
 * A report schedule as the API takes it and the schedules table keeps it (its `params`), and a run's
 * record (the `report` job's result). Pure apart from zod.
 */
import { z } from "zod";
import { deliverySettings, type DeliverySettings } from "../delivery/index.js";

export const REPORT_KIND = "report";
export const REPORT_FORMATS = ["csv", "xlsx", "json", "parquet"] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

export const DEFAULT_FILE_NAME = "{{exportConfigName}}_{{reportDate}}.{{format}}";

const repeat = z.union([
  z.object({ type: z.literal("daily") }).strict(),
  z.object({ type: z.literal("weekly"), days: z.array(z.string().max(20)).min(1).max(7) }).strict(),
  z.object({ type: z.literal("monthly"), day: z.number() }).strict(),
  z.object({ type: z.literal("yearly") }).strict(),
  z.object({ type: z.literal("every"), n: z.number(), unit: z.string().max(10) }).strict(),
]);

/** What a schedule says, beside its report (the fields people set). */
export const scheduleFields = z
  .object({
    format: z.enum(REPORT_FORMATS),
    repeat: repeat.describe("{type: daily} | {type: weekly, days: [MONDAY, …]} | {type: monthly, day} | {type: yearly} | {type: every, n, unit: days|weeks|months}"),
    startDate: z.string().max(20).describe("YYYY-MM-DD: the first day it may run, and the anchor of 'every N'"),
    time: z.string().max(10).describe("HH:mm in zoneId"),
    zoneId: z.string().max(100).describe("an IANA time zone, e.g. Europe/Berlin"),
    deliveries: z.array(deliverySettings).min(1, "give at least one delivery").max(20),
    fileName: z.string().min(1).max(300).default(DEFAULT_FILE_NAME).describe("the file name, with {{placeholders}}"),
    skipEmpty: z.boolean().default(false).describe("deliver nothing when the report has no rows"),
    onlyWhenChanged: z.boolean().default(false).describe("deliver only when the rows changed since the last delivered run"),
    addonPermissions: z.boolean().default(false).describe("generate with add-on permissions (every row), when an administrator allows it for the site"),
    retentionDays: z.number().int().min(1).max(3650).optional().describe("days a built file is kept for its deliveries (default: the server's reports.retentionDays)"),
  })
  .strict();
export type ScheduleFields = z.output<typeof scheduleFields>;

export const scheduleInput = scheduleFields.extend({ reportId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

export interface PauseState {
  reason: string;
  at: number;
  /** `failures`: paused itself after failed runs in a row; `user`: paused by hand. */
  by: "failures" | "user";
}

/** A report schedule's row params. */
export interface ReportScheduleParams extends ScheduleFields {
  reportId: number;
  paused: PauseState | null;
  /** The content hash of the last run that delivered (for "only when changed"). */
  lastSentHash: string | null;
}

export type DeliveryStatus = "SENT" | "FAILED" | "PENDING";

export interface DeliveryRecord {
  index: number;
  /** The schedule's delivery (its id), so that a re-send goes through it wherever it moved. */
  id?: string;
  type: DeliverySettings["type"];
  status: DeliveryStatus;
  attempts: number;
  error: string | null;
  /** The link made, the remote path, the recipients. */
  detail: string | null;
  at: number | null;
}

/** A run's record: the `report` job's result. */
export interface ReportRunResult {
  reportId: number;
  reportName: string;
  format: ReportFormatName;
  rows: number;
  bytes: number;
  /** The built file (kept while its deliveries need it, or the schedule's latest). */
  file: { name: string; sha256: string; contentType: string; path: string } | null;
  contentHash: string | null;
  /** Why nothing was delivered, when nothing was. */
  skipped: "empty" | "unchanged" | null;
  /** When the file may be deleted (epoch ms). */
  keepUntil: number | null;
  deliveries: DeliveryRecord[];
  /** A resend: the run whose file it sent again, and which delivery. */
  resendOf?: { runId: number; index: number };
}

/** A `report` job's params. */
export interface ReportJobParams {
  scheduleId: number;
  reportId: number;
  /** Execute now (a person), not the schedule. */
  manual: boolean;
  resend?: { runId: number; index: number };
}
