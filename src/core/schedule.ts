/**
 * The export schedule of `config/schedule`: weekdays, every N weeks, a time of day, in a zone.
 * Its runs are those of a weekly recurrence (`recurrence.ts`); `now` is passed in.
 */
import { DateTime } from "luxon";
import { nextRun as nextRecurrenceRun, type Recurrence } from "./recurrence.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Schedule {
  days: Weekday[];
  repeatIntervalInWeeks: number;
  /** `HH:mm:ss` */
  time: string;
  /** ISO offset date-time or null: the fromDate of each scheduled export (null: now − 365 days). */
  fromDate: string | null;
  schemaVersion: number;
  zoneId: string;
  /** Epoch ms of the Monday 00:00 (in zone) of the week the schedule was saved: the every-N-weeks anchor. */
  anchorWeek: number;
}

const LONG_DAYS: Record<string, Weekday> = {
  MONDAY: "mon",
  TUESDAY: "tue",
  WEDNESDAY: "wed",
  THURSDAY: "thu",
  FRIDAY: "fri",
  SATURDAY: "sat",
  SUNDAY: "sun",
};

/** Accepts `mon`…`sun` and `MONDAY`…`SUNDAY` (any case). */
export function parseWeekday(text: string): Weekday | undefined {
  const lower = text.trim().toLowerCase();
  if ((WEEKDAYS as readonly string[]).includes(lower)) return lower as Weekday;
  return LONG_DAYS[text.trim().toUpperCase()];
}

export function parseTimeOfDay(text: string): { hour: number; minute: number; second: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] ? Number(m[3]) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return { hour, minute, second };
}

export function weekStart(epochMs: number, zone: string): number {
  return DateTime.fromMillis(epochMs, { zone }).startOf("week").toMillis();
}

/**
 * The schedule as a weekly recurrence: every `repeatIntervalInWeeks` weeks from the week of
 * `anchorWeek`, on its days, at its time, in its zone (`systemZone` for "system").
 */
export function scheduleRecurrence(schedule: Schedule, systemZone: string): Recurrence {
  const tod = parseTimeOfDay(schedule.time) ?? { hour: 0, minute: 0, second: 0 };
  const pad = (n: number) => String(n).padStart(2, "0");
  const weekdays = [...new Set(schedule.days.map((d) => WEEKDAYS.indexOf(d) + 1))].sort((a, b) => a - b);
  return {
    unit: "week",
    interval: schedule.repeatIntervalInWeeks,
    weekdays,
    time: `${pad(tod.hour)}:${pad(tod.minute)}:${pad(tod.second)}`,
    zone: schedule.zoneId === "system" ? systemZone : schedule.zoneId,
    start: schedule.anchorWeek,
  };
}

/** The first run strictly after `after`. "system" is luxon's local zone, as in `weekStart`. */
export function nextRun(schedule: Schedule, after: number): number {
  const run = nextRecurrenceRun(scheduleRecurrence(schedule, DateTime.local().zoneName), after);
  if (run === null) throw new Error("schedule has no next run");
  return run;
}
