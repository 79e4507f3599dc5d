/**
 * A backup to a policy's external storage (issue 16) against a real S3-compatible server (s3rver on
 * 127.0.0.1), on both stores: the archive is written locally first, copied to the storage (its home)
 * and the local copy removed; a storage whose credentials are refused, or that nothing answers, makes
 * the backup FAILED naming the storage, with its local copy kept in the built-in storage — whole,
 * verifiable, and exportable to a working storage. An archive is never exported onto itself; an import
 * keeps the storage it came from among the backup's copies.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { BackupStorages } from "../src/backup/storages.js";
import { openBlobStore } from "../src/storage/index.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { startS3 } from "./support/s3.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const kind of STORE_KINDS) {
  describe(`backup to an external storage (${kind})`, () => {
    let t: TestApp;
    let s3: Awaited<ReturnType<typeof startS3>>;
    let orgId: string;
    let jira: Json;
    let good: Json;
    let storages: BackupStorages;
    const env: Record<string, string> = {};
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const until = async (url: string): Promise<Json> => {
      const end = Date.now() + 60_000;
      for (;;) {
        await t.ctx.runner.dispatch();
        const { json } = await call("GET", url);
        if (json.status !== "IN_PROGRESS") return json;
        if (Date.now() > end) throw new Error(`${url} still in progress`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    /** A policy of the Jira site backing up to `storageId`, and one backup of it, finished. */
    const backUpTo = async (storageId: string): Promise<Json> => {
      const policy = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/policies`, { product: "JIRA", storageId, includeAttachments: true });
      assert.equal(policy.status, 201, JSON.stringify(policy.json));
      const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.json.policyId, cloudId: jira.cloudId });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      return until(`/rest/backup/v1/orgs/${orgId}/backups/${started.json.backupId}`);
    };
    /** A storage as it might be after its creation: credentials rotated, endpoint moved. */
    const brokenStorage = async (name: string, spec: Record<string, unknown>): Promise<string> => {
      const id = randomUUID();
      await t.ctx.store.backups.addStorage({ id, orgId, name, type: "s3", region: "us-east-1", prefix: name, spec: { type: "s3", region: "us-east-1", bucket: s3.bucket, prefix: name, forcePathStyle: true, ...spec } }, Date.now());
      return id;
    };
    const keys = async (storageId: string | null, prefix: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const blob of (await storages.open(storageId)).list(prefix)) out.push(blob.key);
      return out;
    };

    before(async () => {
      s3 = await startS3();
      Object.assign(env, { S3_KEY: s3.accessKeyId, S3_SECRET: s3.secretAccessKey, S3_WRONG: "NOT-S3RVER" });
      t = await startTestApp({ store: kind, env });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
      jira = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === "JIRA");
      storages = new BackupStorages(t.ctx.config, t.ctx.store);
      good = (
        await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, {
          storageName: s3.bucket, storageRegion: "us-east-1", storagePrefix: "good", storageType: "s3", endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET",
        })
      ).json;
      assert.ok(good.storageId, JSON.stringify(good));
    });
    after(async () => {
      await t?.close();
      await s3?.close();
    });

    test("a working storage becomes the archive's home; the local copy was only a staging copy", async () => {
      const done = await backUpTo(good.storageId);
      assert.equal(done.status, "COMPLETE", JSON.stringify(done));
      assert.deepEqual([done.storageId, done.localCopyKept], [good.storageId, false]);
      assert.ok((await keys(good.storageId, `backups/${done.backupId}/`)).includes(`backups/${done.backupId}/manifest.json`));
      assert.deepEqual(await keys(null, `backups/${done.backupId}/`), [], "no local copy left");
      assert.equal((await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${done.backupId}/verify`, {})).json.ok, true);

      // Exported onto itself: refused. Imported: home is the built-in storage, the S3 archive a copy.
      const item = [{ product: "JIRA", cloudId: jira.cloudId, backupId: done.backupId }];
      const self = await call("POST", `/rest/backup/v1/orgs/${orgId}/exports`, item);
      assert.equal(self.status, 400);
      assert.match(self.json.errors[0].message, /is stored in storage .* already/);
      const imported = await call("POST", `/rest/backup/v1/orgs/${orgId}/imports`, item);
      assert.equal(imported.status, 202, JSON.stringify(imported.json));
      assert.equal((await until(`/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/imports/${imported.json.values[0].importId}`)).status, "COMPLETE");
      const after = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${done.backupId}`)).json;
      assert.deepEqual([after.storageId, after.copies], [null, [good.storageId]]);
    });

    for (const [what, spec, reason] of [
      ["refused credentials", () => ({ endpoint: s3.endpoint, accessKeyIdEnv: "S3_WRONG", secretAccessKeyEnv: "S3_SECRET" }), /the access key id is not known to the storage/],
      ["nothing answering", async () => ({ endpoint: `http://127.0.0.1:${await closedPort()}`, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET" }), /connection refused/],
    ] as const) {
      test(`a storage with ${what}: the backup is FAILED naming it, its local copy kept, whole and verifiable, and exportable once a storage works`, async () => {
        const name = what.replace(/ /g, "-");
        const storageId = await brokenStorage(name, await spec());
        const failed = await backUpTo(storageId);
        assert.equal(failed.status, "FAILED", JSON.stringify(failed));
        assert.equal(failed.error.key, "sluice.storage.unavailable");
        assert.match(failed.error.message, new RegExp(`^Storage ${storageId} failed, local copy kept at backups/${failed.backupId}/: s3 ${s3.bucket}/${name} at http://127\\.0\\.0\\.1:\\d+ cannot be used`));
        assert.match(failed.error.message, reason);
        assert.deepEqual([failed.localCopyKept, failed.storageId], [true, null]);
        assert.ok(failed.size > 0 && failed.counts.issues > 0, "the record says what the kept copy holds");

        // Nothing in the failing storage (s3rver's own view, with good credentials); the local copy whole.
        const direct = openBlobStore({ type: "s3", region: "us-east-1", bucket: s3.bucket, prefix: name, endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET" }, env);
        const there = [];
        for await (const blob of direct.list("")) there.push(blob.key);
        assert.deepEqual(there, []);
        assert.ok((await keys(null, `backups/${failed.backupId}/`)).includes(`backups/${failed.backupId}/manifest.json`));
        const verified = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups/${failed.backupId}/verify`, {});
        assert.deepEqual([verified.status, verified.json.ok, verified.json.failures], [200, true, []]);

        // Restores refuse it (FAILED); an export to a storage that works copies the kept archive there.
        assert.equal((await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/restores`, { backupId: failed.backupId, product: "JIRA" })).status >= 400, true);
        const item = [{ product: "JIRA", cloudId: jira.cloudId, backupId: failed.backupId }];
        assert.equal((await call("PUT", `/rest/backup/v1/orgs/${orgId}/policies/${failed.policyId}`, { storageId: good.storageId })).status, 200);
        const exported = await call("POST", `/rest/backup/v1/orgs/${orgId}/exports`, item);
        assert.equal(exported.status, 202, JSON.stringify(exported.json));
        const copy = await until(`/rest/backup/v1/orgs/${orgId}/cloud/${jira.cloudId}/exports/${exported.json.values[0].exportId}`);
        assert.equal(copy.status, "COMPLETE", JSON.stringify(copy));
        assert.ok((await keys(good.storageId, `backups/${failed.backupId}/`)).includes(`backups/${failed.backupId}/manifest.json`));
        const view = (await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${failed.backupId}`)).json;
        assert.deepEqual([view.status, view.localCopyKept, view.copies], ["FAILED", true, [good.storageId]]);
      });
    }
  });
}
