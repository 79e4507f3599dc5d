/**
 * The Data pipeline export path naming a storage, on both stores, against a real S3-compatible server
 * (s3rver) on 127.0.0.1: `s3://<bucket>/<prefix>` is accepted when the organisation has an S3 storage of
 * that bucket; an export of each demo site lands in the bucket under `<prefix>/data-pipeline/export/
 * <jobId>/`, byte for byte the files the same export writes to a local path, the manifest with them;
 * an unknown bucket and an unreachable storage are refused on set with their keys; an upload refused
 * part-way fails the job naming the storage and leaves nothing in the bucket, no manifest above all;
 * so does a cancel while the files upload.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { exportedEntities } from "../src/export/engine.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { startS3, type TestS3 } from "./support/s3.js";
import { startS3FaultProxy, type S3FaultProxy } from "./support/s3-fault-proxy.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
const P = "data-pipeline.api.rest.config.export.path";
const FROM = encodeURIComponent("2025-06-01T00:00Z");
const SITES = ["jira", "wiki", "bitbucket"];

/** Entity of a file name `pages_job3_v2_2026-….csv`: what two exports of the same data share. */
const entityOf = (name: string): string => name.replace(/_job\d+_.*$/, "");

/** Reads objects straight from the server (the AWS SDK, not Sluice's blob store). */
function s3Reader(s3: TestS3) {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    async keys(prefix: string): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async bytes(key: string): Promise<Buffer> {
      const body = (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!;
      return Buffer.from(await body.transformToByteArray());
    },
    close: () => client.destroy(),
  };
}

/** The manifest without what differs between two exports of the same data: job id, times, file names. */
function comparable(manifest: Json): Json {
  return {
    ...manifest,
    jobId: undefined,
    startTime: undefined,
    completedTime: undefined,
    files: manifest.files.map((f: Json) => ({ ...f, name: entityOf(f.name) })),
  };
}

// Both stores; and files written by worker threads side by side, big ones split and joined (SQLite).
const VARIANTS = [
  ...STORE_KINDS.map((kind) => ({ kind, label: kind, threads: { exportThreads: 1 } })),
  { kind: "sqlite" as const, label: "sqlite, worker threads", threads: { exportThreads: 2, parallelExportMinRows: 0, splitExportMinRows: 2 } },
];

