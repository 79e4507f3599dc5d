/**
 * Attachments (issue 16) on both stores: the demo gives about one issue or page in five one to three
 * attachments whose bytes are on disk (owner-only) as their rows say (size, sha256); exports, SQL and
 * reports never see them; the worker-thread demo writes the same; a backup holds their rows always and, with `includeAttachments`, one blob part
 * per attachment with the same bytes (read back through the archive reader, decrypted); bytes deleted on
 * disk make the backup INCOMPLETE naming the attachment; `AttachmentBlobs` keys and per-site deletion.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { AttachmentBlobs, attachmentsDirectory } from "../src/attachments/index.js";
import { ArchiveReader } from "../src/backup/archive/index.js";
import { BackupStorages } from "../src/backup/storages.js";
import { attachmentEntityOf, entitiesForExport, entity, storedColumns, type EntityDef, type Product } from "../src/core/entities/registry.js";
import { sqlTables } from "../src/core/sql-catalog.js";
import { FilesystemBlobStore } from "../src/storage/filesystem/index.js";
import type { Site } from "../src/store/port.js";
import { generateDemo } from "../src/sources/demo/index.js";
import { DEMO_NOW, startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
type Attachment = Record<string, unknown> & { attachment_id: number; filename: string; size: number; sha256: string };

const KEY_ENV = "SLUICE_TEST_BACKUP_KEY";
const PARENT: Record<"jira" | "confluence", { column: string; parent: string; noun: string }> = {
  jira: { column: "issue_id", parent: "issues", noun: "issue" },
  confluence: { column: "page_id", parent: "pages", noun: "page" },
};

async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

for (const kind of STORE_KINDS) {
  describe(`attachments (${kind})`, () => {
    let t: TestApp;
    let orgId: string;
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const site = async (key: string): Promise<Site> => (await t.ctx.store.sites.byKey(key))!;
    const rowsOf = async (s: Site, def: EntityDef): Promise<Record<string, unknown>[]> => {
      const names = storedColumns(def).map((c) => c.name);
      const snapshot = await t.ctx.store.data.snapshot(s.id);
      const out: Record<string, unknown>[] = [];
      try {
        for await (const batch of snapshot.rows(def, 1000)) for (const row of batch) out.push(Object.fromEntries(names.map((n, i) => [n, row[i]])));
      } finally {
        await snapshot.close();
      }
      return out;
    };
    const attachmentsOf = async (s: Site) => (await rowsOf(s, attachmentEntityOf(s.product)!)) as Attachment[];
    /** Runs a backup of the site under a new policy and waits for it. */
    const backup = async (s: Site, includeAttachments: boolean): Promise<Json> => {
      const cloudId = s.cloudId;
      const policy = await call("POST", `/rest/backup/v1/orgs/${orgId}/cloud/${cloudId}/policies`, { product: s.product.toUpperCase(), includeAttachments });
      assert.equal(policy.status, 201, JSON.stringify(policy.json));
      const started = await call("POST", `/rest/backup/v1/orgs/${orgId}/backups`, { policyId: policy.json.policyId, cloudId });
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
    const archive = async (backupId: string): Promise<ArchiveReader> => {
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      return ArchiveReader.open(await storages.open(null), `backups/${backupId}`, { keys: storages.keys() });
    };

    before(async () => {
      t = await startTestApp({
        store: kind,
        env: { [KEY_ENV]: randomBytes(32).toString("hex") },
        config: { backup: { cadenceDays: 0, encryptionKeyEnv: KEY_ENV } },
      });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => t?.close());

    test("the demo attaches files to about one issue or page in five, their bytes on disk as the rows say, owner-only", async () => {
      assert.equal(attachmentEntityOf("bitbucket"), undefined);
      for (const key of ["jira", "wiki"]) {
        const s = await site(key);
        const product = s.product as "jira" | "confluence";
        const rows = await attachmentsOf(s);
        const parents = new Set((await rowsOf(s, entity(product, PARENT[product].parent))).map((r) => r[product === "jira" ? "id" : "page_id"]));
        const attached = new Set(rows.map((r) => r[PARENT[product].column]));
        assert.ok(rows.length > 0, `${key} has no attachments`);
        assert.ok(attached.size > parents.size * 0.1 && attached.size < parents.size * 0.3, `${key}: ${attached.size} of ${parents.size} items have attachments`);
        assert.ok(rows.length >= attached.size && rows.length <= attached.size * 3);
        const types = new Set(rows.map((r) => r.media_type));
        assert.deepEqual([...types].sort(), ["image/png", "text/csv", "text/plain"]);
        for (const row of rows) {
          assert.ok(parents.has(row[PARENT[product].column]), `attachment ${row.attachment_id} hangs off a missing item`);
          assert.ok(typeof row.scope_key === "string" && row.scope_key !== "");
          assert.ok(row.size >= 200 && row.size <= 6_000, `attachment ${row.attachment_id} is ${row.size} bytes`);
          assert.deepEqual(await sha256Of(await t.ctx.attachments.get(s.id, row.attachment_id)), { sha256: row.sha256, bytes: row.size }, `bytes of attachment ${row.attachment_id}`);
        }
        const folder = join(attachmentsDirectory(t.ctx.config), String(s.id));
        assert.equal((await stat(folder)).mode & 0o777, 0o700);
        assert.equal((await stat(attachmentsDirectory(t.ctx.config))).mode & 0o777, 0o700);
        const files = await readdir(folder);
        assert.equal(files.length, rows.length, "one file per attachment, nothing else");
        for (const f of files) assert.equal((await stat(join(folder, f))).mode & 0o777, 0o600, f);
      }
    });

    test("the same seed gives the same attachments and bytes whether the demo runs in a worker thread or not", async () => {
      const jira = await site("jira");
      const made: { rows: Attachment[]; bytes: string[] }[] = [];
      for (const worker of [true, false]) {
        const s = await t.ctx.store.sites.create(jira.orgId, { product: "confluence", contextPath: `/wiki-${worker}`, baseUrl: `http://localhost:8080/wiki-${worker}` });
        await generateDemo(t.ctx.store, s, { scale: 0.2, seed: 11, now: DEMO_NOW, worker }, undefined, t.ctx.attachments);
        const rows = await attachmentsOf(s);
        assert.ok(rows.length > 0);
        const bytes: string[] = [];
        for (const row of rows) bytes.push((await sha256Of(await t.ctx.attachments.get(s.id, row.attachment_id))).sha256);
        assert.deepEqual(bytes, rows.map((r) => r.sha256));
        made.push({ rows: rows.map((r) => ({ ...r })), bytes });
        await t.ctx.store.data.clearSite(s.id);
        assert.equal(await t.ctx.attachments.deleteSite(s.id), rows.length);
      }
      assert.deepEqual(made[0], made[1]);
    });

    test("exports, SQL and reports do not see attachments (the export's files are the golden ones: test/export-files)", async () => {
      for (const product of ["jira", "confluence"] as Product[]) {
        for (const version of product === "jira" ? [1, 2] : [1]) assert.ok(!entitiesForExport(product, version).some((e) => e.name === "attachments"));
        assert.ok(!sqlTables(product).some((table) => table.name.includes("attachment")));
      }
      const res = await t.app.inject({ method: "POST", url: "/jira/rest/datapipeline/latest/export", headers: t.auth });
      assert.equal(res.statusCode, 202, res.body);
      const job = await waitForJob(t, "jira", res.json<{ jobId: number }>().jobId);
      assert.equal(job.status, "COMPLETED", JSON.stringify(job));
      const files = await readdir(join(String(job.rootExportPath), String(job.jobId)));
      assert.deepEqual(
        files.filter((f) => f.endsWith(".csv")).map((f) => f.replace(/_job\d+_.*$/, "")).sort(),
        entitiesForExport("jira", 2).map((e) => e.name).sort(),
      );
      const sql = await call("POST", "/jira/rest/sql/v1/query", { sql: "SELECT count(*) AS n FROM attachments" });
      assert.equal(sql.status, 400, JSON.stringify(sql.json));
    });

    test("a backup with includeAttachments holds one blob part per attachment with the same bytes", async () => {
      for (const key of ["jira", "wiki"]) {
        const s = await site(key);
        const rows = await attachmentsOf(s);
        const done = await backup(s, true);
        assert.equal(done.status, "COMPLETE", JSON.stringify(done));
        assert.deepEqual(done.missing, []);
        assert.equal(done.counts.attachments, rows.length);
        const reader = await archive(done.backupId);
        assert.ok(reader.manifest.encryption, "the archive is encrypted at rest");
        const blobs = reader.manifest.parts.filter((p) => p.kind === "blob" && p.name.startsWith("attachments/")).map((p) => p.name).sort();
        assert.deepEqual(blobs, rows.map((r) => `attachments/${r.attachment_id}`).sort());
        for (const row of rows) {
          assert.deepEqual(await sha256Of(reader.blob(`attachments/${row.attachment_id}`)), { sha256: row.sha256, bytes: row.size }, `part attachments/${row.attachment_id}`);
        }
        let backedUp = 0;
        for await (const batch of reader.rows("attachments.ndjson.gz")) backedUp += batch.length;
        assert.equal(backedUp, rows.length);
      }
    });

    test("a backup without includeAttachments holds the attachments' rows and none of their bytes", async () => {
      const s = await site("jira");
      const done = await backup(s, false);
      assert.equal(done.status, "COMPLETE", JSON.stringify(done));
      const reader = await archive(done.backupId);
      assert.equal(reader.manifest.parts.filter((p) => p.kind === "blob" && p.name.startsWith("attachments/")).length, 0);
      const part = reader.part("attachments.ndjson.gz");
      assert.ok(part.kind === "rows" && part.rows === (await attachmentsOf(s)).length && part.rows > 0);
      assert.deepEqual(part.kind === "rows" ? part.columns : [], storedColumns(attachmentEntityOf("jira")!).map((c) => c.name));
    });

    test("bytes deleted on disk: the backup is INCOMPLETE and names the attachment and its item", async () => {
      for (const key of ["jira", "wiki"]) {
        const s = await site(key);
        const product = s.product as "jira" | "confluence";
        const rows = await attachmentsOf(s);
        const gone = rows[Math.floor(rows.length / 2)]!;
        const kept: Buffer[] = [];
        for await (const chunk of await t.ctx.attachments.get(s.id, gone.attachment_id)) kept.push(chunk as Buffer);
        await rm(join(attachmentsDirectory(t.ctx.config), String(s.id), String(gone.attachment_id)));
        assert.equal(await t.ctx.attachments.head(s.id, gone.attachment_id), undefined);
        const done = await backup(s, true);
        assert.equal(done.status, "INCOMPLETE", JSON.stringify(done));
        const expected = `attachments/${gone.attachment_id} (${gone.filename} of ${PARENT[product].noun} ${String(gone[PARENT[product].column])})`;
        assert.deepEqual(done.missing, [expected]);
        const reader = await archive(done.backupId);
        assert.deepEqual(reader.manifest.incomplete, { missing: [expected] });
        const blobs = reader.manifest.parts.filter((p) => p.kind === "blob" && p.name.startsWith("attachments/")).map((p) => p.name);
        assert.equal(blobs.length, rows.length - 1);
        assert.ok(!blobs.includes(`attachments/${gone.attachment_id}`));
        // Put back: the next backup is complete again.
        await t.ctx.attachments.put(s.id, gone.attachment_id, Readable.from(kept));
        const again = await backup(s, true);
        assert.deepEqual([again.status, again.missing], ["COMPLETE", []]);
      }
    });
  });
}

