/**
 * Backup retention per policy (issue 16): the pure rule (`backup/retention.ts`) — keep-last, daily,
 * weekly (ISO weeks, across a year's end) and monthly keep the newest backup of the last periods that
 * have one, `days` keeps the young, no retention keeps `backup.retentionDays` — and, on both stores,
 * the policies API taking and showing `retention` (400 per field), then `expire()` with an injected
 * clock turning exactly the backups each policy no longer keeps EXPIRED, archives deleted; a FAILED
 * backup's kept local copy goes after the policy's days.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { BackupResult } from "../src/backup/backup-kind.js";
import { BackupService, backupStatus, keptLocalCopy } from "../src/backup/backup-service.js";
import { applyRetention, isoWeek, type RetentionCandidate } from "../src/backup/retention.js";
import { BackupStorages } from "../src/backup/storages.js";
import type { Job, JobStatus } from "../src/core/job.js";
import type { BackupRetention } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
const DAY = 86_400_000;
const NOW = Date.parse("2026-03-31T12:00:00Z"); // a Tuesday, ISO week 2026-W14

/** Daily backups at 02:00 UTC from 2025-12-01 to 2026-03-31, and one more at 10:00 on the last day. */
function dailyBackups(): string[] {
  const out: string[] = [];
  for (let t = Date.parse("2025-12-01T02:00:00Z"); t <= NOW; t += DAY) out.push(new Date(t).toISOString());
  out.push("2026-03-31T10:00:00.000Z");
  return out;
}

function decide(times: readonly string[], retention: BackupRetention | null, defaultDays = 14, now = NOW): { kept: string[]; expired: string[] } {
  const candidates: RetentionCandidate[] = times.map((t, i) => ({ id: i + 1, at: Date.parse(t) }));
  const decision = applyRetention(candidates, retention, defaultDays, now);
  const time = (id: number) => times[id - 1]!.slice(0, 16);
  return { kept: [...decision.keep.keys()].map(time), expired: decision.expire.map(time) };
}

describe("retention rule (pure)", () => {
  const times = dailyBackups();

  test("ISO weeks in UTC, across a year's end", () => {
    assert.equal(isoWeek(Date.parse("2026-03-31T12:00:00Z")), "2026-W14");
    assert.equal(isoWeek(Date.parse("2026-03-29T23:59:59Z")), "2026-W13"); // Sunday ends the week
    assert.equal(isoWeek(Date.parse("2026-03-30T00:00:00Z")), "2026-W14"); // Monday starts one
    assert.equal(isoWeek(Date.parse("2021-01-03T12:00:00Z")), "2020-W53");
    assert.equal(isoWeek(Date.parse("2024-12-30T12:00:00Z")), "2025-W01");
    assert.equal(isoWeek(Date.parse("2026-01-01T00:00:00Z")), "2026-W01");
  });

  test("keepLast keeps the newest N", () => {
    assert.deepEqual(decide(times, { keepLast: 3 }).kept, ["2026-03-31T10:00", "2026-03-31T02:00", "2026-03-30T02:00"]);
  });

  test("daily keeps the newest backup of each of the last N days that have one", () => {
    assert.deepEqual(decide(times, { daily: 3 }).kept, ["2026-03-31T10:00", "2026-03-30T02:00", "2026-03-29T02:00"]);
    // Days without a backup are skipped, not counted.
    const sparse = ["2026-01-01T02:00:00Z", "2026-01-05T02:00:00Z", "2026-01-05T01:00:00Z", "2026-01-20T02:00:00Z"];
    assert.deepEqual(decide(sparse, { daily: 2 }).kept, ["2026-01-20T02:00", "2026-01-05T02:00"]);
  });

  test("weekly keeps the newest backup of each of the last N ISO weeks (Monday to Sunday)", () => {
    assert.deepEqual(decide(times, { weekly: 3 }).kept, ["2026-03-31T10:00", "2026-03-29T02:00", "2026-03-22T02:00"]);
    // Over the year's end: 2025-W52 ends on Sunday 28 December, 2026-W01 runs 29 December to 4 January.
    const yearEnd = decide(times.filter((t) => t < "2026-01-07"), { weekly: 3 }).kept;
    assert.deepEqual(yearEnd, ["2026-01-06T02:00", "2026-01-04T02:00", "2025-12-28T02:00"]);
  });

  test("monthly keeps the newest backup of each of the last N months", () => {
    assert.deepEqual(decide(times, { monthly: 3 }).kept, ["2026-03-31T10:00", "2026-02-28T02:00", "2026-01-31T02:00"]);
  });

  test("days keeps what is younger; rules add up (grandfather-father-son); the rest expires, newest first", () => {
    assert.deepEqual(decide(times, { days: 2 }).kept, ["2026-03-31T10:00", "2026-03-31T02:00", "2026-03-30T02:00"]);
    const gfs = decide(times, { daily: 2, weekly: 2, monthly: 2 });
    assert.deepEqual(gfs.kept.sort(), ["2026-02-28T02:00", "2026-03-29T02:00", "2026-03-30T02:00", "2026-03-31T10:00"]);
    assert.equal(gfs.expired.length, times.length - 4);
    assert.equal(gfs.expired[0], "2026-03-31T02:00");
  });

  test("no retention of its own: the server's default days", () => {
    assert.equal(decide(times, null, 14).kept.length, 15); // 18 … 31 March, twice on the 31st
    assert.equal(decide(times, null, 14).kept.at(-1), "2026-03-18T02:00");
    assert.deepEqual(decide([], { keepLast: 1 }), { kept: [], expired: [] });
  });

  test("backups that stopped long ago are never thinned away by the calendar alone", () => {
    const old = ["2024-01-10T02:00:00Z", "2024-02-10T02:00:00Z", "2024-03-10T02:00:00Z"];
    assert.deepEqual(decide(old, { monthly: 2 }).kept, ["2024-03-10T02:00", "2024-02-10T02:00"]);
    assert.deepEqual(decide(old, { days: 30 }).kept, []);
  });
});

