/**
 * Recurrences of the schedules table (pure): runs by minute and hour as instants, runs by day, week,
 * month and year on the calendar of a zone (DST in Paris, New York and Sydney, +05:30 in Kolkata,
 * short months, leap years, every N anchored at start, end, strictly after), validation with every
 * problem at once, the English description, the Data pipeline schedule as a recurrence, and property
 * checks over 500 seeded-random recurrences.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DateTime, Settings } from "luxon";
import { describeRecurrence, nextRun, nextRuns, validateRecurrence, type Recurrence } from "../src/core/recurrence.js";
import { nextRun as scheduleNextRun, scheduleRecurrence, weekStart, type Schedule } from "../src/core/schedule.js";

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isoAll = (ms: number[]) => ms.map((t) => new Date(t).toISOString());

/** A recurrence from readable parts: `start` as an ISO instant. */
function rec(parts: Omit<Recurrence, "start" | "end"> & { start: string; end?: string }): Recurrence {
  const { start, end, ...rest } = parts;
  return { ...rest, start: utc(start), ...(end === undefined ? {} : { end: utc(end) }) };
}

/** The next `n` runs after `after`, as ISO instants. */
function runs(r: Recurrence, after: string, n: number): string[] {
  return isoAll(nextRuns(r, utc(after), n));
}

describe("nextRun: minutes and hours are instants counted from start", () => {
  it("runs at start + k·interval, strictly after `after`, the first at start itself", () => {
    const r = rec({ unit: "minute", interval: 7, zone: "UTC", start: "2026-01-01T00:00:30Z" });
    assert.equal(iso(nextRun(r, utc("2026-01-01T01:00:00Z"))), "2026-01-01T01:03:30.000Z");
    assert.equal(iso(nextRun(r, utc("2026-01-01T01:03:30Z"))), "2026-01-01T01:10:30.000Z", "strictly after a run");
    assert.equal(iso(nextRun(r, utc("2025-06-01T00:00:00Z"))), "2026-01-01T00:00:30.000Z", "nothing before start");
    assert.equal(iso(nextRun(r, r.start - 1)), "2026-01-01T00:00:30.000Z");
    assert.equal(iso(nextRun(r, r.start)), "2026-01-01T00:07:30.000Z");
    const hours = rec({ unit: "hour", interval: 5, zone: "UTC", start: "2026-01-01T00:00:00Z" });
    assert.equal(iso(nextRun(hours, utc("2026-01-10T00:00:00Z"))), "2026-01-10T04:00:00.000Z");
    assert.equal(iso(nextRun(hours, utc("2026-01-10T04:00:00Z"))), "2026-01-10T09:00:00.000Z");
  });

  it("is arithmetic, not a walk: every minute, ten years on", () => {
    const r = rec({ unit: "minute", interval: 1, zone: "UTC", start: "2026-01-01T00:00:00Z" });
    assert.equal(iso(nextRun(r, utc("2036-01-01T00:00:30Z"))), "2036-01-01T00:01:00.000Z");
    const daily = rec({ unit: "day", interval: 1, time: "06:00", zone: "UTC", start: "2026-01-01T00:00:00Z" });
    assert.equal(iso(nextRun(daily, utc("2125-06-15T12:00:00Z"))), "2125-06-16T06:00:00.000Z");
  });

  it("a 15-minute recurrence crosses a DST change as pure instants", () => {
    const spring = rec({ unit: "minute", interval: 15, zone: "Europe/Paris", start: "2026-03-29T00:00:00Z" });
    assert.deepEqual(runs(spring, "2026-03-29T00:50:00Z", 4), [
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:15:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-29T01:45:00.000Z",
    ]);
    const fall = rec({ unit: "minute", interval: 15, zone: "Europe/Paris", start: "2026-10-25T00:00:00Z" });
    assert.deepEqual(runs(fall, "2026-10-25T00:50:00Z", 3), ["2026-10-25T01:00:00.000Z", "2026-10-25T01:15:00.000Z", "2026-10-25T01:30:00.000Z"]);
    // New York falls back at 06:00Z: the wall reading 01:00 comes twice, an hourly run comes every hour.
    const hourly = rec({ unit: "hour", interval: 1, zone: "America/New_York", start: "2026-11-01T04:00:00Z" });
    assert.deepEqual(runs(hourly, "2026-11-01T00:00:00Z", 4), [
      "2026-11-01T04:00:00.000Z",
      "2026-11-01T05:00:00.000Z",
      "2026-11-01T06:00:00.000Z",
      "2026-11-01T07:00:00.000Z",
    ]);
  });
});

