/**
 * The runs of a recurrence: "every N minutes/hours" as pure instants from `start`, "every N
 * days/weeks/months/years" on calendar dates at a wall-clock time in the recurrence's zone. Pure: the
 * instant to count from is always passed in. Callers import it through `recurrence.ts`.
 */
import { civilFromDays, clampedDate, isoWeekday, localDate, wallInstant, zoneOf } from "./recurrence-calendar.js";
import { secondsOfDay, type Recurrence } from "./recurrence-model.js";

const UNIT_MS = { minute: 60_000, hour: 3_600_000 } as const;

/** The first run strictly after `after`, never before `start`; null when it would be past `end`. */
export function nextRun(r: Recurrence, after: number): number | null {
  // Runs are whole milliseconds at or after start: "after start − 1" is the same as "at or after start".
  const from = Math.max(after, r.start - 1);
  const run = r.unit === "minute" || r.unit === "hour" ? nextInstant(r.start, r.interval * UNIT_MS[r.unit], from) : nextOnCalendar(r, from);
  if (run === null || (r.end !== undefined && run > r.end)) return null;
  return run;
}

/** The next `count` runs after `after` (fewer when `end` comes first). */
export function nextRuns(r: Recurrence, after: number, count: number): number[] {
  const runs: number[] = [];
  let t = after;
  while (runs.length < count) {
    const run = nextRun(r, t);
    if (run === null) break;
    runs.push(run);
    t = run;
  }
  return runs;
}

/** minute/hour: start + k·step for the smallest k with a run after `from` (no zone, no DST). */
function nextInstant(start: number, step: number, from: number): number {
  const k = from < start ? 0 : Math.floor((from - start) / step) + 1;
  return start + k * step;
}

/**
 * The calendar of a recurrence from its anchor: `unitOf(date)` is the number of units (days, weeks,
 * months, years) from the anchor to a date, `datesOf(u)` the run dates of unit `u`, in order.
 */
interface Calendar {
  unitOf(days: number): number;
  datesOf(unit: number): number[];
}

function calendarOf(r: Recurrence, anchor: number): Calendar {
  const a = civilFromDays(anchor);
  switch (r.unit) {
    case "day":
      return { unitOf: (days) => days - anchor, datesOf: (u) => [anchor + u] };
    case "week": {
      const monday = anchor - (isoWeekday(anchor) - 1);
      const weekdays = [...new Set(r.weekdays ?? [isoWeekday(anchor)])].sort((x, y) => x - y);
      return {
        unitOf: (days) => Math.floor((days - monday) / 7),
        datesOf: (u) => weekdays.map((w) => monday + 7 * u + w - 1),
      };
    }
    case "month": {
      // Months counted from year 0: year * 12 + month − 1.
      const first = a.year * 12 + a.month - 1;
      const dom = r.dayOfMonth ?? a.day;
      const monthIndex = (days: number) => {
        const d = civilFromDays(days);
        return d.year * 12 + d.month - 1;
      };
      return {
        unitOf: (days) => monthIndex(days) - first,
        datesOf: (u) => [clampedDate(Math.floor((first + u) / 12), ((first + u) % 12) + 1, dom)],
      };
    }
    case "year": {
      const month = r.month ?? a.month;
      const dom = r.dayOfMonth ?? a.day;
      return { unitOf: (days) => civilFromDays(days).year - a.year, datesOf: (u) => [clampedDate(a.year + u, month, dom)] };
    }
    default:
      throw new Error(`not a calendar unit: ${r.unit}`);
  }
}

/**
 * day/week/month/year: walks the run dates of every `interval`-th unit from the one holding `from`.
 * That unit and the next always hold the answer (a third covers a fall-back across midnight), so this
 * looks at a handful of dates whatever the distance from start.
 */
function nextOnCalendar(r: Recurrence, from: number): number | null {
  const zone = zoneOf(r.zone);
  const seconds = secondsOfDay(r);
  const calendar = calendarOf(r, localDate(r.start, zone));
  const firstPeriod = Math.max(0, Math.floor(calendar.unitOf(localDate(from, zone)) / r.interval));
  for (let period = firstPeriod; period < firstPeriod + 4; period++) {
    for (const date of calendar.datesOf(period * r.interval)) {
      const run = wallInstant(date, seconds, zone);
      if (run > from) return run;
    }
  }
  // Only an empty weekday list (which validation rejects) has no run at all.
  return null;
}
