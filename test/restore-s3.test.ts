/**
 * A restore from a backup that went through a real S3-compatible server (s3rver on 127.0.0.1), on both
 * stores: the backup is exported to the S3 storage, its local copy deleted, imported back from S3 and
 * restored into an empty site, which then holds the source's rows exactly, attachments included.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BackupStorages } from "../src/backup/storages.js";
import { accessEntitiesOf, attachmentEntityOf, entitiesOf, type EntityDef } from "../src/core/entities/registry.js";
import { createSite } from "../src/sites/site-service.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { startS3 } from "./support/s3.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;

for (const kind of STORE_KINDS) {
  describe(`restore from S3 (${kind})`, () => {
    let t: TestApp;
    let s3: Awaited<ReturnType<typeof startS3>>;
    let orgId: string;
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const api = (path: string) => `/rest/backup/v1/orgs/${orgId}${path}`;
    const settled = async (path: string): Promise<Json> => {
      const until = Date.now() + 60_000;
      for (;;) {
        await t.ctx.runner.dispatch();
        const { json } = await call("GET", path);
        if (json.status !== "IN_PROGRESS") return json;
        if (Date.now() > until) throw new Error(`${path} still in progress`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const rows = async (site: Site, def: EntityDef) => {
      const snapshot = await t.ctx.store.data.snapshot(site.id);
      const out: string[] = [];
      try {
        for await (const batch of snapshot.rows(def, 1000)) for (const row of batch) out.push(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v instanceof Date ? v.toISOString() : v))));
      } finally {
        await snapshot.close();
      }
      return out;
    };

    before(async () => {
      s3 = await startS3();
      t = await startTestApp({ store: kind, env: { S3_KEY: s3.accessKeyId, S3_SECRET: s3.secretAccessKey } });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => {
      await t?.close();
      await s3?.close();
    });

    test("exported to S3, deleted locally, imported back and restored: the destination holds the source's rows", async () => {
      const storage = await call("POST", api("/storages"), {
        storageName: s3.bucket, storageRegion: "us-east-1", storagePrefix: "sluice", storageType: "s3", endpoint: s3.endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET",
      });
      assert.equal(storage.status, 201, JSON.stringify(storage.json));
      const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
      const policy = (await call("POST", api(`/cloud/${wiki.cloudId}/policies`), { product: "CONFLUENCE", includeAttachments: true })).json;
      const backup = await settled(api(`/backups/${(await call("POST", api("/backups"), { policyId: policy.policyId, cloudId: wiki.cloudId })).json.backupId}`));
      assert.equal(backup.status, "COMPLETE", JSON.stringify(backup));
      assert.equal((await call("PUT", api(`/policies/${policy.policyId}`), { storageId: storage.json.storageId })).status, 200);
      const item = [{ product: "CONFLUENCE", cloudId: wiki.cloudId, backupId: backup.backupId }];
      const exported = (await call("POST", api("/exports"), item)).json.values[0];
      assert.equal((await settled(api(`/cloud/${wiki.cloudId}/exports/${exported.exportId}`))).status, "COMPLETE");

      // Only S3 has it now.
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      assert.ok(await (await storages.open(storage.json.storageId)).head(`backups/${backup.backupId}/manifest.json`));
      await (await storages.open(null)).deletePrefix(`backups/${backup.backupId}/`);
      const imported = (await call("POST", api("/imports"), item)).json.values[0];
      assert.equal((await settled(api(`/cloud/${wiki.cloudId}/imports/${imported.importId}`))).status, "COMPLETE");

      const dest = await createSite(t.ctx.store, { product: "confluence", contextPath: "/wiki-from-s3" }, "ready");
      const created = (await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId: backup.backupId, product: "CONFLUENCE", includeAttachments: true, includeUsersAndGroups: true })).json;
      await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: created.restoreId, consent: ["Accept_Custom_Group_Check"] });
      const done = await settled(api(`/restores/${created.restoreId}`));
      assert.equal(done.status, "COMPLETE", JSON.stringify(done));
      for (const def of [...entitiesOf("confluence"), ...accessEntitiesOf("confluence"), attachmentEntityOf("confluence")!]) {
        assert.deepEqual(await rows(dest, def), await rows(wiki, def), def.name);
      }
      const report = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${created.restoreId}/postOpReport`))).json.report;
      assert.ok(report.attachments.copied > 0);
      assert.deepEqual(report.attachments.missing, []);
    });
  });
}