describe("nextRun: wall-clock time in a zone", () => {
  it("weekly on Monday 09:00 Europe/Paris is 08:00Z in winter, 07:00Z in summer", () => {
    const r = rec({ unit: "week", interval: 1, weekdays: [1], time: "09:00", zone: "Europe/Paris", start: "2026-01-01T00:00:00Z" });
    assert.equal(iso(nextRun(r, r.start)), "2026-01-05T08:00:00.000Z");
    assert.equal(iso(nextRun(r, utc("2026-03-28T00:00:00Z"))), "2026-03-30T07:00:00.000Z", "the first Monday of summer time");
    assert.equal(iso(nextRun(r, utc("2026-06-01T00:00:00Z"))), "2026-06-01T07:00:00.000Z");
  });

  it("Asia/Kolkata (+05:30): the half hour, and a local midnight that is the day before in UTC", () => {
    const daily = rec({ unit: "day", interval: 1, time: "09:00", zone: "Asia/Kolkata", start: "2026-01-01T00:00:00Z" });
    assert.deepEqual(runs(daily, "2026-01-01T00:00:00Z", 2), ["2026-01-01T03:30:00.000Z", "2026-01-02T03:30:00.000Z"]);
    const monthly = rec({ unit: "month", interval: 1, dayOfMonth: 1, zone: "Asia/Kolkata", start: "2026-01-15T00:00:00Z" });
    assert.deepEqual(runs(monthly, "2026-01-01T00:00:00Z", 2), ["2026-01-31T18:30:00.000Z", "2026-02-28T18:30:00.000Z"]);
  });

  it("defaults come from start's calendar date in the zone, not in UTC", () => {
    // 2026-01-14T23:30Z is Thursday 2026-01-15 08:30 in Tokyo.
    const weekly = rec({ unit: "week", interval: 1, time: "09:00", zone: "Asia/Tokyo", start: "2026-01-14T23:30:00Z" });
    assert.deepEqual(runs(weekly, "2026-01-01T00:00:00Z", 2), ["2026-01-15T00:00:00.000Z", "2026-01-22T00:00:00.000Z"]);
    // 2026-01-31T23:30Z is 2026-02-01 in Tokyo (day 1) but 2026-01-31 in UTC (day 31).
    const tokyo = rec({ unit: "month", interval: 1, time: "09:00", zone: "Asia/Tokyo", start: "2026-01-31T23:30:00Z" });
    assert.deepEqual(runs(tokyo, "2026-01-01T00:00:00Z", 2), ["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]);
    const inUtc = { ...tokyo, zone: "UTC" };
    assert.deepEqual(runs(inUtc, "2026-01-01T00:00:00Z", 2), ["2026-02-28T09:00:00.000Z", "2026-03-31T09:00:00.000Z"]);
  });
});

describe("nextRun: DST changes", () => {
  it("Europe/Paris fall back (2026-10-25): 02:30 happens twice and runs once, at the earlier (CEST) instant", () => {
    const daily = rec({ unit: "day", interval: 1, time: "02:30", zone: "Europe/Paris", start: "2026-10-01T00:00:00Z" });
    assert.deepEqual(runs(daily, "2026-10-23T12:00:00Z", 3), ["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    assert.equal(iso(nextRun(daily, utc("2026-10-25T00:30:00Z"))), "2026-10-26T01:30:00.000Z", "never also at 01:30Z");
    assert.equal(iso(nextRun(daily, utc("2026-10-25T01:00:00Z"))), "2026-10-26T01:30:00.000Z");
    const weekly = rec({ unit: "week", interval: 1, weekdays: [7], time: "02:00", zone: "Europe/Paris", start: "2026-10-01T00:00:00Z" });
    assert.equal(iso(nextRun(weekly, utc("2026-10-24T00:00:00Z"))), "2026-10-25T00:00:00.000Z", "02:00 CEST, the first 02:00");
  });

  it("Europe/Paris spring forward (2026-03-29): 02:30 does not exist and runs at 02:30+01:00", () => {
    const daily = rec({ unit: "day", interval: 1, time: "02:30", zone: "Europe/Paris", start: "2026-03-01T00:00:00Z" });
    assert.deepEqual(runs(daily, "2026-03-27T12:00:00Z", 3), ["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    const twoAm = rec({ unit: "week", interval: 1, weekdays: [7], time: "02:00", zone: "Europe/Paris", start: "2026-03-01T00:00:00Z" });
    assert.equal(iso(nextRun(twoAm, utc("2026-03-28T00:00:00Z"))), "2026-03-29T01:00:00.000Z", "02:00+01:00 = 03:00 CEST");
  });

  it("America/New_York: spring forward 2026-03-08, fall back 2026-11-01", () => {
    const spring = rec({ unit: "day", interval: 1, time: "02:30", zone: "America/New_York", start: "2026-03-01T12:00:00Z" });
    assert.deepEqual(runs(spring, "2026-03-07T00:00:00Z", 3), ["2026-03-07T07:30:00.000Z", "2026-03-08T07:30:00.000Z", "2026-03-09T06:30:00.000Z"]);
    const fall = rec({ unit: "day", interval: 1, time: "01:30", zone: "America/New_York", start: "2026-10-01T12:00:00Z" });
    assert.deepEqual(runs(fall, "2026-10-31T00:00:00Z", 3), ["2026-10-31T05:30:00.000Z", "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  it("Australia/Sydney (southern hemisphere): DST ends 2026-04-05, starts 2026-10-04", () => {
    const daily = rec({ unit: "day", interval: 1, time: "02:30", zone: "Australia/Sydney", start: "2026-03-01T00:00:00Z" });
    // 02:30 on 2026-04-05 comes twice (+11:00, then +10:00): the earlier one.
    assert.deepEqual(runs(daily, "2026-04-03T00:00:00Z", 3), ["2026-04-03T15:30:00.000Z", "2026-04-04T15:30:00.000Z", "2026-04-05T16:30:00.000Z"]);
    // 02:30 on 2026-10-04 does not exist: 02:30+10:00.
    assert.deepEqual(runs(daily, "2026-10-02T00:00:00Z", 3), ["2026-10-02T16:30:00.000Z", "2026-10-03T16:30:00.000Z", "2026-10-04T15:30:00.000Z"]);
  });

  it("does not depend on the clock (luxon guesses an ambiguous offset from the current time)", () => {
    const paris = rec({ unit: "day", interval: 1, time: "02:30", zone: "Europe/Paris", start: "2026-10-01T00:00:00Z" });
    const sydney = rec({ unit: "day", interval: 1, time: "02:30", zone: "Australia/Sydney", start: "2026-03-01T00:00:00Z" });
    const now = Settings.now;
    try {
      for (const clock of ["2026-01-15T00:00:00Z", "2026-07-15T00:00:00Z"]) {
        Settings.now = () => utc(clock);
        assert.equal(iso(nextRun(paris, utc("2026-10-24T12:00:00Z"))), "2026-10-25T00:30:00.000Z", clock);
        assert.equal(iso(nextRun(sydney, utc("2026-04-04T00:00:00Z"))), "2026-04-04T15:30:00.000Z", clock);
      }
    } finally {
      Settings.now = now;
    }
  });
});

describe("nextRun: the calendar", () => {
  it("monthly on day 31 clamps short months without shifting later ones; 2028 has a February 29", () => {
    const r = rec({ unit: "month", interval: 1, dayOfMonth: 31, time: "06:00", zone: "UTC", start: "2026-01-31T00:00:00Z" });
    assert.deepEqual(runs(r, "2026-01-01T00:00:00Z", 6), [
      "2026-01-31T06:00:00.000Z",
      "2026-02-28T06:00:00.000Z",
      "2026-03-31T06:00:00.000Z",
      "2026-04-30T06:00:00.000Z",
      "2026-05-31T06:00:00.000Z",
      "2026-06-30T06:00:00.000Z",
    ]);
    assert.deepEqual(runs(r, "2028-01-31T06:00:00Z", 2), ["2028-02-29T06:00:00.000Z", "2028-03-31T06:00:00.000Z"]);
    // Without dayOfMonth the day is start's: from February 28 it stays the 28th.
    const fromFeb28 = rec({ unit: "month", interval: 1, zone: "UTC", start: "2026-02-28T00:00:00Z" });
    assert.deepEqual(runs(fromFeb28, "2026-02-01T00:00:00Z", 2), ["2026-02-28T00:00:00.000Z", "2026-03-28T00:00:00.000Z"]);
  });

  it("yearly on February 29: February 28 in common years (2100 included), February 29 in leap years (2400 included)", () => {
    const r = rec({ unit: "year", interval: 1, month: 2, dayOfMonth: 29, zone: "UTC", start: "2026-01-10T00:00:00Z" });
    assert.deepEqual(runs(r, "2026-01-01T00:00:00Z", 4), [
      "2026-02-28T00:00:00.000Z",
      "2027-02-28T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
      "2029-02-28T00:00:00.000Z",
    ]);
    assert.equal(iso(nextRun(r, utc("2099-12-31T00:00:00Z"))), "2100-02-28T00:00:00.000Z");
    assert.equal(iso(nextRun(r, utc("2399-12-31T00:00:00Z"))), "2400-02-29T00:00:00.000Z");
    const fromLeapDay = rec({ unit: "year", interval: 1, time: "12:00", zone: "UTC", start: "2028-02-29T12:00:00Z" });
    assert.deepEqual(runs(fromLeapDay, "2028-01-01T00:00:00Z", 5), [
      "2028-02-29T12:00:00.000Z",
      "2029-02-28T12:00:00.000Z",
      "2030-02-28T12:00:00.000Z",
      "2031-02-28T12:00:00.000Z",
      "2032-02-29T12:00:00.000Z",
    ]);
  });

  it("every N counts from start, not from `after`", () => {
    // Saved on Wednesday 2026-01-14: every 2 weeks on Friday.
    const fridays = rec({ unit: "week", interval: 2, weekdays: [5], zone: "UTC", start: "2026-01-14T10:00:00Z" });
    assert.deepEqual(runs(fridays, "2026-01-14T10:00:00Z", 3), ["2026-01-16T00:00:00.000Z", "2026-01-30T00:00:00.000Z", "2026-02-13T00:00:00.000Z"]);
    assert.equal(iso(nextRun(fridays, utc("2026-01-20T00:00:00Z"))), "2026-01-30T00:00:00.000Z", "an off week is skipped");
    assert.equal(iso(nextRun(fridays, utc("2027-06-01T00:00:00Z"))), "2027-06-04T00:00:00.000Z", "36 periods on");
    const quarterly = rec({ unit: "month", interval: 3, dayOfMonth: 15, zone: "UTC", start: "2026-01-10T00:00:00Z" });
    assert.deepEqual(runs(quarterly, "2026-01-01T00:00:00Z", 4), [
      "2026-01-15T00:00:00.000Z",
      "2026-04-15T00:00:00.000Z",
      "2026-07-15T00:00:00.000Z",
      "2026-10-15T00:00:00.000Z",
    ]);
    assert.equal(iso(nextRun(quarterly, utc("2026-05-01T00:00:00Z"))), "2026-07-15T00:00:00.000Z");
    const biennial = rec({ unit: "year", interval: 2, month: 6, dayOfMonth: 30, zone: "UTC", start: "2026-07-01T00:00:00Z" });
    assert.deepEqual(runs(biennial, "2026-01-01T00:00:00Z", 2), ["2028-06-30T00:00:00.000Z", "2030-06-30T00:00:00.000Z"]);
  });

  it("every 2 weeks on Monday and Thursday, weeks counted from the ISO week (in zone) that holds start", () => {
    const r = rec({ unit: "week", interval: 2, weekdays: [4, 1], time: "08:00", zone: "Europe/Paris", start: "2026-01-12T00:00:00Z" });
    assert.deepEqual(runs(r, "2026-01-01T00:00:00Z", 4), [
      "2026-01-12T07:00:00.000Z",
      "2026-01-15T07:00:00.000Z",
      "2026-01-26T07:00:00.000Z",
      "2026-01-29T07:00:00.000Z",
    ]);
    // 2026-01-18T23:30Z is Sunday in UTC (the week of Monday 12th), Monday 19th 00:30 in Paris.
    const mondays = (zone: string) => rec({ unit: "week", interval: 2, weekdays: [1], time: "09:00", zone, start: "2026-01-18T23:30:00Z" });
    assert.equal(iso(nextRun(mondays("UTC"), 0)), "2026-01-26T09:00:00.000Z", "week 0 began before start; week 2");
    assert.equal(iso(nextRun(mondays("Europe/Paris"), 0)), "2026-01-19T08:00:00.000Z", "week 0 is the week of the 19th");
  });

  it("no run before start: a time of day already past on start's day moves to the next matching day", () => {
    const at = (start: string) => rec({ unit: "day", interval: 1, time: "09:00", zone: "UTC", start });
    assert.equal(iso(nextRun(at("2026-01-01T10:00:00Z"), 0)), "2026-01-02T09:00:00.000Z");
    assert.equal(iso(nextRun(at("2026-01-01T08:00:00Z"), 0)), "2026-01-01T09:00:00.000Z");
    assert.equal(iso(nextRun(at("2026-01-01T09:00:00Z"), 0)), "2026-01-01T09:00:00.000Z", "a run at start itself counts");
    const everyThird = rec({ unit: "day", interval: 3, time: "08:00", zone: "UTC", start: "2026-01-01T10:00:00Z" });
    assert.deepEqual(runs(everyThird, "2025-12-01T00:00:00Z", 3), ["2026-01-04T08:00:00.000Z", "2026-01-07T08:00:00.000Z", "2026-01-10T08:00:00.000Z"]);
    const weekly = rec({ unit: "week", interval: 1, weekdays: [1], time: "09:00", zone: "UTC", start: "2026-01-12T10:00:00Z" });
    assert.equal(iso(nextRun(weekly, 0)), "2026-01-19T09:00:00.000Z");
  });

  it("strictly after: a run asked from itself gives the following run", () => {
    const r = rec({ unit: "week", interval: 1, weekdays: [3], time: "12:00:30", zone: "America/New_York", start: "2026-01-01T00:00:00Z" });
    const first = nextRun(r, r.start)!;
    assert.equal(iso(first), "2026-01-07T17:00:30.000Z");
    assert.equal(iso(nextRun(r, first - 1)), "2026-01-07T17:00:30.000Z");
    assert.equal(iso(nextRun(r, first)), "2026-01-14T17:00:30.000Z");
  });
});

describe("nextRuns and end", () => {
  it("stops at end (a run at end itself is kept), and nextRun is null past it", () => {
    const daily = rec({ unit: "day", interval: 1, zone: "UTC", start: "2026-01-01T00:00:00Z", end: "2026-01-03T00:00:00Z" });
    assert.deepEqual(runs(daily, "2025-12-31T00:00:00Z", 10), ["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"]);
    assert.equal(nextRun(daily, utc("2026-01-03T00:00:00Z")), null);
    assert.equal(nextRun(daily, utc("2030-01-01T00:00:00Z")), null);
    assert.equal(nextRuns({ ...daily, end: utc("2026-01-02T23:59:59.999Z") }, 0, 10).length, 2);
    const quarterHours = rec({ unit: "minute", interval: 15, zone: "UTC", start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:45:00Z" });
    assert.deepEqual(runs(quarterHours, "2025-01-01T00:00:00Z", 10), [
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:15:00.000Z",
      "2026-01-01T00:30:00.000Z",
      "2026-01-01T00:45:00.000Z",
    ]);
  });

  it("returns exactly `count` runs when there is no end, each after the previous", () => {
    const r = rec({ unit: "hour", interval: 2, zone: "UTC", start: "2026-01-01T00:00:00Z" });
    assert.deepEqual(nextRuns(r, 0, 0), []);
    assert.deepEqual(runs(r, "2026-01-01T00:00:00Z", 1), ["2026-01-01T02:00:00.000Z"]);
    const many = nextRuns(r, 0, 100);
    assert.equal(many.length, 100);
    for (let i = 1; i < many.length; i++) assert.equal(many[i]! - many[i - 1]!, 2 * 3_600_000);
  });
});

/** The problems of an invalid recurrence: every key is `sluice.schedule.invalid`; returns the messages. */
function problems(input: unknown): string[] {
  const result = validateRecurrence(input);
  assert.equal(result.ok, false, `expected problems for ${JSON.stringify(input)}`);
  if (result.ok) return [];
  for (const p of result.problems) assert.equal(p.key, "sluice.schedule.invalid", p.message);
  return result.problems.map((p) => p.message);
}

/** The single problem of `input`, which must name `field`. */
function problem(input: unknown, field: string): string {
  const messages = problems(input);
  assert.equal(messages.length, 1, messages.join("\n"));
  assert.ok(messages[0]!.startsWith(`recurrence.${field}: `), messages[0]);
  return messages[0]!;
}

describe("validateRecurrence", () => {
  const START = utc("2026-01-14T10:00:00Z");
  const weekly = { unit: "week", interval: 1, weekdays: [1, 4], time: "08:00", zone: "Europe/Paris", start: START };
  const yearly = { unit: "year", interval: 1, zone: "UTC", start: START };

  it("accepts a valid recurrence of each unit and returns exactly its fields", () => {
    const valid: Recurrence[] = [
      { ...weekly, unit: "week", end: START + 86_400_000 * 30 },
      { unit: "minute", interval: 10_080, zone: "UTC", start: 0 },
      { unit: "hour", interval: 8_760, zone: "Asia/Kolkata", start: START },
      { unit: "day", interval: 3_660, time: "23:59:59", zone: "America/New_York", start: START },
      { unit: "month", interval: 1_200, dayOfMonth: 31, zone: "Australia/Sydney", start: START },
      { unit: "year", interval: 100, month: 2, dayOfMonth: 29, time: "00:00", zone: "UTC", start: START },
    ];
    for (const r of valid) assert.deepEqual(validateRecurrence(JSON.parse(JSON.stringify(r))), { ok: true, recurrence: r });
  });

  it("lists every problem at once, each keyed sluice.schedule.invalid and naming its field", () => {
    const messages = problems({ unit: "week", interval: 0, zone: "Mars/Olympus", dayOfMonth: 32, time: "25:00", start: "1", colour: "red" });
    assert.deepEqual(
      messages.map((m) => m.slice(0, m.indexOf(":"))),
      ["recurrence.colour", "recurrence.interval", "recurrence.dayOfMonth", "recurrence.time", "recurrence.zone", "recurrence.start"],
    );
  });

  it("interval: a whole JSON number within the unit's range", () => {
    assert.equal(problem({ ...weekly, interval: 0 }, "interval"), "recurrence.interval: every 0 weeks is not a schedule; give a whole number from 1 to 520");
    assert.match(problem({ ...weekly, interval: 521 }, "interval"), /every 521 weeks is too long; give a whole number from 1 to 520/);
    assert.match(problem({ ...weekly, interval: -2 }, "interval"), /from 1 to 520/);
    assert.match(problem({ ...weekly, interval: 1.5 }, "interval"), /1\.5 is not a whole number/);
    assert.match(problem({ ...weekly, interval: "2" }, "interval"), /'2' is a string; give a whole number from 1 to 520 as a JSON number/);
    assert.match(problem({ ...weekly, interval: Number.POSITIVE_INFINITY }, "interval"), /Infinity is not a finite number/);
    assert.match(problem({ ...weekly, interval: null }, "interval"), /null is not a number/);
    const { interval: _interval, ...noInterval } = weekly;
    assert.match(problem(noInterval, "interval"), /missing/);
    const limits = { minute: 10_080, hour: 8_760, day: 3_660, week: 520, month: 1_200, year: 100 };
    for (const [unit, max] of Object.entries(limits)) {
      const base = { unit, zone: "UTC", start: START };
      assert.equal(validateRecurrence({ ...base, interval: max }).ok, true, unit);
      assert.match(problem({ ...base, interval: max + 1 }, "interval"), new RegExp(`from 1 to ${max}$`), unit);
    }
  });

  it("unit, zone and start: present and of the allowed kinds", () => {
    assert.match(problem({ ...weekly, unit: "fortnight" }, "unit"), /'fortnight' is not a unit; give one of minute, hour, day, week, month or year/);
    const { unit: _unit, ...noUnit } = weekly;
    assert.match(problems(noUnit).join("\n"), /recurrence\.unit: missing/);
    assert.equal(problem({ ...weekly, zone: "Mars/Olympus" }, "zone"), "recurrence.zone: 'Mars/Olympus' is not an IANA time zone such as Europe/Paris");
    for (const zone of ["system", "UTC+3", "+03:00", "", 1]) assert.match(problem({ ...weekly, zone }, "zone"), /is not an IANA time zone/, String(zone));
    const { zone: _zone, ...noZone } = weekly;
    assert.match(problem(noZone, "zone"), /missing; give an IANA time zone/);
    assert.match(problem({ ...weekly, start: "2026-01-14T10:00:00Z" }, "start"), /is a string; give whole epoch milliseconds as a JSON number/);
    assert.match(problem({ ...weekly, start: Number.NaN }, "start"), /NaN is not a finite number/);
    assert.match(problem({ ...weekly, start: 1.25 }, "start"), /not a whole number/);
    assert.match(problem({ ...weekly, start: 1e20 }, "start"), /beyond the dates JavaScript can hold/);
    const { start: _start, ...noStart } = weekly;
    assert.match(problem(noStart, "start"), /missing/);
  });

  it("end: a whole number after start, with a run in between", () => {
    assert.match(problem({ ...weekly, end: START }, "end"), /is not after start/);
    assert.match(problem({ ...weekly, end: START - 1 }, "end"), /is not after start/);
    assert.match(problem({ ...weekly, end: "tomorrow" }, "end"), /is a string/);
    // Monday and Thursday 08:00: nothing between Wednesday 10:00 and Wednesday 20:00.
    assert.match(problem({ ...weekly, end: START + 10 * 3_600_000 }, "end"), /no run falls between start and end/);
  });

  it("weekdays: a non-empty list of distinct ISO weekdays, for unit week only", () => {
    assert.match(problem({ ...weekly, weekdays: [] }, "weekdays"), /an empty list never runs/);
    assert.match(problem({ ...weekly, weekdays: [0] }, "weekdays"), /0 is not a weekday; give ISO weekday numbers from 1 \(Monday\) to 7 \(Sunday\)/);
    assert.match(problem({ ...weekly, weekdays: [8] }, "weekdays"), /8 is not a weekday/);
    assert.match(problem({ ...weekly, weekdays: [1.5] }, "weekdays"), /1\.5 is not a weekday/);
    assert.match(problem({ ...weekly, weekdays: ["1"] }, "weekdays"), /'1' is not a weekday/);
    assert.match(problem({ ...weekly, weekdays: [1, 3, 1] }, "weekdays"), /1 is listed twice/);
    assert.match(problem({ ...weekly, weekdays: 1 }, "weekdays"), /1 is not a list/);
    assert.match(problem({ ...yearly, unit: "day", weekdays: [1] }, "weekdays"), /only a weekly recurrence .* leave it out for unit 'day'/);
  });

  it("dayOfMonth, month and time: in range, and only for the units they belong to", () => {
    const monthly = { unit: "month", interval: 1, zone: "UTC", start: START };
    assert.equal(problem({ ...monthly, dayOfMonth: 32 }, "dayOfMonth"), "recurrence.dayOfMonth: 32 is not a day of the month (1 to 31)");
    assert.match(problem({ ...monthly, dayOfMonth: 0 }, "dayOfMonth"), /0 is not a day of the month/);
    assert.match(problem({ ...monthly, dayOfMonth: "15" }, "dayOfMonth"), /'15' is a string/);
    assert.match(problem({ ...weekly, dayOfMonth: 1 }, "dayOfMonth"), /only a monthly or yearly recurrence/);
    assert.match(problem({ ...yearly, month: 13 }, "month"), /13 is not a month \(1 = January to 12 = December\)/);
    assert.match(problem({ ...yearly, month: 0 }, "month"), /0 is not a month/);
    assert.match(problem({ ...monthly, month: 1 }, "month"), /only a yearly recurrence .* leave it out for unit 'month'/);
    assert.equal(problem({ ...weekly, time: "25:00" }, "time"), "recurrence.time: '25:00' is not a time of day (HH:mm or HH:mm:ss, 24-hour)");
    for (const time of ["9:00", "12:60", "12:00:60", "noon", "08:00 ", 900]) assert.match(problem({ ...weekly, time }, "time"), /is not a time of day/, String(time));
    for (const unit of ["minute", "hour"]) assert.match(problem({ unit, interval: 1, time: "08:00", zone: "UTC", start: START }, "time"), /has no time of day/);
  });

  it("a yearly date that never exists is refused; February 29 is allowed", () => {
    for (const [month, day] of [[2, 30], [2, 31], [4, 31], [6, 31], [9, 31], [11, 31]] as const) {
      assert.match(problem({ ...yearly, month, dayOfMonth: day }, "dayOfMonth"), /never happens, so a yearly recurrence on it never runs/, `${month}/${day}`);
    }
    assert.match(problem({ ...yearly, month: 2, dayOfMonth: 30 }, "dayOfMonth"), /February 29 is allowed: it runs on February 28 in other years/);
    assert.equal(validateRecurrence({ ...yearly, month: 2, dayOfMonth: 29 }).ok, true);
    assert.equal(validateRecurrence({ ...yearly, month: 12, dayOfMonth: 31 }).ok, true);
    // The month or the day can come from start (2026-04-10): April 31 never happens either.
    const april = { ...yearly, start: utc("2026-04-10T00:00:00Z") };
    assert.match(problem({ ...april, dayOfMonth: 31 }, "dayOfMonth"), /April 31 never happens \(April is the month of start\)/);
    assert.match(problem({ ...yearly, start: utc("2026-01-31T00:00:00Z"), month: 2 }, "month"), /February 31 never happens \(31 is the day of start\)/);
  });

  it("refuses what is not a recurrence object, and fields it does not know", () => {
    for (const input of [null, undefined, "weekly", 7, [weekly]]) {
      const messages = problems(input);
      assert.equal(messages.length, 1);
      assert.match(messages[0]!, /^recurrence: .+ is not a recurrence; give an object such as \{"unit": "week"/);
    }
    assert.match(problem({ ...weekly, every: 2 }, "every"), /not a field of a recurrence \(the fields are unit, interval, weekdays, dayOfMonth, month, time, zone, start, end\)/);
  });
});

describe("describeRecurrence", () => {
  const START = utc("2026-01-14T23:30:00Z");
  it("says it in a short English sentence", () => {
    const cases: [Omit<Recurrence, "start">, string][] = [
      [{ unit: "minute", interval: 15, zone: "UTC" }, "every 15 minutes"],
      [{ unit: "minute", interval: 1, zone: "UTC" }, "every minute"],
      [{ unit: "hour", interval: 1, zone: "UTC" }, "every hour"],
      [{ unit: "hour", interval: 6, zone: "UTC" }, "every 6 hours"],
      [{ unit: "day", interval: 1, zone: "UTC" }, "daily at 00:00 (UTC)"],
      [{ unit: "day", interval: 3, time: "07:30:15", zone: "Asia/Kolkata" }, "every 3 days at 07:30:15 (Asia/Kolkata)"],
      [{ unit: "week", interval: 2, weekdays: [4, 1], time: "08:00", zone: "Europe/Paris" }, "every 2 weeks on Monday and Thursday at 08:00 (Europe/Paris)"],
      [{ unit: "week", interval: 1, weekdays: [5, 1, 3], time: "08:00", zone: "UTC" }, "weekly on Monday, Wednesday and Friday at 08:00 (UTC)"],
      [{ unit: "week", interval: 1, time: "09:00", zone: "Asia/Tokyo" }, "weekly on Thursday at 09:00 (Asia/Tokyo)"],
      [{ unit: "month", interval: 1, dayOfMonth: 31, time: "06:00", zone: "UTC" }, "monthly on day 31 (or the month's last day) at 06:00 (UTC)"],
      [{ unit: "month", interval: 3, dayOfMonth: 15, zone: "UTC" }, "every 3 months on day 15 at 00:00 (UTC)"],
      [{ unit: "year", interval: 1, month: 2, dayOfMonth: 29, zone: "UTC" }, "yearly on February 29 (February 28 in other years) at 00:00 (UTC)"],
      [{ unit: "year", interval: 2, zone: "Asia/Tokyo" }, "every 2 years on January 15 at 00:00 (Asia/Tokyo)"],
    ];
    for (const [r, text] of cases) assert.equal(describeRecurrence({ ...r, start: START }), text);
  });

  it("adds the end on the zone's wall clock", () => {
    const daily: Recurrence = { unit: "day", interval: 1, time: "09:00", zone: "Europe/Paris", start: START, end: utc("2026-12-31T22:59:00Z") };
    assert.equal(describeRecurrence(daily), "daily at 09:00 (Europe/Paris), until 2026-12-31 23:59");
    const quarterHours: Recurrence = { unit: "minute", interval: 15, zone: "Europe/Paris", start: START, end: utc("2026-03-29T01:07:00Z") };
    assert.equal(describeRecurrence(quarterHours), "every 15 minutes, until 2026-03-29 03:07 (Europe/Paris)");
  });
});

describe("the Data pipeline schedule as a recurrence", () => {
  const MONDAY = utc("2026-01-12T00:00:00Z");
  const schedule = (zoneId: string): Schedule => ({
    days: ["thu", "mon", "thu"],
    repeatIntervalInWeeks: 2,
    time: "8:05",
    fromDate: null,
    schemaVersion: 1,
    zoneId,
    anchorWeek: weekStart(MONDAY, zoneId === "system" ? "Europe/Paris" : zoneId),
  });

  it("maps days, weeks, time and zone (the system zone for \"system\") onto a weekly recurrence", () => {
    const r = scheduleRecurrence(schedule("system"), "Europe/Paris");
    assert.deepEqual(r, { unit: "week", interval: 2, weekdays: [1, 4], time: "08:05:00", zone: "Europe/Paris", start: utc("2026-01-11T23:00:00Z") });
    assert.deepEqual(validateRecurrence(r), { ok: true, recurrence: r });
  });

  it("nextRun of the schedule is nextRun of its recurrence", () => {
    const s = schedule("America/New_York");
    const r = scheduleRecurrence(s, "UTC");
    let t = MONDAY;
    for (let i = 0; i < 10; i++) {
      const run = scheduleNextRun(s, t);
      assert.equal(run, nextRun(r, t));
      t = run;
    }
    // 2026-01-12T00:00Z is Sunday evening in New York: the anchor is the week of Monday 5 January, so the
    // runs are in the weeks of the 19th, 2 February, … and the tenth is Thursday 19 March, 08:05 EDT.
    assert.equal(iso(t), "2026-03-19T12:05:00.000Z");
  });
});

/** mulberry32: a tiny seeded PRNG, the same sequence on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("properties over 500 seeded-random recurrences", () => {
  const random = prng(20_260_114);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Santiago", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns"];
  const MAX = { minute: 10_080, hour: 8_760, day: 3_660, week: 520, month: 1_200, year: 100 } as const;
  const FROM = utc("2020-01-01T00:00:00Z");
  const YEARS_10 = 10 * 365 * 86_400_000;
  const pad = (n: number) => String(n).padStart(2, "0");

  /** A valid recurrence; times cluster in the small hours, where DST changes happen. */
  function randomRecurrence(): Recurrence {
    const unit = pick(["minute", "hour", "day", "week", "month", "year"] as const);
    const interval = random() < 0.6 ? int(1, 3) : random() < 0.9 ? int(1, Math.min(60, MAX[unit])) : MAX[unit];
    const r: Recurrence = { unit, interval, zone: pick(ZONES), start: FROM + int(0, YEARS_10) };
    if (unit !== "minute" && unit !== "hour" && random() < 0.8) {
      const hour = random() < 0.5 ? int(0, 3) : int(0, 23);
      r.time = `${pad(hour)}:${pad(pick([0, 15, 30, 45, int(0, 59)]))}${random() < 0.2 ? `:${pad(int(0, 59))}` : ""}`;
    }
    if (unit === "week" && random() < 0.8) r.weekdays = [1, 2, 3, 4, 5, 6, 7].filter(() => random() < 0.4).concat(int(1, 7)).filter((d, i, all) => all.indexOf(d) === i);
    if (unit === "year" && random() < 0.7) r.month = int(1, 12);
    if ((unit === "month" || unit === "year") && random() < 0.7) r.dayOfMonth = r.month ? int(1, [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][r.month - 1]!) : int(1, 28);
    if (random() < 0.2) r.end = r.start + int(1, 50) * MAX_SPAN[unit] * interval;
    return r;
  }
  const MAX_SPAN = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 31 * 86_400_000, year: 366 * 86_400_000 } as const;

  /** The local calendar date and unit index of a run, as luxon sees it (an oracle independent of the code under test). */
  function local(r: Recurrence, run: number) {
    const dt = DateTime.fromMillis(run, { zone: r.zone });
    const anchor = DateTime.fromMillis(r.start, { zone: r.zone });
    const days = (d: DateTime) => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;
    const unitIndex = {
      minute: 0,
      hour: 0,
      day: days(dt) - days(anchor),
      week: (days(dt) - (dt.weekday - 1) - (days(anchor) - (anchor.weekday - 1))) / 7,
      month: (dt.year - anchor.year) * 12 + dt.month - anchor.month,
      year: dt.year - anchor.year,
    }[r.unit];
    return { dt, anchor, unitIndex };
  }

  it("runs are after `after`, not before start, not after end, fixed points of nextRun(run − 1), increasing, and on the calendar", () => {
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const r = randomRecurrence();
      const validated = validateRecurrence(r);
      if (!validated.ok && r.end !== undefined) delete r.end; // an end before the first run: drop it
      assert.deepEqual(validateRecurrence(r), { ok: true, recurrence: r }, JSON.stringify(r));
      const what = `${JSON.stringify(r)} (${describeRecurrence(r)})`;
      for (let j = 0; j < 4; j++) {
        const t = r.start + int(-40, 400) * 86_400_000 + int(0, 86_399_999) * (j % 2);
        const n = nextRun(r, t);
        if (n === null) {
          assert.ok(r.end !== undefined, `no run without an end: ${what} after ${iso(t)}`);
          continue;
        }
        assert.ok(n > t, `after t: ${what} ${iso(t)} → ${iso(n)}`);
        assert.ok(n >= r.start, `not before start: ${what} ${iso(t)} → ${iso(n)}`);
        if (r.end !== undefined) assert.ok(n <= r.end, `not after end: ${what}`);
        assert.equal(nextRun(r, n - 1), n, `nextRun(run − 1) is the run: ${what} ${iso(n)}`);
        const series = [n, ...nextRuns(r, n, 5)];
        for (let k = 1; k < series.length; k++) {
          assert.ok(series[k]! > series[k - 1]!, `increasing: ${what} ${isoAll(series).join(" ")}`);
          assert.equal(nextRun(r, series[k]! - 1), series[k], `no run skipped: ${what}`);
        }
        for (const run of series) {
          if (r.unit === "minute" || r.unit === "hour") {
            assert.equal((run - r.start) % (r.interval * (r.unit === "minute" ? 60_000 : 3_600_000)), 0, what);
            continue;
          }
          const { dt, anchor, unitIndex } = local(r, run);
          assert.equal(unitIndex % r.interval, 0, `every ${r.interval} ${r.unit}s from start: ${what} ${dt.toISO()}`);
          const wall = `${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}`;
          const time = r.time === undefined ? "00:00:00" : r.time.length === 5 ? `${r.time}:00` : r.time;
          // Only a wall time that does not exist that day is moved (by the DST jump, on the same date).
          if (wall !== time) assert.notEqual(dt.offset, DateTime.fromMillis(run - 86_400_000, { zone: r.zone }).offset, `time ${time}: ${what} ${dt.toISO()}`);
          if (r.unit === "week") assert.ok((r.weekdays ?? [anchor.weekday]).includes(dt.weekday), `weekday: ${what} ${dt.toISO()}`);
          if (r.unit === "month" || r.unit === "year") assert.equal(dt.day, Math.min(r.dayOfMonth ?? anchor.day, dt.daysInMonth!), `day: ${what} ${dt.toISO()}`);
          if (r.unit === "year") assert.equal(dt.month, r.month ?? anchor.month, `month: ${what}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 1500, `checked ${checked}`);
  });
});
