/** A schedule's repeat and run times in words, for lists and headings. */
import { WEEKDAYS } from "../api/reports.js";
import type { ReportSchedule, Repeat, Weekday } from "../api/reports.js";

const DAY_NAMES: Record<string, string> = {
  MONDAY: "Monday",
  TUESDAY: "Tuesday",
  WEDNESDAY: "Wednesday",
  THURSDAY: "Thursday",
  FRIDAY: "Friday",
  SATURDAY: "Saturday",
  SUNDAY: "Sunday",
};

/** The weekday of `MONDAY`, `Mon`, `monday`… (the server takes all of them); undefined when none. */
export function weekdayOf(name: string): Weekday | undefined {
  const upper = name.toUpperCase();
  return WEEKDAYS.find((d) => d === upper || (upper.length === 3 && d.startsWith(upper)));
}

export function dayName(day: string): string {
  return DAY_NAMES[weekdayOf(day) ?? ""] ?? day;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

export function repeatText(repeat: Repeat): string {
  switch (repeat.type) {
    case "daily":
      return "Daily";
    case "weekly":
      return `Weekly on ${repeat.days.map(dayName).join(", ")}`;
    case "monthly":
      return `Monthly on the ${ordinal(repeat.day)}`;
    case "yearly":
      return "Yearly";
    case "every":
      return `Every ${repeat.n} ${repeat.n === 1 ? repeat.unit.replace(/s$/, "") : repeat.unit}`;
  }
}

/** `Weekly on Monday at 08:00 (Europe/Berlin), CSV`. */
export function scheduleText(s: Pick<ReportSchedule, "repeat" | "time" | "zoneId" | "format">): string {
  return `${repeatText(s.repeat)} at ${s.time} (${s.zoneId}), ${s.format.toUpperCase()}`;
}

const WEEKDAY_SHORT = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** A run time as the server wrote it (in the schedule's zone), with its weekday: `Mon 2026-12-07 08:00 +01:00`. */
export function runTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/.exec(iso);
  if (!match) return iso;
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))).getUTCDay();
  const zone = match[5] === "Z" ? "UTC" : (match[5] ?? "");
  return `${WEEKDAY_SHORT[day] ?? ""} ${match[1]}-${match[2]}-${match[3]} ${match[4]}${zone ? ` ${zone}` : ""}`.trim();
}
