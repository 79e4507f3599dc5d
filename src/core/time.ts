/**
 * Date handling of the Data pipeline API: parsing `fromDate`, rendering job times in the server zone
 * and the file-name timestamp. Pure: `now` is always passed in.
 */
import { DateTime } from "luxon";

const OFFSET_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * Parses an ISO-8601 offset date-time (`2020-12-30T23:01Z`, `2020-12-30T22:01+01:00`, seconds optional).
 * A `+` that arrived as a space (an unencoded query string) is read as `+`.
 * Returns epoch milliseconds, or undefined when the text is not such a date-time.
 */
export function parseOffsetDateTime(text: string): number | undefined {
  const repaired = text.trim().replace(/ (\d{2}(?::?\d{2})?)$/, "+$1");
  const m = OFFSET_DATE_TIME.exec(repaired);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s ? Number(s) : 0;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, "0")) : 0;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  return utc - offsetMinutes * 60_000;
}

export function truncateToMinute(epochMs: number): number {
  return Math.floor(epochMs / 60_000) * 60_000;
}

/** `2021-01-13T09:01:01.917+11:00` in the given IANA zone (or `system`). */
export function formatZoned(epochMs: number, zone: string): string {
  return DateTime.fromMillis(epochMs, { zone }).toISO({ suppressMilliseconds: false }) ?? new Date(epochMs).toISOString();
}

/** `2020-07-17T08:00:00+10:00`: the export's fromDate as the job shows it. */
export function formatZonedSeconds(epochMs: number, zone: string): string {
  return (
    DateTime.fromMillis(epochMs, { zone }).toISO({ suppressMilliseconds: true }) ?? new Date(epochMs).toISOString()
  );
}

/** The file-name timestamp `yyyy-MM-ddTHH-mm-ss-SSS±HH` (`Z` in UTC, `±HHmm` for half-hour zones). */
export function fileTimestamp(epochMs: number, zone: string): string {
  const dt = DateTime.fromMillis(epochMs, { zone });
  const offset = dt.offset;
  let suffix = "Z";
  if (offset !== 0) {
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    const hh = String(Math.floor(abs / 60)).padStart(2, "0");
    const mm = abs % 60 === 0 ? "" : String(abs % 60).padStart(2, "0");
    suffix = `${sign}${hh}${mm}`;
  }
  return `${dt.toFormat("yyyy-MM-dd'T'HH-mm-ss-SSS")}${suffix}`;
}

/** A row date as stored and exported: `2021-01-03T20:57:10Z`. */
export function isoUtcSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function isValidZone(zone: string): boolean {
  return zone === "system" || DateTime.local().setZone(zone).isValid;
}
