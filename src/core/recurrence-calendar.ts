/**
 * Calendar dates and wall-clock times in an IANA zone, for recurrences. Dates are whole days since
 * 1970-01-01 (proleptic Gregorian, plain integer arithmetic: no `Date` two-digit-year quirks); luxon
 * only answers "what is the zone's UTC offset at this instant".
 *
 * Wall time → instant is done here rather than with `DateTime.fromObject`/`set`/`plus`, because luxon
 * resolves a wall time that occurs twice (DST fall-back) from a guessed offset: the offset *now*
 * (`fromObject`), the first time the process asked (`DateTime.local(y, m, d…)`), or the offset of the
 * DateTime being changed (`set`, `plus`). The same recurrence would then run at different instants
 * depending on the clock or on the route taken. Here the rules are fixed:
 *  - a wall time that occurs twice runs at the earlier instant;
 *  - a wall time that does not exist (spring forward) runs at the same wall reading with the offset
 *    from before the change (Paris 02:30 on the spring-forward day = 02:30+01:00 = 03:30+02:00).
 */
import { IANAZone, Info, type Zone } from "luxon";

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A calendar date: year, month 1..12, day 1..31. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The date of `dayOfMonth` in a month, or the month's last day when it is shorter. */
export function clampedDate(year: number, month: number, dayOfMonth: number): number {
  return daysFromCivil(year, month, Math.min(dayOfMonth, daysInMonth(year, month)));
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** The luxon zone of a name: IANA zones (cached by luxon), and also what else luxon reads ("UTC+3"). */
export function zoneOf(name: string): Zone {
  return Info.normalizeZone(name);
}

/** Whether `name` is an IANA zone name that this runtime knows (not luxon's "system" or "UTC+3"). */
export function isIanaZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** The calendar date (days since 1970-01-01) of an instant on the wall clocks of `zone`. */
export function localDate(epochMs: number, zone: Zone): number {
  return Math.floor((epochMs + zone.offset(epochMs) * MINUTE_MS) / DAY_MS);
}

/**
 * The instant of a wall-clock reading in `zone`: `seconds` after midnight of date `days`. Twice-occurring
 * readings give the earlier instant; nonexistent ones keep the offset from before the change.
 */
export function wallInstant(days: number, seconds: number, zone: Zone): number {
  const wall = days * DAY_MS + seconds * 1000;
  // A zone's offset stays within ±14 h, so every instant this reading can be lies between the offsets a
  // day before and a day after (one change at most in between, as real zones have).
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  const fits = (offset: number) => zone.offset(wall - offset * MINUTE_MS) === offset;
  const candidates = [before, after].filter(fits).map((offset) => wall - offset * MINUTE_MS);
  if (candidates.length > 0) return Math.min(...candidates);
  // No offset fits: the reading falls in a spring-forward gap.
  return wall - before * MINUTE_MS;
}