describe("AttachmentBlobs", () => {
  let dir: string;
  let blobs: AttachmentBlobs;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-attachments-"));
    blobs = new AttachmentBlobs(new FilesystemBlobStore(dir));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("keys are <site>/<attachment>; other ids are refused; deleteSite deletes one site's bytes only", async () => {
    assert.equal(blobs.key(3, 10023), "3/10023");
    assert.equal(blobs.key(3, "att-7_b"), "3/att-7_b");
    for (const id of ["..", "../x", "a/b", "", ".hidden"]) assert.throws(() => blobs.key(3, id), { code: "sluice.internal" }, id);
    for (const site of [0, -1, 1.5]) assert.throws(() => blobs.key(site, 1), { code: "sluice.internal" }, String(site));
    const stored = await blobs.put(3, 1, Readable.from([Buffer.from("hello")]));
    assert.deepEqual(stored, { key: "3/1", bytes: 5, sha256: createHash("sha256").update("hello").digest("hex") });
    await blobs.put(3, 2, Readable.from([Buffer.from("two")]));
    await blobs.put(4, 1, Readable.from([Buffer.from("other site")]));
    assert.deepEqual(await blobs.head(3, 2), { key: "3/2", bytes: 3 });
    assert.equal(await blobs.deleteSite(3), 2);
    assert.equal(await blobs.head(3, 1), undefined);
    await assert.rejects(blobs.get(3, 1), { code: "sluice.storage.not.found" });
    assert.deepEqual(await blobs.head(4, 1), { key: "4/1", bytes: 10 });
  });
});
