/**
 * Validation of a recurrence as it arrives (parsed JSON): every problem at once, each with the key
 * `sluice.schedule.invalid` and a message that names the field (`recurrence.interval: …`) and says
 * what is allowed. Strict: numbers are JSON numbers, unknown fields are refused, and so is a
 * recurrence that can never run (February 30, weekdays on a monthly recurrence, an end before start).
 */
import type { Problem } from "./errors.js";
import { civilFromDays, isIanaZone, localDate, zoneOf } from "./recurrence-calendar.js";
import {
  INTERVAL_MAX,
  MAX_EPOCH_MS,
  MONTH_MAX_DAYS,
  MONTH_NAMES,
  UNITS,
  parseClock,
  type Recurrence,
  type RecurrenceUnit,
} from "./recurrence-model.js";
import { nextRun } from "./recurrence-runs.js";

export type RecurrenceValidation = { ok: true; recurrence: Recurrence } | { ok: false; problems: Problem[] };

const KEY = "sluice.schedule.invalid";
const FIELDS = ["unit", "interval", "weekdays", "dayOfMonth", "month", "time", "zone", "start", "end"];

/** Which units each optional calendar field belongs to, in words for the message. */
const BELONGS: Record<string, { units: readonly RecurrenceUnit[]; words: string }> = {
  weekdays: { units: ["week"], words: "only a weekly recurrence (unit 'week') has weekdays" },
  dayOfMonth: { units: ["month", "year"], words: "only a monthly or yearly recurrence (unit 'month' or 'year') has a day of the month" },
  month: { units: ["year"], words: "only a yearly recurrence (unit 'year') has a month" },
  time: { units: ["day", "week", "month", "year"], words: "a recurrence by minute or hour has no time of day" },
};

