/**
 * Backups verified and expired on a schedule (issue 16), on both stores: the first policy puts the
 * server-wide `backup-verify` schedule in the table (daily, 03:00 UTC); when due, the scheduler's tick
 * queues one `backup-verify` job, which expires what retention no longer keeps and re-reads every
 * backup due for verification — a flipped byte is recorded on the backup as `verified.ok = false` naming
 * the part, and the run warns of it; a backup verified within `backup.verifyEveryDays` is left alone.
 * The schedule's params are checked like any schedule's.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { BackupResult } from "../src/backup/backup-kind.js";
import { BackupStorages } from "../src/backup/storages.js";
import { VERIFY_KIND, verifyDue, type VerifyRunResult } from "../src/backup/verify-kind.js";
import type { Job } from "../src/core/job.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
const DAY = 86_400_000;

test("verifyDue: never verified, or verified verifyEveryDays ago (an hour's slack for the schedule's own drift); 0 is off", () => {
  const now = Date.parse("2026-03-31T03:00:00Z");
  const base: BackupResult = { status: "COMPLETE", policyId: "p", storageId: null, prefix: "backups/1", counts: {}, bytes: 1, parts: 1, missing: [] };
  const at = (ms: number): BackupResult => ({ ...base, verified: { at: ms, ok: true, checkedParts: 1, failures: [] } });
  assert.equal(verifyDue(base, 7, now), true);
  assert.equal(verifyDue(at(now - 7 * DAY + 5_000), 7, now), true, "last week's run, a few seconds later in its tick");
  assert.equal(verifyDue(at(now - 6 * DAY), 7, now), false);
  assert.equal(verifyDue(base, 0, now), false);
});

for (const kind of STORE_KINDS) {
  describe(`scheduled backup verification (${kind})`, () => {
    let t: TestApp;
    let orgId: string;
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const finished = async (id: string): Promise<Json> => {
      const until = Date.now() + 60_000;
      for (;;) {
        await t.ctx.runner.dispatch();
        const { json } = await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${id}`);
        if (json.status !== "IN_PROGRESS") return json;
        if (Date.now() > until) throw new Error(`backup ${id} still in progress`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    /** Makes the schedule due and ticks; the verification job it queued, once it ended. */
    const fire = async (scheduleId: number): Promise<Job<Record<string, unknown>, VerifyRunResult>> => {
      await t.ctx.store.schedules.update(scheduleId, { nextRunAt: Date.now() - 1000 }, Date.now());
      assert.equal(await t.ctx.scheduler.tick(), 1);
      assert.equal(await t.ctx.scheduler.tick(), 0, "fired once: the next run is tomorrow");
      const jobId = (await t.ctx.store.schedules.get(scheduleId))!.lastJobId!;
      await t.ctx.runner.waitFor(jobId);
      const until = Date.now() + 30_000;
      for (;;) {
        const job = (await t.ctx.store.jobs.get(jobId))!;
        if (job.status === "COMPLETED" || job.status === "FAILED") return job as unknown as Job<Record<string, unknown>, VerifyRunResult>;
        if (Date.now() > until) throw new Error(`verification ${jobId} still ${job.status}`);
        await t.ctx.runner.dispatch();
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    before(async () => {
      t = await startTestApp({ store: kind });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => {
      await t?.close();
    });

    test("the schedule fires once per tick when due; a flipped byte is recorded as verified.ok=false naming the part; an old backup expires on it", async () => {
      assert.equal((await call("GET", `/rest/admin/v1/schedules?kind=${VERIFY_KIND}`)).json.values.length, 0, "no backups used yet: no schedule");
      const jira = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "JIRA");
      const policy = (await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "JIRA", includeAttachments: true })).json;
      const schedules = (await call("GET", `/rest/admin/v1/schedules?kind=${VERIFY_KIND}`)).json.values;
      assert.equal(schedules.length, 1);
      assert.deepEqual([schedules[0].site, schedules[0].name, schedules[0].enabled, schedules[0].recurrence.time, schedules[0].recurrence.zone], [null, "backups", true, "03:00", "UTC"]);

      const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.policyId, cloudId: jira.cloudId });
      const backup = await finished(started.json.backupId);
      assert.equal(backup.status, "COMPLETE", JSON.stringify(backup));
      assert.equal(backup.verified, null);
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      const part = join(storages.builtInDirectory, "backups", backup.backupId, "issues.ndjson.gz");
      const bytes = await readFile(part);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      await writeFile(part, bytes);

      // A backup of the same policy that ended 20 days ago (past the default 14): the run expires it.
      const site = (await t.ctx.store.sites.list()).find((s) => s.cloudId === jira.cloudId)!;
      const at = Date.now() - 20 * DAY;
      const created = await t.ctx.store.jobs.create({
        siteId: site.id, kind: "backup", status: "COMPLETED", trigger: "schedule", lockKey: `backup:${site.id}`, params: { policyId: policy.policyId }, result: null, progress: null, warnings: [], errors: [],
        nodeId: "test-node", instanceId: "test", pid: 1, createdAt: at, startTime: at, completedTime: at, cancelledTime: null, leaseExpiresAt: 0, notBefore: 0, scheduleId: null, parentId: null,
      });
      assert.ok(created.ok);
      const old: BackupResult = { status: "COMPLETE", policyId: policy.policyId, storageId: null, prefix: `backups/${created.job.id}`, counts: {}, bytes: 2, parts: 0, missing: [] };
      await (await storages.open(null)).put(`${old.prefix}/manifest.json`, Readable.from([Buffer.from("{}")]));
      await t.ctx.store.jobs.transition(created.job.id, ["COMPLETED"], { result: old as unknown as Job["result"] });

      const run = await fire(schedules[0].id);
      assert.equal(run.status, "COMPLETED", JSON.stringify(run.errors));
      assert.equal(run.siteId, null);
      assert.equal(run.trigger, "schedule");
      assert.deepEqual(run.result!.expired, [created.job.id]);
      assert.deepEqual(run.result!.verified, [Number(backup.backupId)]);
      assert.deepEqual(run.result!.failed.map((f) => f.failures.map((x) => x.part)), [["issues.ndjson.gz"]]);
      assert.ok(run.warnings.some((w) => w.key === "sluice.backup.verify.failed" && w.message.includes(`Backup ${backup.backupId}`) && w.message.includes("issues.ndjson.gz")));

      const recorded = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}`)).json;
      assert.equal(recorded.verified.ok, false);
      assert.deepEqual(recorded.verified.failures.map((f: Json) => f.part), ["issues.ndjson.gz"]);
      assert.ok(recorded.verified.checkedParts > 1, "every part re-read");
      assert.ok(Math.abs(Date.parse(recorded.verified.at) - run.startTime) < 60_000, "recorded at the run's time");
      assert.equal((await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${created.job.id}`)).json.status, "EXPIRED");
      assert.equal(await (await storages.open(null)).head(`${old.prefix}/manifest.json`), undefined);

      // Verified just now: the next run (run now through the schedules API) leaves it alone.
      const now = await call("POST", `/rest/admin/v1/schedules/${schedules[0].id}/run`);
      assert.equal(now.status, 202);
      await t.ctx.runner.waitFor(now.json.jobId);
      const again = (await t.ctx.store.jobs.get(now.json.jobId))! as unknown as Job<Record<string, unknown>, VerifyRunResult>;
      assert.deepEqual([again.status, again.result!.verified, again.result!.expired], ["COMPLETED", [], []]);
    });

    test("the schedule's params are checked like any schedule's; another may re-read a sample", async () => {
      const body = (params: unknown) => ({ kind: VERIFY_KIND, name: "sampled", params, recurrence: { unit: "week", interval: 1, zone: "UTC", time: "04:00" } });
      const bad = await call("POST", "/rest/admin/v1/schedules", body({ sample: 0, extra: true }));
      assert.equal(bad.status, 400);
      const messages = bad.json.errors.map((e: Json) => e.message).join("\n");
      assert.match(messages, /sample/);
      assert.match(messages, /extra/);
      const good = await call("POST", "/rest/admin/v1/schedules", body({ sample: 2 }));
      assert.equal(good.status, 201, JSON.stringify(good.json));
      assert.equal(good.json.site, null);
      assert.deepEqual(good.json.params, { sample: 2 });
    });
  });
}
