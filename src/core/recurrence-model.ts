/**
 * The recurrence of a schedules-table row: its type, the limits of each field and the parsing of its
 * time of day. `recurrence.ts` is the entry point (it re-exports the type); validation, description
 * and the next-run calculation live in the `recurrence-*.ts` files beside it.
 */

export type RecurrenceUnit = "minute" | "hour" | "day" | "week" | "month" | "year";

export interface Recurrence {
  /** What repeats. */
  unit: RecurrenceUnit;
  /** Every N units, counted from `start` (1 = every unit); `INTERVAL_MAX` bounds it per unit. */
  interval: number;
  /** unit "week": the weekdays it runs on, ISO numbers 1 = Monday … 7 = Sunday, no duplicates, non-empty; absent = the weekday of `start` in `zone`. Not allowed for other units. */
  weekdays?: number[];
  /** unit "month" and "year": the day of the month 1..31 (a month shorter than that runs on its last day); absent = the day of `start`. Not allowed for other units. */
  dayOfMonth?: number;
  /** unit "year": the month 1..12; absent = the month of `start`. Not allowed for other units. */
  month?: number;
  /** Units day/week/month/year: the wall-clock time of day in `zone`, "HH:mm" or "HH:mm:ss" (24-hour); absent = "00:00:00". Not allowed for minute/hour. */
  time?: string;
  /** IANA zone name (e.g. "Europe/Paris", "UTC"). The calendar is kept in this zone. */
  zone: string;
  /** Epoch milliseconds the series starts at: no run before it; the anchor of "every N" (weeks counted from the ISO week — Monday-based, in `zone` — that contains start; days/months/years from start's calendar date in zone; minutes/hours from the start instant itself). */
  start: number;
  /** Optional epoch ms after which there is no run. */
  end?: number;
}

export const UNITS: readonly RecurrenceUnit[] = ["minute", "hour", "day", "week", "month", "year"];

/** The largest interval of each unit: a week of minutes, a year of hours, about ten years otherwise, a century of years. */
export const INTERVAL_MAX: Record<RecurrenceUnit, number> = {
  minute: 10_080,
  hour: 8_760,
  day: 3_660,
  week: 520,
  month: 1_200,
  year: 100,
};

export const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export const MONTH_NAMES = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
] as const;

/** The longest each month ever is (February: 29, in leap years). */
export const MONTH_MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** JavaScript dates reach ±8.64e15 ms (about ±273,790 years) from 1970. */
export const MAX_EPOCH_MS = 8.64e15;

/** Seconds since midnight of `HH:mm` or `HH:mm:ss` (two digits each, 24-hour); undefined when not such a time. */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] ? Number(m[3]) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return hour * 3600 + minute * 60 + second;
}

/** The time of day of a recurrence in seconds since midnight (absent or unreadable: midnight). */
export function secondsOfDay(r: Recurrence): number {
  return r.time === undefined ? 0 : (parseClock(r.time) ?? 0);
}
