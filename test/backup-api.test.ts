/**
 * The organisation's backup API (issue 16, first part) on both stores: discovery, storage regions,
 * policies, a backup of each demo site as a job whose archive holds every entity's rows (counts = the
 * store's), the 7-day cadence answered 409, `verify` finding a flipped byte and naming the part, and
 * EXPIRED after the retention (clock injected) with the archive deleted. S3 storages against a real
 * S3-compatible server (s3rver) on 127.0.0.1: created when reachable, refused naming the storage when
 * the credentials are wrong; a backup exported to it, deleted locally and imported back verifies.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BackupService } from "../src/backup/backup-service.js";
import { BackupStorages } from "../src/backup/storages.js";
import { accessEntitiesOf, entitiesOf } from "../src/core/entities/registry.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { startS3 } from "./support/s3.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
const DAY = 86_400_000;

for (const kind of STORE_KINDS) {
  describe(`backup API (${kind})`, () => {
    let t: TestApp;
    let s3: Awaited<ReturnType<typeof startS3>>;
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

    before(async () => {
      s3 = await startS3();
      t = await startTestApp({ store: kind, env: { S3_KEY: s3.accessKeyId, S3_SECRET: s3.secretAccessKey, S3_WRONG: "nope" } });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => {
      await t?.close();
      await s3?.close();
    });

    test("discovery: the organisation's sites with cloudId, product, plan and region; regions", async () => {
      const sites = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values;
      assert.deepEqual(sites.map((s: Json) => s.product).sort(), ["BITBUCKET", "CONFLUENCE", "JIRA"]);
      assert.ok(sites.every((s: Json) => s.cloudId && s.baseUrl && "plan" in s && "region" in s));
      const regions = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages/regions`);
      assert.ok(regions.json.regions.includes("local"));
      assert.equal((await call("GET", "/rest/backup/v1/orgs/nope/sites")).status, 404);
    });

    test("a backup of each site holds every entity's rows; the next within 7 days is a 409; verify finds a flipped byte; EXPIRED after retention", async () => {
      const sites = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values as Json[];
      for (const site of sites) {
        const policy = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${site.cloudId}/policies`, { product: site.product, includeAttachments: true });
        assert.equal(policy.status, 201, JSON.stringify(policy.json));
        const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.json.policyId, cloudId: site.cloudId });
        assert.equal(started.status, 202, JSON.stringify(started.json));
        const done = await finished(started.json.backupId);
        assert.equal(done.status, "COMPLETE", JSON.stringify(done));
        const local = (await t.ctx.store.sites.list()).find((s) => s.cloudId === site.cloudId)!;
        for (const def of [...entitiesOf(local.product), ...accessEntitiesOf(local.product)]) {
          assert.equal(done.counts[def.name], await t.ctx.store.data.count(local.id, def), `${site.product} ${def.name}`);
        }
        assert.ok(done.size > 0);

        const again = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.json.policyId, cloudId: site.cloudId });
        assert.equal(again.status, 409);
        assert.match(again.json.errors[0].message, /the next may run from .* \(one per 7 days\)/);
        const listed = await call("GET", `/rest/backup/v1/orgs/${orgId}/policies/${policy.json.policyId}/backups`);
        assert.deepEqual(listed.json.values.map((b: Json) => b.backupId), [started.json.backupId]);
      }

      // verify: all parts good, then one byte flipped in a stored part is found and named.
      const policies = (await call("GET", `/rest/backup/v1/orgs/${orgId}/policies`)).json.values as Json[];
      const jiraPolicy = policies.find((p) => p.product === "JIRA")!;
      const [backup] = (await call("GET", `/rest/backup/v1/orgs/${orgId}/policies/${jiraPolicy.policyId}/backups`)).json.values as Json[];
      const ok = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}/verify`, {});
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.deepEqual([ok.json.ok, ok.json.failures], [true, []]);
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      const part = join(storages.builtInDirectory, "backups", backup.backupId, "issues.ndjson.gz");
      const bytes = await readFile(part);
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      await writeFile(part, bytes);
      const bad = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}/verify`, {});
      assert.equal(bad.json.ok, false);
      assert.deepEqual(bad.json.failures.map((f: Json) => f.part), ["issues.ndjson.gz"]);
      const recorded = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}`)).json;
      assert.equal(recorded.verified.ok, false);

      // Retention: 15 days later the backups are EXPIRED and their archives gone.
      const later = new BackupService({ store: t.ctx.store, runner: t.ctx.runner, storages, config: t.ctx.config }, () => Date.now() + 15 * DAY);
      assert.equal(await later.expire(), 3);
      const expired = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}`)).json;
      assert.equal(expired.status, "EXPIRED");
      assert.equal(await (await storages.open(null)).head(`backups/${backup.backupId}/manifest.json`), undefined);
      const verifyExpired = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${backup.backupId}/verify`, {});
      assert.equal(verifyExpired.status, 400);
    });

    test("storages: an S3 storage reachable with its credentials is created; wrong credentials are refused naming the storage", async () => {
      const good = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, {
        storageName: s3.bucket, storageRegion: "us-east-1", storagePrefix: "sluice", storageType: "s3", endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET",
      });
      assert.equal(good.status, 201, JSON.stringify(good.json));
      assert.deepEqual((await call("GET", `/rest/backup/v1/orgs/${orgId}/storages/${good.json.storageId}`)).json.storageName, s3.bucket);
      const wrong = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, {
        storageName: s3.bucket, storageRegion: "us-east-1", storagePrefix: "x", storageType: "s3", endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_WRONG", secretAccessKeyEnv: "S3_SECRET",
      });
      assert.equal(wrong.status, 502, JSON.stringify(wrong.json));
      assert.match(wrong.json.errors[0].message, new RegExp(`s3 ${s3.bucket}/x .*cannot be used`));
      const missingEnv = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, {
        storageName: s3.bucket, storageRegion: "us-east-1", storageType: "s3", endpoint: s3.endpoint, accessKeyIdEnv: "NOT_SET", secretAccessKeyEnv: "S3_SECRET",
      });
      assert.equal(missingEnv.status, 400);
      assert.match(missingEnv.json.errors[0].message, /NOT_SET/);
      const system = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, { storageName: "etc", storageRegion: "local", storageType: "filesystem", path: "/etc" });
      assert.equal(system.status, 400);
      assert.match(system.json.errors[0].message, /^path: /);
      const badRegion = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, { storageName: "b", storageRegion: "mars-1", storageType: "s3" });
      assert.equal(badRegion.status, 400);

      // A policy backing up to the S3 storage: the archive is there.
      const jira = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "JIRA");
      const policy = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "JIRA", storageId: good.json.storageId, includeAttachments: false });
      assert.equal(policy.status, 201);
      const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.json.policyId, cloudId: jira.cloudId });
      const done = await finished(started.json.backupId);
      assert.equal(done.status, "COMPLETE", JSON.stringify(done));
      const verify = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${started.json.backupId}/verify`, {});
      assert.equal(verify.json.ok, true);

      // Export a backup of the built-in storage to S3, delete the local copy, import it back.
      const wiki = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "CONFLUENCE");
      const local = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${wiki.cloudId}/policies`, { product: "CONFLUENCE", includeAttachments: false });
      const b = await finished((await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: local.json.policyId, cloudId: wiki.cloudId })).json.backupId);
      assert.equal(b.status, "COMPLETE");
      const item = [{ product: "CONFLUENCE", cloudId: wiki.cloudId, backupId: b.backupId }];
      const noStorage = await call("POST", `/rest/backup/v1/orgs/${orgId}/exports`, item);
      assert.equal(noStorage.status, 400);
      assert.match(noStorage.json.errors[0].message, /has no external storage; connect one/);
      assert.equal((await call("PUT", `/rest/backup/v1/orgs/${orgId}/policies/${local.json.policyId}`, { storageId: good.json.storageId })).status, 200);
      assert.equal((await call("POST", `/rest/backup/v1/orgs/${orgId}/imports`, item)).status, 400, "nothing exported yet");
      const exported = await call("POST", `/rest/backup/v1/orgs/${orgId}/exports`, item);
      assert.equal(exported.status, 202, JSON.stringify(exported.json));
      const transferDone = async (path: string) => {
        const until = Date.now() + 30_000;
        for (;;) {
          await t.ctx.runner.dispatch();
          const { json } = await call("GET", path);
          if (json.status !== "IN_PROGRESS") return json;
          if (Date.now() > until) throw new Error(`${path} still in progress`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const e = await transferDone(`/rest/backup/v1/orgs/${orgId}/cloud/${wiki.cloudId}/exports/${exported.json.values[0].exportId}`);
      assert.equal(e.status, "COMPLETE", JSON.stringify(e));
      assert.equal((await call("GET", `/rest/backup/v1/orgs/${orgId}/exports?product=CONFLUENCE`)).json.values.length, 1);
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      const remote = await storages.open(good.json.storageId);
      assert.ok(await remote.head(`backups/${b.backupId}/manifest.json`));
      await (await storages.open(null)).deletePrefix(`backups/${b.backupId}/`);
      const gone = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${b.backupId}/verify`, {});
      assert.equal(gone.json.ok, false);
      const imported = await call("POST", `/rest/backup/v1/orgs/${orgId}/imports`, item);
      const i = await transferDone(`/rest/backup/v1/orgs/${orgId}/cloud/${wiki.cloudId}/imports/${imported.json.values[0].importId}`);
      assert.equal(i.status, "COMPLETE", JSON.stringify(i));
      const back = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${b.backupId}/verify`, {});
      assert.deepEqual([back.json.ok, back.json.failures], [true, []]);
    });

    test("bad input: a policy of another product, unknown policies, sites and backups are 4xx with a key", async () => {
      const jira = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "JIRA");
      const wrongProduct = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "CONFLUENCE", includeAttachments: true });
      assert.equal(wrongProduct.status, 400);
      assert.match(wrongProduct.json.errors[0].message, /is JIRA, not CONFLUENCE/);
      assert.equal((await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: "nope", cloudId: jira.cloudId })).status, 404);
      assert.equal((await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/99999`)).status, 404);
      assert.equal((await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/nope/policies`, { product: "JIRA", includeAttachments: true })).status, 404);
    });
  });
}
