/**
 * The export schedule: pure `nextRun` calendar arithmetic (weekdays, every N weeks, zones, DST), and
 * the `Scheduler` with an injected clock on a real store: a due schedule fires once, two schedulers
 * (two nodes, two store connections) fire it once per cluster, and a run that meets a running export
 * records a FAILED job.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sqlitePath } from "../src/config.js";
import { nextRun, parseTimeOfDay, parseWeekday, weekStart, type Schedule, type Weekday } from "../src/core/schedule.js";
import { ExportService } from "../src/export/export-service.js";
import { deleteExportSchedule, exportScheduleTarget, getExportSchedule, putExportSchedule, type StoredSchedule } from "../src/export/export-schedule.js";
import { Scheduler } from "../src/jobs/scheduler.js";
import { createLogger } from "../src/logger.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import type { ExportJobRecord } from "../src/core/export-job.js";
import type { Site, Store } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function schedule(days: Weekday[], time: string, zoneId: string, savedAt: number, repeatIntervalInWeeks = 1): Schedule {
  return { days, repeatIntervalInWeeks, time, fromDate: null, schemaVersion: 1, zoneId, anchorWeek: weekStart(savedAt, zoneId) };
}

/** The first `n` runs after `from`. */
function runs(s: Schedule, from: number, n: number): string[] {
  const out: string[] = [];
  let t = from;
  for (let i = 0; i < n; i++) {
    t = nextRun(s, t);
    out.push(iso(t));
  }
  return out;
}