for (const kind of STORE_KINDS) {
  describe(`backup retention per policy (${kind})`, () => {
    let t: TestApp;
    let orgId: string;
    let jira: Json;
    let storages: BackupStorages;
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };

    /** A finished backup of a policy made by hand: its job, completed at `at`, and an archive's manifest in the built-in storage. */
    const fakeBackup = async (policyId: string, siteId: number, at: number, status: JobStatus = "COMPLETED", extra: Partial<BackupResult> = {}): Promise<Job> => {
      const created = await t.ctx.store.jobs.create({
        siteId, kind: "backup", status, trigger: "schedule", lockKey: `backup:${siteId}`, params: { policyId }, result: null, progress: null, warnings: [], errors: [],
        nodeId: "test-node", instanceId: "test", pid: 1, createdAt: at - 60_000, startTime: at - 60_000, completedTime: at, cancelledTime: null, leaseExpiresAt: 0, notBefore: 0, scheduleId: null, parentId: null,
      });
      assert.ok(created.ok);
      const prefix = `backups/${created.job.id}`;
      const result: BackupResult = { status: "COMPLETE", policyId, storageId: null, prefix, counts: {}, bytes: 10, parts: 0, missing: [], ...extra };
      await (await storages.open(null)).put(`${prefix}/manifest.json`, Readable.from([Buffer.from("{}")]));
      assert.ok(await t.ctx.store.jobs.transition(created.job.id, [status], { result: result as unknown as Job["result"] }));
      return created.job;
    };
    const statusOf = async (id: number) => backupStatus((await t.ctx.store.jobs.get(id))!);
    const archiveLeft = async (id: number) => (await (await storages.open(null)).head(`backups/${id}/manifest.json`)) !== undefined;

    before(async () => {
      t = await startTestApp({ store: kind });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
      jira = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "JIRA");
      storages = new BackupStorages(t.ctx.config, t.ctx.store);
    });
    after(async () => {
      await t?.close();
    });

    test("policies take a retention, show it, and refuse a bad one naming each field", async () => {
      const base = `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`;
      const made = await call("POST", base, { product: "JIRA", includeAttachments: false, retention: { keepLast: 3, monthly: 12 } });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.deepEqual(made.json.retention, { keepLast: 3, monthly: 12 });
      const plain = await call("POST", base, { product: "JIRA", includeAttachments: false });
      assert.equal(plain.json.retention, null);

      const bad = await call("POST", base, { product: "JIRA", includeAttachments: false, retention: { days: 0, keepLast: 1.5, weekly: "4", hourly: 1 } });
      assert.equal(bad.status, 400);
      const messages = bad.json.errors.map((e: Json) => e.message).join("\n");
      for (const field of ["retention.days", "retention.keepLast", "retention.weekly"]) assert.match(messages, new RegExp(`${field}: a whole number from 1 to 10000`));
      assert.match(messages, /hourly/);
      assert.ok(bad.json.errors.every((e: Json) => e.key === "sluice.backup.invalid"));
      const empty = await call("POST", base, { product: "JIRA", includeAttachments: false, retention: {} });
      assert.equal(empty.status, 400);
      assert.match(empty.json.errors[0].message, /^retention: give at least one of days, keepLast, daily, weekly, monthly/);

      const put = `/rest/backup/v1/orgs/${orgId}/policies/${made.json.policyId}`;
      assert.deepEqual((await call("PUT", put, { retention: { daily: 7, weekly: 4 } })).json.retention, { daily: 7, weekly: 4 });
      assert.deepEqual((await call("GET", put)).json.retention, { daily: 7, weekly: 4 });
      assert.deepEqual((await call("PUT", put, { includeAttachments: true })).json.retention, { daily: 7, weekly: 4 }, "a PUT without it keeps it");
      assert.equal((await call("PUT", put, { retention: null })).json.retention, null);
      assert.equal((await call("PUT", put, { retention: { monthly: -1 } })).status, 400);
    });

    test("expire() applies each policy's rule: keep-last, daily, weekly, monthly, days and the default each keep the right backups", async () => {
      const site = (await t.ctx.store.sites.list()).find((s) => s.cloudId === jira.cloudId)!;
      const rules: Record<string, BackupRetention | null> = {
        keepLast: { keepLast: 3 },
        daily: { daily: 3 },
        weekly: { weekly: 3 },
        monthly: { monthly: 3 },
        days: { days: 2 },
        default: null,
      };
      const times = dailyBackups().filter((t) => t >= "2026-01-01");
      const made: Record<string, Map<number, string>> = {};
      for (const [name, retention] of Object.entries(rules)) {
        const policy = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "JIRA", includeAttachments: false, retention });
        assert.equal(policy.status, 201, JSON.stringify(policy.json));
        made[name] = new Map();
        for (const time of times) made[name].set((await fakeBackup(policy.json.policyId, site.id, Date.parse(time))).id, time.slice(0, 16));
      }
      // A backup still running is never touched.
      const running = await t.ctx.store.jobs.create({
        siteId: site.id, kind: "backup", status: "QUEUED", trigger: "api", lockKey: `backup:${site.id}`, params: { policyId: "x" }, result: null, progress: null, warnings: [], errors: [],
        nodeId: "", instanceId: "", pid: 0, createdAt: NOW - 100 * DAY, startTime: NOW - 100 * DAY, completedTime: null, cancelledTime: null, leaseExpiresAt: 0, notBefore: 0, scheduleId: null, parentId: null,
      });

      const service = new BackupService({ store: t.ctx.store, runner: t.ctx.runner, storages, config: t.ctx.config }, () => NOW);
      const expired = await service.expire();
      const kept: Record<string, string[]> = {};
      for (const [name, jobs] of Object.entries(made)) {
        kept[name] = [];
        for (const [id, time] of jobs) {
          const status = await statusOf(id);
          assert.ok(status === "COMPLETE" || status === "EXPIRED", status);
          assert.equal(await archiveLeft(id), status === "COMPLETE", `${name} ${time}: the archive goes with the backup, and only then`);
          if (status === "COMPLETE") kept[name].push(time);
        }
        kept[name].sort().reverse();
      }
      assert.deepEqual(kept.keepLast, ["2026-03-31T10:00", "2026-03-31T02:00", "2026-03-30T02:00"]);
      assert.deepEqual(kept.daily, ["2026-03-31T10:00", "2026-03-30T02:00", "2026-03-29T02:00"]);
      assert.deepEqual(kept.weekly, ["2026-03-31T10:00", "2026-03-29T02:00", "2026-03-22T02:00"]);
      assert.deepEqual(kept.monthly, ["2026-03-31T10:00", "2026-02-28T02:00", "2026-01-31T02:00"]);
      assert.deepEqual(kept.days, ["2026-03-31T10:00", "2026-03-31T02:00", "2026-03-30T02:00"]);
      assert.equal(kept.default!.length, 15);
      assert.equal(expired, Object.values(made).reduce((n, m) => n + m.size, 0) - 3 * 5 - 15);
      assert.equal((await t.ctx.store.jobs.get(running.ok ? running.job.id : 0))?.status, "QUEUED");
      assert.equal(await service.expire(), 0, "nothing twice");

      // An expired backup reads EXPIRED with its time through the API too.
      const [gone] = [...made.keepLast!.keys()].filter((id) => made.keepLast!.get(id) === "2026-03-29T02:00");
      const view = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${gone}`)).json;
      assert.equal(view.status, "EXPIRED");
      assert.equal(view.expiredTime, new Date(NOW).toISOString());
      assert.equal(view.storageId, null);
    });

    test("a FAILED backup's kept local copy goes after the policy's days (or backup.retentionDays)", async () => {
      const site = (await t.ctx.store.sites.list()).find((s) => s.cloudId === jira.cloudId)!;
      const policy = (await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "JIRA", includeAttachments: false, retention: { keepLast: 1, days: 5 } })).json;
      const failure = { storageFailure: { storageId: "s", message: "nothing answers" } };
      const young = await fakeBackup(policy.policyId, site.id, NOW - 4 * DAY, "FAILED", failure);
      const old = await fakeBackup(policy.policyId, site.id, NOW - 6 * DAY, "FAILED", failure);
      const service = new BackupService({ store: t.ctx.store, runner: t.ctx.runner, storages, config: t.ctx.config }, () => NOW);
      await service.expire();
      assert.equal(await archiveLeft(young.id), true);
      assert.equal(await archiveLeft(old.id), false);
      assert.equal(await statusOf(old.id), "FAILED", "still FAILED, with nothing kept");
      // (Through the store: the API would expire with today's clock.)
      assert.ok(keptLocalCopy((await t.ctx.store.jobs.get(young.id))!));
      assert.equal(keptLocalCopy((await t.ctx.store.jobs.get(old.id))!), undefined);
    });
  });
}
