/**
 * A report schedule's repeat, as people write it (issue 15: `{type: daily} | {type: weekly, days} |
 * {type: monthly, day} | {type: yearly} | {type: every, n, unit}`, a start date, a time and an IANA
 * zone), checked field by field and turned into the ground's recurrence (src/core/recurrence*.ts),
 * which does the calendar arithmetic in the zone's wall-clock time: a time that occurs twice on a DST
 * change runs once, at the earlier instant; a time that does not exist runs at the same instant with
 * the offset from before the change; a day past the month's end runs on its last day; "every N" counts
 * from the start date.
 */
import { SluiceError, type Problem } from "../core/errors.js";
import { nextRuns, type Recurrence } from "../core/recurrence.js";
import { INTERVAL_MAX, parseClock } from "../core/recurrence-model.js";
import { daysFromCivil, isIanaZone, wallInstant, zoneOf } from "../core/recurrence-calendar.js";

export type Repeat =
  | { type: "daily" }
  | { type: "weekly"; days: string[] }
  | { type: "monthly"; day: number }
  | { type: "yearly" }
  | { type: "every"; n: number; unit: "days" | "weeks" | "months" };

export interface RepeatSchedule {
  repeat: Repeat;
  /** `YYYY-MM-DD`: the first day it may run (and the anchor of "every N"). */
  startDate: string;
  /** `HH:mm` in `zoneId`. */
  time: string;
  zoneId: string;
}

const DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
const KEY = "sluice.report.schedule.invalid";

/** ISO weekday (1 = Monday) of `MONDAY`, `Mon`, `monday`…; undefined when not a day's name. */
function weekday(name: unknown): number | undefined {
  if (typeof name !== "string" || name.length < 3) return undefined;
  const upper = name.toUpperCase();
  const i = DAYS.findIndex((d) => d === upper || d.slice(0, 3) === upper);
  return i < 0 ? undefined : i + 1;
}

function calendarDate(text: unknown): [number, number, number] | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(y, mo - 1, d));
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? [y, mo, d] : undefined;
}

/** The recurrence of a schedule, or a 400 naming every field that is wrong. */
export function repeatRecurrence(s: RepeatSchedule): Recurrence {
  const problems: Problem[] = [];
  const bad = (field: string, message: string) => problems.push({ key: KEY, message: `${field}: ${message}` });
  const date = calendarDate(s.startDate);
  if (!date) bad("startDate", `${JSON.stringify(s.startDate)} is not a calendar date (YYYY-MM-DD)`);
  const clock = typeof s.time === "string" ? parseClock(s.time) : undefined;
  if (clock === undefined || !/^\d{2}:\d{2}$/.test(String(s.time))) bad("time", `${JSON.stringify(s.time)} is not a time of day (HH:mm, 24-hour)`);
  const zoneOk = typeof s.zoneId === "string" && isIanaZone(s.zoneId);
  if (!zoneOk) bad("zoneId", `${JSON.stringify(s.zoneId)} is not an IANA time zone (e.g. Europe/Berlin)`);
  const r = s.repeat as Partial<Record<string, unknown>> | undefined;
  let shape: Omit<Recurrence, "zone" | "start" | "time"> | undefined;
  switch (r?.type) {
    case "daily":
      shape = { unit: "day", interval: 1 };
      break;
    case "weekly": {
      const days = Array.isArray(r.days) ? r.days.map(weekday) : [];
      if (!Array.isArray(r.days) || days.length === 0 || days.some((d) => d === undefined)) {
        bad("repeat.days", "one or more weekdays, e.g. [\"MONDAY\", \"THURSDAY\"]");
      } else shape = { unit: "week", interval: 1, weekdays: [...new Set(days as number[])].sort() };
      break;
    }
    case "monthly":
      if (!Number.isInteger(r.day) || (r.day as number) < 1 || (r.day as number) > 31) bad("repeat.day", "a day of the month, 1 to 31 (a shorter month runs on its last day)");
      else shape = { unit: "month", interval: 1, dayOfMonth: r.day as number };
      break;
    case "yearly":
      shape = { unit: "year", interval: 1 };
      break;
    case "every": {
      const unit = r.unit === "days" ? "day" : r.unit === "weeks" ? "week" : r.unit === "months" ? "month" : undefined;
      if (!unit) bad("repeat.unit", "days, weeks or months");
      else if (!Number.isInteger(r.n) || (r.n as number) < 1 || (r.n as number) > INTERVAL_MAX[unit]) bad("repeat.n", `a whole number from 1 to ${INTERVAL_MAX[unit]}`);
      else shape = { unit, interval: r.n as number };
      break;
    }
    default:
      bad("repeat.type", "daily, weekly, monthly, yearly or every");
  }
  if (problems.length > 0 || !shape || !date) {
    throw new SluiceError(KEY, problems.map((p) => p.message).join("; "), { problems });
  }
  // From midnight of the start date in the zone: the first run is that day's time, if any.
  const start = wallInstant(daysFromCivil(date[0], date[1], date[2]), 0, zoneOf(s.zoneId));
  return { ...shape, time: s.time, zone: s.zoneId, start };
}

/** The next `count` run instants (epoch ms) strictly after `after`: what the console lists. */
export function nextRepeatRuns(s: RepeatSchedule, after: number, count = 5): number[] {
  return nextRuns(repeatRecurrence(s), after, count);
}
