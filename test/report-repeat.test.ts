/**
 * Report schedules' next runs (issue 15's table): wall-clock times in Europe/Berlin and
 * America/New_York across their DST changes (a time that occurs twice runs once, at the earlier
 * instant; one that does not exist runs with the offset from before the change), monthly on the 29th
 * and the 31st (short months clamp), "every 2 days" from a start date, yearly from Feb 29 — and each
 * bad field (a 30th of February, an unknown zone, no weekdays…) refused with its name.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSluiceError } from "../src/core/errors.js";
import { nextRepeatRuns, type RepeatSchedule } from "../src/reports/repeat.js";

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString().replace(".000Z", "Z"));

const CASES: { name: string; schedule: RepeatSchedule; after: string; runs: string[] }[] = [
  {
    name: "Berlin daily 02:30 over spring forward (2026-03-29): the missing 02:30 runs at 02:30+01:00",
    schedule: { repeat: { type: "daily" }, startDate: "2026-03-01", time: "02:30", zoneId: "Europe/Berlin" },
    after: "2026-03-27T12:00:00Z",
    runs: ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z", "2026-04-01T00:30:00Z"],
  },
  {
    name: "Berlin daily 02:30 over fall back (2026-10-25): the twice-occurring 02:30 runs once, the earlier",
    schedule: { repeat: { type: "daily" }, startDate: "2026-10-01", time: "02:30", zoneId: "Europe/Berlin" },
    after: "2026-10-23T12:00:00Z",
    runs: ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z", "2026-10-28T01:30:00Z"],
  },
  {
    name: "New York weekly Monday and Thursday 08:00 across spring forward (2026-03-08)",
    schedule: { repeat: { type: "weekly", days: ["MONDAY", "thu"] }, startDate: "2026-03-01", time: "08:00", zoneId: "America/New_York" },
    after: "2026-03-01T00:00:00Z",
    runs: ["2026-03-02T13:00:00Z", "2026-03-05T13:00:00Z", "2026-03-09T12:00:00Z", "2026-03-12T12:00:00Z", "2026-03-16T12:00:00Z"],
  },
  {
    name: "New York daily 01:30 over fall back (2026-11-01): once, at EDT",
    schedule: { repeat: { type: "daily" }, startDate: "2026-10-01", time: "01:30", zoneId: "America/New_York" },
    after: "2026-10-31T00:00:00Z",
    runs: ["2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z", "2026-11-04T06:30:00Z"],
  },
  {
    name: "monthly on the 31st: short months run on their last day",
    schedule: { repeat: { type: "monthly", day: 31 }, startDate: "2027-01-01", time: "09:00", zoneId: "UTC" },
    after: "2027-01-01T00:00:00Z",
    runs: ["2027-01-31T09:00:00Z", "2027-02-28T09:00:00Z", "2027-03-31T09:00:00Z", "2027-04-30T09:00:00Z", "2027-05-31T09:00:00Z"],
  },
  {
    name: "monthly on the 29th: February of a leap year has one, of other years its 28th",
    schedule: { repeat: { type: "monthly", day: 29 }, startDate: "2027-12-01", time: "06:00", zoneId: "Europe/Berlin" },
    after: "2027-12-01T00:00:00Z",
    runs: ["2027-12-29T05:00:00Z", "2028-01-29T05:00:00Z", "2028-02-29T05:00:00Z", "2028-03-29T04:00:00Z", "2028-04-29T04:00:00Z"],
  },
  {
    name: "every 2 days from the start date",
    schedule: { repeat: { type: "every", n: 2, unit: "days" }, startDate: "2026-02-27", time: "07:15", zoneId: "America/New_York" },
    after: "2026-02-26T00:00:00Z",
    runs: ["2026-02-27T12:15:00Z", "2026-03-01T12:15:00Z", "2026-03-03T12:15:00Z", "2026-03-05T12:15:00Z", "2026-03-07T12:15:00Z"],
  },
  {
    name: "yearly from Feb 29: the 28th in other years, the 29th in leap years",
    schedule: { repeat: { type: "yearly" }, startDate: "2028-02-29", time: "12:00", zoneId: "UTC" },
    after: "2028-01-01T00:00:00Z",
    runs: ["2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2030-02-28T12:00:00Z", "2031-02-28T12:00:00Z", "2032-02-29T12:00:00Z"],
  },
];

describe("report schedules: the next five runs", () => {
  for (const c of CASES) {
    it(c.name, () => assert.deepEqual(iso(nextRepeatRuns(c.schedule, Date.parse(c.after), 5)), c.runs));
  }

  it("refuses each bad field, naming it, all at once", () => {
    const bad: [Partial<RepeatSchedule> & Record<string, unknown>, RegExp][] = [
      [{ startDate: "2026-02-30" }, /startDate: "2026-02-30" is not a calendar date/],
      [{ zoneId: "Mars/Olympus" }, /zoneId: "Mars\/Olympus" is not an IANA time zone/],
      [{ time: "25:00" }, /time: "25:00" is not a time of day/],
      [{ repeat: { type: "weekly", days: [] } }, /repeat.days/],
      [{ repeat: { type: "weekly", days: ["Funday"] } }, /repeat.days/],
      [{ repeat: { type: "monthly", day: 32 } }, /repeat.day: a day of the month/],
      [{ repeat: { type: "every", n: 0, unit: "days" } }, /repeat.n/],
      [{ repeat: { type: "every", n: 2, unit: "years" } as never }, /repeat.unit/],
      [{ repeat: { type: "hourly" } as never }, /repeat.type/],
    ];
    const good: RepeatSchedule = { repeat: { type: "daily" }, startDate: "2026-01-01", time: "08:00", zoneId: "UTC" };
    for (const [change, message] of bad) {
      assert.throws(() => nextRepeatRuns({ ...good, ...change }, 0), (e: unknown) => isSluiceError(e) && e.status === 400 && message.test(e.message), JSON.stringify(change));
    }
    assert.throws(
      () => nextRepeatRuns({ ...good, startDate: "2026-02-30", zoneId: "Nowhere" }, 0),
      (e: unknown) => isSluiceError(e) && e.problems.length === 2,
    );
  });
});