for (const { kind, label, threads } of VARIANTS) {
  describe(`export to an S3 storage (${label})`, () => {
    let t: TestApp;
    let s3: TestS3;
    let faulty: TestS3;
    let proxy: S3FaultProxy;
    let orgId: string;
    let refusedEntity: string;
    const scratch: string[] = [];
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const dp = (site: string, path: string) => `/${site}/rest/datapipeline/latest${path}`;
    const createStorage = async (bucket: string, endpoint: string) => {
      const res = await call("POST", `/rest/backup/v1/orgs/${orgId}/storages`, {
        // The storage's own prefix (for backups) is not where exports go: the export path says.
        storageName: bucket, storageRegion: "us-east-1", storagePrefix: "backups", storageType: "s3", endpoint, forcePathStyle: true, accessKeyIdEnv: "S3_KEY", secretAccessKeyEnv: "S3_SECRET",
      });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      return res.json as { storageId: string; storageName: string };
    };
    const exportJob = async (site: string): Promise<Json> => {
      const started = await call("POST", dp(site, `/export?fromDate=${FROM}`));
      assert.equal(started.status, 202, JSON.stringify(started.json));
      return started.json;
    };

    before(async () => {
      s3 = await startS3("sluice-exports");
      faulty = await startS3("sluice-faulty");
      t = await startTestApp({
        store: kind,
        env: { S3_KEY: s3.accessKeyId, S3_SECRET: s3.secretAccessKey },
        config: { export: { minimumUsableDiskSpaceAfterExport: 0, ...threads } },
      });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
      // Refuse the third file of a Confluence export: two are in the bucket when it fails.
      const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
      refusedEntity = exportedEntities(wiki, 1, t.ctx.config.export)[2]!.name;
      proxy = await startS3FaultProxy(faulty.endpoint, new RegExp(`/${refusedEntity}_job`));
      await createStorage(s3.bucket, s3.endpoint);
    });
    after(async () => {
      await t?.close();
      await proxy?.close();
      await s3?.close();
      await faulty?.close();
      for (const dir of scratch) await rm(dir, { recursive: true, force: true });
    });

    test("each demo site's export to s3://bucket/prefix has exactly the bytes of the same export to a local path", async () => {
      const reader = s3Reader(s3);
      try {
        for (const site of SITES) {
          const url = `s3://${s3.bucket}/lake/${site}`;
          const root = `${url}/data-pipeline/export`;
          const set = await call("PUT", dp(site, "/config/export-path"), { path: ` "${url}/" ` });
          assert.equal(set.status, 200, JSON.stringify(set.json));
          assert.deepEqual(set.json, { rootExportPath: root, customPathSet: true });
          assert.deepEqual((await call("GET", dp(site, "/config/export-path"))).json, set.json);

          const started = await exportJob(site);
          assert.equal(started.rootExportPath, root);
          const job = (await waitForJob(t, site, started.jobId)) as Json;
          assert.equal(job.status, "COMPLETED", JSON.stringify(job));
          assert.equal(job.rootExportPath, root);
          assert.equal((await call("GET", dp(site, "/export"))).json.rootExportPath, root);

          // Exactly the files of the manifest, and the manifest, under <prefix>/data-pipeline/export/<jobId>/.
          const folder = `lake/${site}/data-pipeline/export/${job.jobId}/`;
          const keys = await reader.keys(`lake/${site}/`);
          assert.deepEqual(keys, [...job.files.map((f: Json) => folder + f.name), `${folder}manifest.json`].sort());
          const manifest = JSON.parse((await reader.bytes(`${folder}manifest.json`)).toString("utf8"));
          assert.deepEqual(manifest.files, job.files);
          const remote = new Map<string, Buffer>();
          for (const f of job.files as Json[]) {
            const bytes = await reader.bytes(folder + f.name);
            assert.equal(bytes.length, f.bytes, f.name);
            assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256, f.name);
            remote.set(entityOf(f.name), bytes);
          }
          assert.deepEqual(await readdir(join(t.home, "export-staging")).catch(() => []), [], "the staging copy is removed");

          // The same export to a local path: the same bytes. Only the job id and the start time (in the
          // file names) and the manifest's times differ between the two.
          const local = await mkdtemp(join(tmpdir(), "sluice-s3-local-"));
          scratch.push(local);
          assert.equal((await call("PUT", dp(site, "/config/export-path"), { path: local })).status, 200);
          const localJob = (await waitForJob(t, site, (await exportJob(site)).jobId)) as Json;
          assert.equal(localJob.status, "COMPLETED", JSON.stringify(localJob));
          const dir = join(local, "data-pipeline", "export", String(localJob.jobId));
          const names = (await readdir(dir)).filter((n) => n !== "manifest.json");
          assert.deepEqual(names.map(entityOf).sort(), [...remote.keys()].sort(), `${site}: the same files`);
          for (const name of names) assert.ok((await readFile(join(dir, name))).equals(remote.get(entityOf(name))!), `${site} ${name}: the same bytes`);
          const localManifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
          assert.deepEqual(comparable(manifest), comparable(localManifest), `${site}: the same manifest but for job id and times`);
          assert.equal(manifest.jobId, job.jobId);
          assert.equal((await call("DELETE", dp(site, "/config/export-path"))).status, 200);
        }
      } finally {
        reader.close();
      }
    });

    test("an unknown bucket or a malformed s3:// path is refused with a key naming what to configure", async () => {
      const unknown = await call("PUT", dp("wiki", "/config/export-path"), { path: "s3://no-such-bucket/x" });
      assert.equal(unknown.status, 400, JSON.stringify(unknown.json));
      assert.equal(unknown.json.errors[0].key, `${P}.storage.not.configured`);
      assert.match(unknown.json.errors[0].message, new RegExp(`organisation ${orgId} has the bucket no-such-bucket`));
      assert.match(unknown.json.errors[0].message, new RegExp(`POST /rest/backup/v1/orgs/${orgId}/storages`));
      assert.match(unknown.json.errors[0].message, /its S3 storages have the buckets sluice-exports/);
      for (const path of ["s3://Not_A_Bucket/x", `s3://${s3.bucket}/a//b`, `s3://${s3.bucket}/a/../b`]) {
        const bad = await call("PUT", dp("wiki", "/config/export-path"), { path });
        assert.equal(bad.status, 400, path);
        assert.equal(bad.json.errors[0].key, `${P}.invalid.characters`, path);
      }
      const inUse = await call("PUT", dp("wiki", "/config/export-path"), { path: `s3://${s3.bucket}/shared` });
      assert.equal(inUse.status, 200);
      const again = await call("PUT", dp("jira", "/config/export-path"), { path: `s3://${s3.bucket}/shared` });
      assert.equal(again.json.errors[0].key, `${P}.in.use`);
      await call("DELETE", dp("wiki", "/config/export-path"));
      assert.equal((await call("GET", dp("wiki", "/config/export-path"))).json.customPathSet, false);
    });

    test("an upload refused part-way fails the job naming the storage and leaves no manifest (nothing) in the bucket", async () => {
      const storage = await createStorage(faulty.bucket, proxy.endpoint);
      assert.equal((await call("PUT", dp("wiki", "/config/export-path"), { path: `s3://${faulty.bucket}/lake` })).status, 200);
      const started = await exportJob("wiki");
      const ended = waitForJob(t, "wiki", started.jobId);
      const first = await Promise.race([proxy.held.then((key) => ({ key })), ended.then((job) => ({ job }))]);
      assert.ok("key" in first, `the export ended before its upload was refused: ${JSON.stringify(first)}`);
      assert.match(first.key, new RegExp(`/lake/data-pipeline/export/${started.jobId}/${refusedEntity}_job`));

      // While the refused upload is held: the progress shows the upload, two files are in the bucket.
      const running = (await call("GET", dp("wiki", "/export"))).json;
      assert.equal(running.status, "STARTED");
      assert.equal(running.progress.phase, "upload", JSON.stringify(running.progress));
      assert.match(running.progress.file, new RegExp(`^${refusedEntity}_job`));
      assert.equal(running.progress.filesDone, 2);
      assert.equal(running.progress.filesTotal, exportedEntities((await t.ctx.store.sites.byKey("wiki"))!, 1, t.ctx.config.export).length + 1);
      assert.ok(running.progress.bytesUploaded > 0 && running.progress.bytesUploaded < running.progress.bytesToUpload);
      const reader = s3Reader(faulty);
      try {
        assert.equal((await reader.keys("lake/")).length, 2);
        proxy.release();
        const job = (await ended) as Json;
        assert.equal(job.status, "FAILED", JSON.stringify(job));
        assert.equal(job.errors[0].key, "sluice.storage.unavailable");
        // The storage by its name (its id too when the message has room), the place and the reason.
        assert.match(job.errors[0].message, new RegExp(`^Export job ${started.jobId} was not uploaded through the storage ${faulty.bucket}( \\(${storage.storageId}\\))?: s3 ${faulty.bucket}/lake/data-pipeline/export at ${proxy.endpoint} cannot be used: access to the bucket ${faulty.bucket} was denied`));
        assert.equal(job.files, undefined);
        assert.deepEqual(await reader.keys("lake/"), [], "what was put is deleted: no manifest, no files");
        assert.deepEqual(proxy.uploaded.filter((k) => k.endsWith("manifest.json")), [], "the manifest was never sent");
      } finally {
        reader.close();
      }
      assert.deepEqual(await readdir(join(t.home, "export-staging")).catch(() => []), [], "the staging copy is removed");
    });

    test("an export cancelled while it uploads ends CANCELLED and leaves nothing in the bucket", async () => {
      proxy.rearm();
      assert.equal((await call("GET", dp("wiki", "/config/export-path"))).json.rootExportPath, `s3://${faulty.bucket}/lake/data-pipeline/export`);
      const started = await exportJob("wiki");
      const ended = waitForJob(t, "wiki", started.jobId);
      const first = await Promise.race([proxy.held.then((key) => ({ key })), ended.then((job) => ({ job }))]);
      assert.ok("key" in first, `the export ended before its upload was held: ${JSON.stringify(first)}`);
      const cancel = await call("DELETE", dp("wiki", "/export"));
      assert.equal(cancel.status, 200, JSON.stringify(cancel.json));
      proxy.release();
      const job = (await ended) as Json;
      assert.equal(job.status, "CANCELLED", JSON.stringify(job));
      const reader = s3Reader(faulty);
      try {
        assert.deepEqual(await reader.keys("lake/"), []);
      } finally {
        reader.close();
      }
      assert.deepEqual(await readdir(join(t.home, "export-staging")).catch(() => []), [], "the staging copy is removed");
    });

    test("an unreachable storage is refused on set (4xx naming the storage) and an export to it is refused (422)", async () => {
      const storage = (await call("GET", `/rest/backup/v1/orgs/${orgId}/storages`)).json.values.find((s: Json) => s.storageName === faulty.bucket);
      await proxy.close(); // nothing answers at the storage's endpoint any more
      const set = await call("PUT", dp("wiki", "/config/export-path"), { path: `s3://${faulty.bucket}/elsewhere` });
      assert.equal(set.status, 400, JSON.stringify(set.json));
      assert.equal(set.json.errors[0].key, `${P}.storage.unavailable`);
      assert.match(set.json.errors[0].message, new RegExp(`storage ${faulty.bucket} \\(${storage.storageId}\\) of organisation ${orgId}`));
      assert.match(set.json.errors[0].message, /connection refused/);
      assert.equal((await call("GET", dp("wiki", "/config/export-path"))).json.rootExportPath, `s3://${faulty.bucket}/lake/data-pipeline/export`, "the path set before stays");

      const refused = await call("POST", dp("wiki", `/export?fromDate=${FROM}`));
      assert.equal(refused.status, 422, JSON.stringify(refused.json));
      assert.equal(refused.json.status, "FAILED");
      assert.equal(refused.json.errors[0].key, "sluice.storage.unavailable");
      assert.match(refused.json.errors[0].message, new RegExp(`storage ${faulty.bucket} \\(${storage.storageId}\\)`));
      await call("DELETE", dp("wiki", "/config/export-path"));
    });
  });
}
