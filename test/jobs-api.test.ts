/**
 * The jobs view and the schedules API, on SQLite and PostgreSQL: every job of every kind listed newest
 * first and filtered by site, kind and status; one job in full; cancel through the generic API; a
 * schedule created, read with its next runs, replaced, run now and removed; and bad input — an unknown
 * kind, a bad zone, an impossible recurrence, an unknown site, bad params, an unknown job — answered 4xx
 * with a key and a message naming the field and what is allowed, every problem at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

interface JobView {
  id: number;
  site: string | null;
  kind: string;
  number: number;
  status: string;
  trigger: string;
  progress: { label: string; done: number; total: number | null; unit: string } | null;
  errors: { key: string; message: string }[];
}
interface Page<T> {
  values: T[];
  total: number;
  offset: number;
  limit: number;
  lastPage: boolean;
}
interface ScheduleView {
  id: number;
  site: string | null;
  kind: string;
  name: string;
  params: Record<string, unknown>;
  recurrence: Record<string, unknown>;
  description: string;
  enabled: boolean;
  nextRunTime: string | null;
  nextRuns: string[];
}
type Problems = { errors: { key: string; message: string }[] };

for (const kind of STORE_KINDS) {
  describe(`jobs and schedules API (${kind})`, () => {
    let t: TestApp;
    const req = (method: "GET" | "POST" | "DELETE" | "PUT", url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: t.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const problems = async (method: "GET" | "POST" | "DELETE" | "PUT", url: string, payload?: unknown) => {
      const res = await req(method, url, payload);
      return { status: res.statusCode, errors: res.json<Problems>().errors ?? [] };
    };

    before(async () => {
      t = await startTestApp({ store: kind, config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportThreads: 1 } } });
      // Two exports of /wiki, one of /jira.
      for (const site of ["wiki", "wiki", "jira"]) {
        const res = await req("POST", `/${site}/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z`);
        assert.equal(res.statusCode, 202, res.body);
        await waitForJob(t, site, res.json<{ jobId: number }>().jobId);
      }
    });
    after(async () => t?.close());

    it("lists every job newest first, filtered by site, kind and status, paged", async () => {
      const all = (await req("GET", "/rest/admin/v1/jobs")).json<Page<JobView>>();
      assert.equal(all.total, 3);
      assert.deepEqual(all.values.map((j) => `${j.site}:${j.kind}#${j.number}:${j.status}`), ["jira:export#1:COMPLETED", "wiki:export#2:COMPLETED", "wiki:export#1:COMPLETED"]);
      const wiki = (await req("GET", "/rest/admin/v1/jobs?site=wiki&kind=export&status=COMPLETED,FAILED")).json<Page<JobView>>();
      assert.deepEqual(wiki.values.map((j) => j.number), [2, 1]);
      assert.equal((await req("GET", "/rest/admin/v1/jobs?status=started")).json<Page<JobView>>().total, 0, "statuses are case-insensitive");
      const page = (await req("GET", "/rest/admin/v1/jobs?offset=1&limit=1")).json<Page<JobView>>();
      assert.deepEqual([page.values.length, page.total, page.lastPage], [1, 3, false]);
      const one = (await req("GET", `/rest/admin/v1/jobs/${all.values[0]!.id}`)).json<JobView & { params: Record<string, unknown>; result: Record<string, unknown> }>();
      assert.equal(one.kind, "export");
      assert.equal(typeof one.params, "object");
      assert.ok(one.result && "files" in one.result, "the result of an export names its files");
    });

    it("cancels a running job through the generic API; an ended one is a 409 with a key", async () => {
      const throttled = await startTestApp({ store: kind, config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportRowsPerSecond: 200, exportThreads: 1 } } });
      try {
        const started = await throttled.app.inject({ method: "POST", url: "/wiki/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z", headers: throttled.auth });
        assert.equal(started.statusCode, 202, started.body);
        const list = (await throttled.app.inject({ method: "GET", url: "/rest/admin/v1/jobs?status=STARTED", headers: throttled.auth })).json<Page<JobView>>();
        assert.equal(list.total, 1);
        const job = list.values[0]!;
        const cancelled = await throttled.app.inject({ method: "DELETE", url: `/rest/admin/v1/jobs/${job.id}`, headers: throttled.auth });
        assert.equal(cancelled.statusCode, 200, cancelled.body);
        const final = await waitForJob(throttled, "wiki", job.number);
        assert.equal(final.status, "CANCELLED");
        const again = await throttled.app.inject({ method: "DELETE", url: `/rest/admin/v1/jobs/${job.id}`, headers: throttled.auth });
        assert.equal(again.statusCode, 409, again.body);
        assert.equal(again.json<Problems>().errors[0]!.key, "sluice.job.not.running");
      } finally {
        await throttled.close();
      }
    });

    it("answers bad job requests with 4xx, a key and the field", async () => {
      const cases: [string, number, string, RegExp][] = [
        ["/rest/admin/v1/jobs?status=DONE", 400, "sluice.request.invalid", /status: 'DONE' is not a job status; use QUEUED, STARTED/],
        ["/rest/admin/v1/jobs?kind=holiday", 400, "sluice.job.kind.unknown", /kind: 'holiday' is not a job kind; use export, sync, report, backup, backup-transfer/],
        ["/rest/admin/v1/jobs?site=nowhere", 404, "sluice.site.not.found", /no site is mounted at \/nowhere/],
        ["/rest/admin/v1/jobs?limit=0", 400, "sluice.request.invalid", /limit/],
        ["/rest/admin/v1/jobs?colour=red", 400, "sluice.request.invalid", /colour/],
        ["/rest/admin/v1/jobs/99999", 404, "sluice.job.not.found", /no job 99999/],
        ["/rest/admin/v1/jobs/abc", 400, "sluice.request.invalid", /id/],
      ];
      for (const [url, status, key, message] of cases) {
        const res = await problems("GET", url);
        assert.equal(res.status, status, url);
        assert.equal(res.errors[0]!.key, key, url);
        assert.match(res.errors[0]!.message, message, url);
      }
    });

    it("creates, reads, replaces, runs and removes a schedule; start may be an ISO-8601 instant", async () => {
      const created = await req("POST", "/rest/admin/v1/schedules", {
        site: "wiki",
        kind: "export",
        name: "nightly",
        params: { format: "parquet" },
        recurrence: { unit: "day", interval: 1, time: "02:30", zone: "Europe/Paris", start: "2026-01-01T00:00:00+01:00" },
      });
      assert.equal(created.statusCode, 201, created.body);
      const s = created.json<ScheduleView>();
      assert.deepEqual([s.site, s.kind, s.name, s.enabled], ["wiki", "export", "nightly", true]);
      assert.equal(s.recurrence.start, Date.parse("2026-01-01T00:00:00+01:00"));
      assert.match(s.description, /02:30/);
      assert.equal(s.nextRuns.length, 5);
      assert.ok(s.nextRuns.every((r) => /T0[12]:30:00/.test(r)), `02:30 in Paris: ${s.nextRuns.join(", ")}`);

      const listed = (await req("GET", "/rest/admin/v1/schedules?site=wiki&kind=export")).json<{ values: ScheduleView[] }>();
      assert.ok(listed.values.some((x) => x.id === s.id));
      const duplicate = await problems("POST", "/rest/admin/v1/schedules", { site: "wiki", kind: "export", name: "nightly", recurrence: { unit: "day", interval: 1, zone: "UTC" } });
      assert.equal(duplicate.status, 400);
      assert.match(duplicate.errors[0]!.message, /already has a export schedule named 'nightly'/);

      const replaced = await req("PUT", `/rest/admin/v1/schedules/${s.id}`, { params: {}, recurrence: { unit: "week", interval: 2, weekdays: [1, 3], time: "06:00", zone: "UTC" }, enabled: false });
      assert.equal(replaced.statusCode, 200, replaced.body);
      const r = replaced.json<ScheduleView>();
      assert.deepEqual([r.enabled, r.nextRunTime, r.nextRuns], [false, null, []]);
      assert.match(r.description, /Monday and Wednesday/);

      const run = await req("POST", `/rest/admin/v1/schedules/${s.id}/run`);
      assert.equal(run.statusCode, 202, run.body);
      const { jobId } = run.json<{ jobId: number }>();
      const job = (await req("GET", `/rest/admin/v1/jobs/${jobId}`)).json<JobView>();
      assert.deepEqual([job.site, job.kind, job.trigger], ["wiki", "export", "schedule"]);
      await waitForJob(t, "wiki", job.number);

      assert.equal((await req("DELETE", `/rest/admin/v1/schedules/${s.id}`)).statusCode, 204);
      const gone = await problems("GET", `/rest/admin/v1/schedules/${s.id}`);
      assert.equal(gone.status, 404);
    });

    it("refuses a bad schedule with every problem at once, each naming its field", async () => {
      const res = await problems("POST", "/rest/admin/v1/schedules", {
        site: "wiki",
        kind: "teleport",
        recurrence: { unit: "fortnight", interval: 0, zone: "Mars/Olympus", start: "yesterday" },
      });
      assert.equal(res.status, 400);
      assert.ok(res.errors.every((e) => e.key === "sluice.schedule.invalid"), JSON.stringify(res.errors));
      const text = res.errors.map((e) => e.message).join("\n");
      assert.match(text, /kind: 'teleport' is not a kind of job that can be scheduled; use export, sync/);
      assert.match(text, /recurrence\.unit: .*fortnight/);
      assert.match(text, /recurrence\.zone: .*Mars\/Olympus/);
      assert.match(text, /recurrence\.start: 'yesterday' is not an instant; give an ISO-8601 time/);

      const cases: [unknown, number, string, RegExp][] = [
        [{ site: "wiki", kind: "export", recurrence: { unit: "year", interval: 1, month: 2, dayOfMonth: 30, zone: "UTC" } }, 400, "sluice.schedule.invalid", /never happens/],
        [{ kind: "export", recurrence: { unit: "day", interval: 1, zone: "UTC" } }, 400, "sluice.schedule.invalid", /site: a export schedule belongs to a site/],
        [{ site: "nowhere", kind: "export", recurrence: { unit: "day", interval: 1, zone: "UTC" } }, 404, "sluice.site.not.found", /nowhere/],
        [{ site: "wiki", kind: "export", params: { format: "pdf" }, recurrence: { unit: "day", interval: 1, zone: "UTC" } }, 400, "sluice.schedule.invalid", /format/],
        [{ site: "wiki", kind: "export", params: { schemaVersion: 9 }, recurrence: { unit: "day", interval: 1, zone: "UTC" } }, 400, "sluice.schedule.invalid", /schemaVersion: 9 is not a schema version of confluence/],
        [{ site: "wiki", kind: "export", recurrence: { unit: "minute", interval: 5, time: "02:00", zone: "UTC" } }, 400, "sluice.schedule.invalid", /recurrence\.time/],
        [{ site: "wiki", kind: "export", colour: "red", recurrence: { unit: "day", interval: 1, zone: "UTC" } }, 400, "sluice.schedule.invalid", /colour/],
      ];
      for (const [body, status, key, message] of cases) {
        const r = await problems("POST", "/rest/admin/v1/schedules", body);
        assert.equal(r.status, status, JSON.stringify(body));
        assert.equal(r.errors[0]!.key, key, JSON.stringify(body));
        assert.match(r.errors.map((e) => e.message).join("\n"), message, JSON.stringify(body));
      }
      const broken = await t.app.inject({ method: "POST", url: "/rest/admin/v1/schedules", headers: { ...t.auth, "content-type": "application/json" }, payload: "{not json" });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json<Problems>().errors[0]!.key, "sluice.request.body.invalid");
      const bad = await problems("GET", "/rest/admin/v1/schedules/0");
      assert.equal(bad.status, 400);
    });
  });
}