describe("nextRun", () => {
  // 2026-01-12 is a Monday.
  const MONDAY = utc("2026-01-12T00:00:00Z");

  it("picks the next listed weekday at the time of day, strictly after now", () => {
    const s = schedule(["mon", "wed"], "02:30:00", "UTC", MONDAY);
    assert.equal(iso(nextRun(s, utc("2026-01-12T02:29:59Z"))), "2026-01-12T02:30:00.000Z", "later the same day");
    assert.equal(iso(nextRun(s, utc("2026-01-12T02:30:00Z"))), "2026-01-14T02:30:00.000Z", "strictly after: not the run of this instant");
    assert.equal(iso(nextRun(s, utc("2026-01-14T03:00:00Z"))), "2026-01-19T02:30:00.000Z", "over the weekend");
    assert.deepEqual(runs(s, MONDAY, 4), [
      "2026-01-12T02:30:00.000Z",
      "2026-01-14T02:30:00.000Z",
      "2026-01-19T02:30:00.000Z",
      "2026-01-21T02:30:00.000Z",
    ]);
  });

  it("runs every day when all seven days are listed, and once a week with one", () => {
    const all = schedule(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "23:59:59", "UTC", MONDAY);
    assert.deepEqual(runs(all, utc("2026-01-17T00:00:00Z"), 3), ["2026-01-17T23:59:59.000Z", "2026-01-18T23:59:59.000Z", "2026-01-19T23:59:59.000Z"]);
    const sunday = schedule(["sun"], "00:00:00", "UTC", MONDAY);
    assert.deepEqual(runs(sunday, MONDAY, 2), ["2026-01-18T00:00:00.000Z", "2026-01-25T00:00:00.000Z"]);
  });

  it("every 2 weeks counts from the week the schedule was saved", () => {
    const s = schedule(["fri"], "12:00:00", "UTC", utc("2026-01-14T10:00:00Z"), 2);
    assert.deepEqual(runs(s, utc("2026-01-14T10:00:00Z"), 4), [
      "2026-01-16T12:00:00.000Z",
      "2026-01-30T12:00:00.000Z",
      "2026-02-13T12:00:00.000Z",
      "2026-02-27T12:00:00.000Z",
    ]);
    assert.equal(iso(nextRun(s, utc("2026-01-20T00:00:00Z"))), "2026-01-30T12:00:00.000Z", "an off week is skipped");
    const twoDays = schedule(["mon", "thu"], "08:00", "UTC", MONDAY, 2);
    assert.deepEqual(runs(twoDays, MONDAY, 4), [
      "2026-01-12T08:00:00.000Z",
      "2026-01-15T08:00:00.000Z",
      "2026-01-26T08:00:00.000Z",
      "2026-01-29T08:00:00.000Z",
    ]);
  });

  it("every 52 weeks: the same weekday one year on", () => {
    const s = schedule(["wed"], "06:00:00", "UTC", MONDAY, 52);
    assert.deepEqual(runs(s, MONDAY, 2), ["2026-01-14T06:00:00.000Z", "2027-01-13T06:00:00.000Z"]);
  });

  it("honours the time zone: the same wall-clock time is a different instant", () => {
    const at = (zone: string) => iso(nextRun(schedule(["mon"], "09:00", zone, MONDAY), utc("2026-01-11T00:00:00Z")));
    assert.equal(at("UTC"), "2026-01-12T09:00:00.000Z");
    assert.equal(at("Asia/Tokyo"), "2026-01-12T00:00:00.000Z");
    assert.equal(at("Asia/Kolkata"), "2026-01-12T03:30:00.000Z");
    assert.equal(at("America/New_York"), "2026-01-12T14:00:00.000Z");
    // Monday 06:00 in Sydney is still Sunday in UTC.
    assert.equal(iso(nextRun(schedule(["mon"], "06:00", "Australia/Sydney", MONDAY), utc("2026-01-11T00:00:00Z"))), "2026-01-11T19:00:00.000Z");
  });

  it("DST in Europe/Paris: wall-clock time kept across the change, the missing hour once, the repeated hour once", () => {
    // Spring forward on Sunday 2026-03-29 (02:00 CET → 03:00 CEST).
    const weekly = schedule(["mon"], "03:00:00", "Europe/Paris", utc("2026-03-16T00:00:00Z"));
    assert.deepEqual(runs(weekly, utc("2026-03-20T00:00:00Z"), 2), ["2026-03-23T02:00:00.000Z", "2026-03-30T01:00:00.000Z"]);
    const gap = schedule(["sun"], "02:30:00", "Europe/Paris", utc("2026-03-16T00:00:00Z"));
    const springRuns = runs(gap, utc("2026-03-28T00:00:00Z"), 2);
    assert.equal(springRuns[0], "2026-03-29T01:30:00.000Z", "02:30 does not exist that day: runs at the same instant (03:30 CEST)");
    assert.equal(springRuns[1], "2026-04-05T00:30:00.000Z");
    // Fall back on Sunday 2026-10-25 (03:00 CEST → 02:00 CET): 02:30 happens twice, the export runs once.
    const repeated = schedule(["sun"], "02:30:00", "Europe/Paris", utc("2026-10-12T00:00:00Z"));
    const fallRuns = runs(repeated, utc("2026-10-24T00:00:00Z"), 2);
    assert.ok(["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"].includes(fallRuns[0]!), fallRuns[0]);
    assert.equal(fallRuns[1], "2026-11-01T01:30:00.000Z", "not a second time on 2026-10-25");
  });

  it("parses weekdays (mon..sun, MONDAY..SUNDAY) and times of day", () => {
    assert.equal(parseWeekday("mon"), "mon");
    assert.equal(parseWeekday("MONDAY"), "mon");
    assert.equal(parseWeekday("Sunday"), "sun");
    assert.equal(parseWeekday(" wed "), "wed");
    assert.equal(parseWeekday("funday"), undefined);
    assert.equal(parseWeekday("mo"), undefined);
    assert.deepEqual(parseTimeOfDay("02:30"), { hour: 2, minute: 30, second: 0 });
    assert.deepEqual(parseTimeOfDay("2:30:05"), { hour: 2, minute: 30, second: 5 });
    assert.deepEqual(parseTimeOfDay("23:59:59"), { hour: 23, minute: 59, second: 59 });
    for (const bad of ["24:00", "12:60", "12:00:60", "noon", "1230", ""]) assert.equal(parseTimeOfDay(bad), undefined, bad);
  });
});

/** A node's scheduler firing export schedules with `exports`, on a clock of the test's. */
function schedulerOf(store: Store, exports: ExportService, now: () => number): Scheduler {
  return new Scheduler({ store, runner: exports.runner, targets: [exportScheduleTarget(exports)], logger: createLogger("silent"), intervalMs: 60_000, now });
}

