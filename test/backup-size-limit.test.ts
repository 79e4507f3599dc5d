/**
 * Size limits per product (`backup.maxBytes`, issue 16), on both stores: a Jira backup whose archive
 * passes its limit while being written stops, FAILED with `sluice.backup.too.large` naming the limit
 * and the product, its parts deleted; products under their limit or without one back up as before; the
 * config takes sizes as bytes or `5GB` and refuses 0 and unknown products, every problem at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BackupStorages } from "../src/backup/storages.js";
import { loadConfig } from "../src/config.js";
import { SluiceError } from "../src/core/errors.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;

test("backup.maxBytes: sizes in bytes or with a unit; 0 and unknown products refused, every problem listed", () => {
  const config = loadConfig({ env: {}, overrides: { home: "/tmp/sluice-size-limit", backup: { maxBytes: { jira: "5GB", confluence: 1024 } } } });
  assert.deepEqual(config.backup.maxBytes, { jira: 5 * 1024 ** 3, confluence: 1024 });
  assert.deepEqual(loadConfig({ env: {}, overrides: { home: "/tmp/sluice-size-limit" } }).backup.maxBytes, {});
  assert.equal(loadConfig({ env: {}, overrides: { home: "/tmp/sluice-size-limit" } }).backup.verifyEveryDays, 7);
  assert.throws(
    () => loadConfig({ env: {}, overrides: { home: "/tmp/sluice-size-limit", backup: { maxBytes: { jira: 0, bamboo: 1 }, verifyEveryDays: -1 } } }),
    (error: unknown) => {
      assert.ok(error instanceof SluiceError);
      assert.match(error.message, /backup\.maxBytes\.jira: at least 1 byte/);
      assert.match(error.message, /backup\.maxBytes: .*bamboo/);
      assert.match(error.message, /backup\.verifyEveryDays/);
      return true;
    },
  );
});

for (const kind of STORE_KINDS) {
  describe(`backup size limits (${kind})`, () => {
    let t: TestApp;
    let orgId: string;
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const backUp = async (product: string, policyId?: string): Promise<Json> => {
      const site = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.product === product);
      policyId ??= (await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${site.cloudId}/policies`, { product, includeAttachments: true })).json.policyId;
      const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId, cloudId: site.cloudId });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const until = Date.now() + 60_000;
      for (;;) {
        await t.ctx.runner.dispatch();
        const { json } = await call("GET", `/rest/backup/v1/orgs/${orgId}/backups/${started.json.backupId}`);
        if (json.status !== "IN_PROGRESS") return json;
        if (Date.now() > until) throw new Error(`backup ${started.json.backupId} still in progress`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    before(async () => {
      t = await startTestApp({ store: kind, config: { backup: { maxBytes: { jira: 4096, confluence: "1GB" } } } });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => {
      await t?.close();
    });

    test("an archive that passes its product's limit stops, FAILED with sluice.backup.too.large naming the limit; its parts are deleted", async () => {
      const failed = await backUp("JIRA");
      assert.equal(failed.status, "FAILED", JSON.stringify(failed));
      assert.equal(failed.error.key, "sluice.backup.too.large");
      assert.match(failed.error.message, /^The backup of jira site \/?jira passed backup\.maxBytes\.jira, 4\.0 KB \(4096 bytes\), at \d/);
      assert.match(failed.error.message, /it was stopped and its parts deleted/);
      assert.equal(failed.localCopyKept, false);
      const local = await new BackupStorages(t.ctx.config, t.ctx.store).open(null);
      const left = [];
      for await (const blob of local.list(`backups/${failed.backupId}/`)) left.push(blob.key);
      assert.deepEqual(left, []);
      // Not a COMPLETE backup: another may start at once (the cadence counts complete ones), and stops the same way.
      assert.equal((await backUp("JIRA", failed.policyId)).error.key, "sluice.backup.too.large");
    });

    test("under the limit, or with none, a backup completes", async () => {
      const wiki = await backUp("CONFLUENCE");
      assert.equal(wiki.status, "COMPLETE", JSON.stringify(wiki));
      assert.ok(wiki.size > 4096, "bigger than Jira's limit: limits are per product");
      assert.equal((await backUp("BITBUCKET")).status, "COMPLETE");
    });
  });
}
