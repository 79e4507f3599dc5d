/**
 * A recurrence as a short English sentence for the console and the CLI: "every 15 minutes",
 * "every 2 weeks on Monday and Thursday at 08:00 (Europe/Paris)", "monthly on day 31 (or the
 * month's last day) at 06:00 (UTC)". Defaults taken from `start` are spelled out.
 */
import { DAY_MS, civilFromDays, isoWeekday, localDate, zoneOf } from "./recurrence-calendar.js";
import { MONTH_NAMES, WEEKDAY_NAMES, secondsOfDay, type Recurrence } from "./recurrence-model.js";

const ADVERBS: Record<string, string> = { day: "daily", week: "weekly", month: "monthly", year: "yearly" };

export function describeRecurrence(r: Recurrence): string {
  const zone = zoneOf(r.zone);
  const start = civilFromDays(localDate(r.start, zone));
  const until = r.end === undefined ? "" : `, until ${wallText(r.end, r.zone)}`;
  if (r.unit === "minute" || r.unit === "hour") {
    return `${r.interval === 1 ? `every ${r.unit}` : `every ${r.interval} ${r.unit}s`}${until}${r.end === undefined ? "" : ` (${r.zone})`}`;
  }
  const every = r.interval === 1 ? ADVERBS[r.unit] : `every ${r.interval} ${r.unit}s`;
  const at = `at ${clock(secondsOfDay(r))} (${r.zone})`;
  switch (r.unit) {
    case "day":
      return `${every} ${at}${until}`;
    case "week": {
      const days = [...new Set(r.weekdays ?? [isoWeekday(localDate(r.start, zone))])].sort((a, b) => a - b);
      return `${every} on ${list(days.map((d) => WEEKDAY_NAMES[d - 1] ?? String(d)))} ${at}${until}`;
    }
    case "month": {
      const day = r.dayOfMonth ?? start.day;
      return `${every} on day ${day}${day > 28 ? " (or the month's last day)" : ""} ${at}${until}`;
    }
    case "year": {
      const month = MONTH_NAMES[(r.month ?? start.month) - 1] ?? String(r.month);
      const day = r.dayOfMonth ?? start.day;
      const leap = month === "February" && day === 29 ? " (February 28 in other years)" : "";
      return `${every} on ${month} ${day}${leap} ${at}${until}`;
    }
  }
}

/** "Monday", "Monday and Thursday", "Monday, Wednesday and Friday". */
function list(words: string[]): string {
  return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** `08:00`, or `08:00:30` when there are seconds. */
function clock(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const hhmm = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}`;
  return seconds % 60 === 0 ? hhmm : `${hhmm}:${pad(seconds % 60)}`;
}

/** An instant on the wall clock of a zone: `2026-12-31 23:59`. */
function wallText(epochMs: number, zoneName: string): string {
  const zone = zoneOf(zoneName);
  const days = localDate(epochMs, zone);
  const d = civilFromDays(days);
  const seconds = Math.floor((epochMs + zone.offset(epochMs) * 60_000 - days * DAY_MS) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)} ${clock(seconds)}`;
}