export function validateRecurrence(input: unknown): RecurrenceValidation {
  const problems: Problem[] = [];
  const report = (field: string, message: string) => problems.push({ key: KEY, message: `recurrence.${field}: ${message}` });
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const message = `recurrence: ${shown(input)} is not a recurrence; give an object such as {"unit": "week", "interval": 1, "zone": "Europe/Paris", "start": 1767225600000}`;
    return { ok: false, problems: [{ key: KEY, message }] };
  }
  const o = input as Record<string, unknown>;
  for (const field of Object.keys(o)) {
    if (!FIELDS.includes(field)) report(field, `not a field of a recurrence (the fields are ${FIELDS.join(", ")})`);
  }
  const present = (field: string) => o[field] !== undefined;
  /** A whole JSON number, or undefined after reporting what is wrong with the value. */
  const whole = (field: string, what: string): number | undefined => {
    const v = o[field];
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string") report(field, `${shown(v)} is a string; give ${what} as a JSON number`);
    else if (typeof v !== "number") report(field, `${shown(v)} is not a number; give ${what}`);
    else if (!Number.isFinite(v)) report(field, `${v} is not a finite number; give ${what}`);
    else report(field, `${v} is not a whole number; give ${what}`);
    return undefined;
  };

  // unit
  let unit: RecurrenceUnit | undefined;
  const units = `${UNITS.slice(0, -1).join(", ")} or ${UNITS.at(-1)}`;
  if (!present("unit")) report("unit", `missing; give one of ${units}`);
  else if (!(UNITS as readonly unknown[]).includes(o.unit)) report("unit", `${shown(o.unit)} is not a unit; give one of ${units}`);
  else unit = o.unit as RecurrenceUnit;

  // interval
  const max = unit ? INTERVAL_MAX[unit] : undefined;
  const range = max ? `a whole number from 1 to ${max}` : "a whole number from 1";
  let interval: number | undefined;
  if (!present("interval")) report("interval", `missing; give ${range}`);
  else {
    const n = whole("interval", range);
    const every = `every ${n} ${unit ?? "unit"}s`;
    if (n !== undefined && n < 1) report("interval", `${every} is not a schedule; give ${range}`);
    else if (n !== undefined && max && n > max) report("interval", `${every} is too long; give ${range}`);
    else interval = n;
  }

  // Calendar fields given for a unit they do not belong to.
  const misplaced = (field: string) => {
    const belongs = BELONGS[field]!;
    if (!present(field) || !unit || belongs.units.includes(unit)) return false;
    report(field, `${belongs.words}; leave it out for unit '${unit}'`);
    return true;
  };

  // weekdays
  let weekdays: number[] | undefined;
  if (present("weekdays") && !misplaced("weekdays")) {
    const days = o.weekdays;
    const allowed = "ISO weekday numbers from 1 (Monday) to 7 (Sunday), such as [1, 4]";
    if (!Array.isArray(days)) report("weekdays", `${shown(days)} is not a list; give ${allowed}`);
    else if (days.length === 0) report("weekdays", `an empty list never runs; give ${allowed}, or leave it out for the weekday of start`);
    else {
      const bad = days.filter((d) => !(typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= 7));
      const twice = days.filter((d, i) => days.indexOf(d) !== i);
      for (const d of bad) report("weekdays", `${shown(d)} is not a weekday; give ${allowed}`);
      for (const d of new Set(twice)) report("weekdays", `${shown(d)} is listed twice; list each weekday once`);
      if (bad.length === 0 && twice.length === 0) weekdays = [...(days as number[])];
    }
  }

  // dayOfMonth and month
  let dayOfMonth: number | undefined;
  if (present("dayOfMonth") && !misplaced("dayOfMonth")) {
    const n = whole("dayOfMonth", "a day of the month from 1 to 31");
    if (n !== undefined && (n < 1 || n > 31)) report("dayOfMonth", `${n} is not a day of the month (1 to 31)`);
    else dayOfMonth = n;
  }
  let month: number | undefined;
  if (present("month") && !misplaced("month")) {
    const n = whole("month", "a month from 1 (January) to 12 (December)");
    if (n !== undefined && (n < 1 || n > 12)) report("month", `${n} is not a month (1 = January to 12 = December)`);
    else month = n;
  }

  // time
  let time: string | undefined;
  if (present("time") && !misplaced("time")) {
    if (typeof o.time === "string" && parseClock(o.time) !== undefined) time = o.time;
    else report("time", `${shown(o.time)} is not a time of day (HH:mm or HH:mm:ss, 24-hour)`);
  }

  // zone
  let zone: string | undefined;
  if (!present("zone")) report("zone", "missing; give an IANA time zone such as Europe/Paris or UTC");
  else if (typeof o.zone !== "string" || !isIanaZone(o.zone)) report("zone", `${shown(o.zone)} is not an IANA time zone such as Europe/Paris`);
  else zone = o.zone;

  // start and end
  const epoch = "whole epoch milliseconds";
  const inRange = (field: string, n: number | undefined) => {
    if (n === undefined || Math.abs(n) <= MAX_EPOCH_MS) return n;
    report(field, `${n} is beyond the dates JavaScript can hold (±${MAX_EPOCH_MS} ms from 1970); give ${epoch}`);
    return undefined;
  };
  let start: number | undefined;
  if (!present("start")) report("start", `missing; give the instant the series starts at, in ${epoch}`);
  else start = inRange("start", whole("start", epoch));
  let end: number | undefined;
  if (present("end")) {
    end = inRange("end", whole("end", epoch));
    if (end !== undefined && start !== undefined && end <= start) {
      report("end", `${end} is not after start (${start}); give a later end, or leave it out for no end`);
      end = undefined;
    }
  }

  // A yearly date that never exists, the month or the day possibly taken from start.
  const known = (field: string, value: number | undefined) => value !== undefined || !present(field);
  if (unit === "year" && known("month", month) && known("dayOfMonth", dayOfMonth)) {
    const startDate = zone !== undefined && start !== undefined ? civilFromDays(localDate(start, zoneOf(zone))) : undefined;
    const m = month ?? startDate?.month;
    const d = dayOfMonth ?? startDate?.day;
    if (m !== undefined && d !== undefined && d > MONTH_MAX_DAYS[m - 1]!) {
      const field = present("dayOfMonth") ? "dayOfMonth" : "month";
      const name = MONTH_NAMES[m - 1]!;
      const whence = !present("month") ? ` (${name} is the month of start)` : !present("dayOfMonth") ? ` (${d} is the day of start)` : "";
      const leap = m === 2 ? " (February 29 is allowed: it runs on February 28 in other years)" : "";
      report(field, `${name} ${d} never happens${whence}, so a yearly recurrence on it never runs; give a day from 1 to ${MONTH_MAX_DAYS[m - 1]}${leap}`);
    }
  }

  if (problems.length > 0 || !unit || !interval || !zone || start === undefined) return { ok: false, problems };
  const recurrence: Recurrence = { unit, interval, zone, start };
  if (weekdays) recurrence.weekdays = weekdays;
  if (dayOfMonth !== undefined) recurrence.dayOfMonth = dayOfMonth;
  if (month !== undefined) recurrence.month = month;
  if (time !== undefined) recurrence.time = time;
  if (end !== undefined) recurrence.end = end;
  if (end !== undefined && nextRun(recurrence, start - 1) === null) {
    return { ok: false, problems: [{ key: KEY, message: "recurrence.end: no run falls between start and end; give a later end, or leave it out for no end" }] };
  }
  return { ok: true, recurrence };
}

/** A value as a message shows it: text quoted and cut short, lists and objects by kind. */
function shown(value: unknown): string {
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  if (value === undefined) return "nothing";
  return String(value);
}
