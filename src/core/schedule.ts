/**
 * The export schedule of `config/schedule`: weekdays, every N weeks, a time of day, in a zone.
 * Pure calendar arithmetic with luxon; `now` is passed in.
 */
import { DateTime } from "luxon";

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

/** The first run strictly after `after`. */
export function nextRun(schedule: Schedule, after: number): number {
  const zone = schedule.zoneId;
  const tod = parseTimeOfDay(schedule.time) ?? { hour: 0, minute: 0, second: 0 };
  const wanted = new Set(schedule.days.map((d) => WEEKDAYS.indexOf(d) + 1));
  const anchor = DateTime.fromMillis(schedule.anchorWeek, { zone }).startOf("week");
  let day = DateTime.fromMillis(after, { zone }).startOf("day");
  // At most 52 weeks × 7 days to look ahead.
  for (let i = 0; i < 7 * 53 + 7; i++) {
    if (wanted.has(day.weekday)) {
      const weeks = Math.round(day.startOf("week").diff(anchor, "weeks").weeks);
      if (weeks >= 0 && weeks % schedule.repeatIntervalInWeeks === 0) {
        const at = day.set({ hour: tod.hour, minute: tod.minute, second: tod.second, millisecond: 0 });
        if (at.toMillis() > after) return at.toMillis();
      }
    }
    day = day.plus({ days: 1 });
  }
  throw new Error("schedule has no next run");
}
