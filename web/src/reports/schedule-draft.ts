/** A schedule as the editor holds it (text fields as typed), and the fields the API takes. */
import type { EveryUnit, ReportFormat, ReportSchedule, RepeatType, ScheduleFields, Weekday } from "../api/reports.js";
import type { Problem } from "./api-problems.js";
import { deliveryDraft, deliveryOf, type DeliveryDraft } from "./delivery-draft.js";
import { weekdayOf } from "./repeat-text.js";

export const DEFAULT_FILE_NAME = "{{exportConfigName}}_{{reportDate}}.{{format}}";

export interface ScheduleDraft {
  format: ReportFormat;
  repeatType: RepeatType;
  days: Weekday[];
  monthDay: string;
  everyN: string;
  everyUnit: EveryUnit;
  startDate: string;
  time: string;
  zoneId: string;
  fileName: string;
  skipEmpty: boolean;
  onlyWhenChanged: boolean;
  addonPermissions: boolean;
  /** Blank: the server's default. */
  retentionDays: string;
  deliveries: DeliveryDraft[];
}

/** Today in the browser's zone, as `YYYY-MM-DD`. */
export function today(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function newDraft(): ScheduleDraft {
  return {
    format: "csv",
    repeatType: "weekly",
    days: ["MONDAY"],
    monthDay: "1",
    everyN: "2",
    everyUnit: "weeks",
    startDate: today(),
    time: "08:00",
    zoneId: browserZone(),
    fileName: DEFAULT_FILE_NAME,
    skipEmpty: false,
    onlyWhenChanged: false,
    addonPermissions: false,
    retentionDays: "",
    deliveries: [],
  };
}

export function draftOf(s: ReportSchedule): ScheduleDraft {
  const r = s.repeat;
  return {
    format: s.format,
    repeatType: r.type,
    days: r.type === "weekly" ? r.days.map(weekdayOf).filter((d): d is Weekday => d !== undefined) : ["MONDAY"],
    monthDay: r.type === "monthly" ? String(r.day) : "1",
    everyN: r.type === "every" ? String(r.n) : "2",
    everyUnit: r.type === "every" ? r.unit : "weeks",
    startDate: s.startDate,
    time: s.time,
    zoneId: s.zoneId,
    fileName: s.fileName,
    skipEmpty: s.skipEmpty,
    onlyWhenChanged: s.onlyWhenChanged,
    addonPermissions: s.addonPermissions,
    retentionDays: s.retentionDays === undefined ? "" : String(s.retentionDays),
    deliveries: s.deliveries.map((d) => deliveryDraft(d)),
  };
}

/** The fields to send, and the problems found before sending (named like the server's). */
export function fieldsOf(draft: ScheduleDraft): { fields: ScheduleFields; problems: Problem[] } {
  const problems: Problem[] = [];
  const whole = (field: string, text: string, min: number, max: number): number => {
    const n = Number(text.trim());
    if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) problems.push({ field, message: `a whole number from ${min} to ${max}` });
    return n;
  };
  let repeat: ScheduleFields["repeat"];
  switch (draft.repeatType) {
    case "weekly":
      if (draft.days.length === 0) problems.push({ field: "repeat.days", message: "pick at least one day" });
      repeat = { type: "weekly", days: draft.days };
      break;
    case "monthly":
      repeat = { type: "monthly", day: whole("repeat.day", draft.monthDay, 1, 31) };
      break;
    case "every":
      repeat = { type: "every", n: whole("repeat.n", draft.everyN, 1, 999), unit: draft.everyUnit };
      break;
    default:
      repeat = { type: draft.repeatType };
  }
  if (draft.deliveries.length === 0) problems.push({ field: "deliveries", message: "add at least one delivery" });
  const deliveries = draft.deliveries.map((d, i) => deliveryOf(d, `deliveries.${i}`, whole, problems));
  const fields: ScheduleFields = {
    format: draft.format,
    repeat,
    startDate: draft.startDate,
    time: draft.time,
    zoneId: draft.zoneId.trim(),
    deliveries,
    fileName: draft.fileName,
    skipEmpty: draft.skipEmpty,
    onlyWhenChanged: draft.onlyWhenChanged,
    addonPermissions: draft.addonPermissions,
    ...(draft.retentionDays.trim() !== "" ? { retentionDays: whole("retentionDays", draft.retentionDays, 1, 3650) } : {}),
  };
  return { fields, problems };
}