describe("Scheduler", () => {
  let t: TestApp;
  let wiki: Site;
  const logger = createLogger("silent");
  const T0 = utc("2026-01-12T00:00:00Z");

  before(async () => {
    t = await startTestApp();
    wiki = (await t.ctx.store.sites.byKey("wiki"))!;
  });
  after(async () => {
    await t?.close();
  });

  let failedScheduledRun: ExportJobRecord | undefined;

  /** Saves a daily 02:00 UTC schedule of the wiki; returns its first run time. */
  async function saveSchedule(): Promise<number> {
    const s: Schedule = { ...schedule(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "02:00:00", "UTC", T0), fromDate: "2020-01-01T00:00Z" };
    const stored: StoredSchedule = { schedule: s, nextRunAt: nextRun(s, T0) };
    await putExportSchedule(t.ctx.store, wiki.id, stored);
    return stored.nextRunAt;
  }

  async function settled(jobId: number): Promise<void> {
    const until = Date.now() + 30_000;
    for (;;) {
      const job = await t.ctx.exports.get(wiki, jobId);
      if (job && job.status !== "STARTED" && job.status !== "CANCELLATION_REQUESTED") return;
      if (Date.now() > until) throw new Error(`job ${jobId} still running`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("does nothing before the run time; a due schedule fires one export, and the next run moves on", async () => {
    const due = await saveSchedule();
    let clock = due - 1000;
    const scheduler = schedulerOf(t.ctx.store, t.ctx.exports, () => clock);
    assert.equal(await scheduler.tick(), 0, "not due yet");
    assert.equal((await t.ctx.exports.history(wiki, 0, 10)).total, 0);

    clock = due;
    assert.equal(await scheduler.tick(), 1);
    assert.equal(await scheduler.tick(), 0, "fired once: the next run is tomorrow");
    const stored = (await getExportSchedule(t.ctx.store, wiki.id))!;
    assert.equal(iso(stored.nextRunAt), iso(due + 86_400_000));

    const { jobs, total } = await t.ctx.exports.history(wiki, 0, 10);
    assert.equal(total, 1);
    assert.equal(jobs[0]!.trigger, "schedule");
    assert.equal(iso(jobs[0]!.exportFrom), "2020-01-01T00:00:00.000Z", "the schedule's fromDate");
    await settled(jobs[0]!.jobId);
    assert.equal((await t.ctx.exports.get(wiki, jobs[0]!.jobId))!.status, "COMPLETED");
  });

  it("two schedulers (two nodes, two store connections) ticking at once fire the run once per cluster", async () => {
    const due = await saveSchedule();
    const before_ = (await t.ctx.exports.history(wiki, 0, 1)).total;
    const otherStore = openSqliteStore(sqlitePath(t.ctx.config));
    const otherExports = new ExportService({ config: { ...t.ctx.config, nodeId: "node-b" }, store: otherStore, sources: t.ctx.sources, logger });
    try {
      const clock = () => due + 5000;
      const a = schedulerOf(t.ctx.store, t.ctx.exports, clock);
      const b = schedulerOf(otherStore, otherExports, clock);
      const fired = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      assert.equal(fired.reduce((x, y) => x + y, 0), 1, `fired: ${fired.join(",")}`);
      const { jobs, total } = await t.ctx.exports.history(wiki, 0, 10);
      assert.equal(total, before_ + 1, "exactly one job");
      assert.equal(jobs[0]!.trigger, "schedule");
      await settled(jobs[0]!.jobId);
      assert.equal((await t.ctx.exports.get(wiki, jobs[0]!.jobId))!.status, "COMPLETED");
    } finally {
      await otherExports.shutdown(5000);
      await otherStore.close();
    }
  });

  it("a due schedule that meets a running export records a FAILED job (export.already.running)", async () => {
    const due = await saveSchedule();
    // A real export, slowed down, running on another node of the cluster.
    const slowStore = openSqliteStore(sqlitePath(t.ctx.config));
    const slow = new ExportService({
      config: { ...t.ctx.config, nodeId: "node-slow", export: { ...t.ctx.config.export, exportRowsPerSecond: 50 } },
      store: slowStore,
      sources: t.ctx.sources,
      logger,
    });
    try {
      const started = await slow.start(wiki, { exportFrom: utc("2021-06-01T00:00:00Z"), forced: false, schemaVersion: 1, trigger: "api" });
      assert.equal(started.outcome, "started");
      const running = started.job;

      const scheduler = schedulerOf(t.ctx.store, t.ctx.exports, () => due);
      assert.equal(await scheduler.tick(), 1);
      const latest = (await t.ctx.exports.history(wiki, 0, 1)).jobs[0]!;
      assert.equal(latest.jobId, running.jobId + 1);
      assert.equal(latest.status, "FAILED");
      assert.equal(latest.trigger, "schedule");
      assert.equal(latest.errors[0]?.key, "export.already.running");
      assert.match(latest.errors[0].message, new RegExp(`job ${running.jobId}`));
      assert.ok(latest.errors[0].message.length <= 255);
      assert.ok(latest.completedTime !== null);
      assert.equal(latest.nodeId, t.ctx.exports.nodeId, "recorded by the node whose scheduler fired");

      const still = (await t.ctx.exports.running(wiki))!;
      assert.equal(still.jobId, running.jobId, "the running export goes on");
      const res = await t.app.inject({ method: "GET", url: `/wiki/rest/datapipeline/latest/history?limit=2`, headers: t.auth });
      const shown = (res.json<{ values: { jobId: number; status: string; errors?: { key: string }[] }[] }>()).values;
      assert.deepEqual(
        shown.map((v) => [v.jobId, v.status, v.errors?.[0]?.key]),
        [
          [latest.jobId, "FAILED", "export.already.running"],
          [running.jobId, "STARTED", undefined],
        ],
      );
      failedScheduledRun = latest;
      assert.equal((await slow.cancel(wiki, running.jobId)).outcome, "requested");
      await slow.waitFor(wiki.id, running.jobId);
      assert.equal((await t.ctx.exports.get(wiki, running.jobId))!.status, "CANCELLED");
    } finally {
      await slow.shutdown(5000);
      await slowStore.close();
    }
  });

  it("a schedule saved through PUT config/schedule runs with its fromDate and schemaVersion when due", async () => {
    await deleteExportSchedule(t.ctx.store, wiki.id);
    const put = await t.app.inject({
      method: "PUT",
      url: "/jira/rest/datapipeline/latest/config/schedule",
      headers: t.auth,
      payload: { days: ["sat"], repeatIntervalInWeeks: "1", time: "04:00", fromDate: "2024-01-01T00:00Z", schemaVersion: "1", zoneId: "Europe/Paris" },
    });
    assert.equal(put.statusCode, 202, put.body);
    const nextRunTime = (put.json<{ nextRunTime: string }>()).nextRunTime;
    const jira = (await t.ctx.store.sites.byKey("jira"))!;
    const stored = (await getExportSchedule(t.ctx.store, jira.id))!;
    assert.equal(stored.nextRunAt, Date.parse(nextRunTime), "nextRunTime shows the stored next run");
    assert.match(nextRunTime, /T04:00:00(\.000)?\+0[12]:00$/);

    const scheduler = schedulerOf(t.ctx.store, t.ctx.exports, () => stored.nextRunAt);
    assert.equal(await scheduler.tick(), 1);
    const job = (await t.ctx.exports.latest(jira))!;
    assert.equal(job.trigger, "schedule");
    assert.equal(job.schemaVersion, 1);
    assert.equal(iso(job.exportFrom), "2024-01-01T00:00:00.000Z");
    await t.ctx.exports.waitFor(jira.id, job.jobId);
    const shown = (
      await t.app.inject({ method: "GET", url: "/jira/rest/datapipeline/latest/export", headers: t.auth })
    ).json<{ jobId: number; status: string; schema: unknown }>();
    assert.equal(shown.jobId, job.jobId);
    assert.equal(shown.status, "COMPLETED");
    assert.deepEqual(shown.schema, { version: 1, status: "DEPRECATED" });
    const after_ = (await t.app.inject({ method: "GET", url: "/jira/rest/datapipeline/latest/config/schedule", headers: t.auth })).json<{
      nextRunTime: string;
    }>();
    const gap = Date.parse(after_.nextRunTime) - Date.parse(nextRunTime);
    assert.ok(Math.abs(gap - 7 * 86_400_000) <= 3_600_000, `the Saturday after: ${nextRunTime} → ${after_.nextRunTime}`);
    assert.match(after_.nextRunTime, /T04:00:00(\.000)?\+0[12]:00$/, "04:00 in Paris, whatever the DST");
  });

  it(
    "the FAILED job of a scheduled run records the schedule's fromDate, not the running job's",
    () => {
      assert.ok(failedScheduledRun, "the previous test recorded a FAILED scheduled run");
      assert.equal(iso(failedScheduledRun.exportFrom), "2020-01-01T00:00:00.000Z");
    },
  );
});
