/**
 * The Data pipeline REST API in process (`app.inject`): every endpoint of spec section 2 with its
 * status codes and bodies, on `/latest` and `/1.0`, the job lifecycle of section 3 (one export at a
 * time, cancel, pre-validation, disk space), authentication, and the admin sites API.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { entity } from "../src/core/entities/registry.js";
import { sqlitePath } from "../src/config.js";
import { ExportService } from "../src/export/export-service.js";
import { createLogger } from "../src/logger.js";
import { issueToken } from "../src/access/tokens.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { newExportJob } from "./support/jobs.js";

const Q = "data-pipeline.api.rest.queryparam";
const ISO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})$/;
const STACK_LINE = /\n\s+at .+:\d+:\d+/;

type Json = Record<string, any>;

interface Call {
  payload?: unknown;
  headers?: Record<string, string>;
  /** false: no Authorization header. */
  auth?: boolean;
}

async function call(t: TestApp, method: string, url: string, options: Call = {}) {
  const headers: Record<string, string> = {
    ...(options.auth === false ? {} : t.auth),
    ...(method === "GET" ? {} : { "x-atlassian-token": "no-check" }),
    ...options.headers,
  };
  const payload = options.payload;
  return t.app.inject({
    method: method as "GET",
    url,
    headers: payload !== undefined && typeof payload !== "string" ? { "content-type": "application/json", ...headers } : headers,
    ...(payload === undefined ? {} : { payload: typeof payload === "string" ? payload : JSON.stringify(payload) }),
  });
}

const dp = (site: string, path: string, version = "latest") => `/${site}/rest/datapipeline/${version}${path}`;

/**
 * The default export root of a site: `<home>/shared/data-pipeline/export/<site key>` (the spec's
 * `<home>/shared/data-pipeline/export` plus the site key, because job ids count per site).
 */
const defaultRoot = (home: string, siteKey: string) => join(home, "shared", "data-pipeline", "export", siteKey);

async function assertPing(t: TestApp): Promise<void> {
  const res = await call(t, "GET", "/ping", { auth: false });
  assert.equal(res.statusCode, 200, "the server still answers /ping");
  assert.deepEqual(res.json(), { ping: "success" });
}

/** A 4xx error body: `{statusCode, message, errors:[{key, message}], timestamp}`, no stack; the server stays up. */
async function assertError(
  t: TestApp,
  res: { statusCode: number; body: string; json(): unknown },
  status: number,
  key?: string | RegExp,
): Promise<Json> {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json() as Json;
  assert.equal(body.statusCode, status, res.body);
  assert.equal(typeof body.message, "string");
  assert.ok(body.message.length > 0, "a message");
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, `errors[] in ${res.body}`);
  for (const e of body.errors as Json[]) {
    assert.equal(typeof e.key, "string");
    assert.equal(typeof e.message, "string");
    assert.ok(e.message.length > 0);
  }
  if (typeof key === "string") assert.equal(body.errors[0].key, key, res.body);
  else if (key) assert.match(body.errors[0].key, key, res.body);
  assert.equal(typeof body.timestamp, "string");
  assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, "timestamp in UTC ISO-8601");
  assert.doesNotMatch(res.body, STACK_LINE, "no stack trace");
  await assertPing(t);
  return body;
}

/** The Job object (`ProcessStatusResponse`) of spec section 2. */
function assertJob(job: Json, expected: { jobId?: number; status?: string; nodeId?: string }): void {
  if (expected.jobId !== undefined) assert.equal(job.jobId, expected.jobId, JSON.stringify(job));
  if (expected.status !== undefined) assert.equal(job.status, expected.status, JSON.stringify(job));
  assert.equal(typeof job.jobId, "number");
  assert.ok(["STARTED", "COMPLETED", "FAILED", "CANCELLATION_REQUESTED", "CANCELLED"].includes(job.status));
  assert.match(job.startTime, ISO_OFFSET);
  if (job.status === "STARTED") assert.equal(job.completedTime, undefined, "no completedTime while STARTED");
  else assert.match(job.completedTime, ISO_OFFSET, "completedTime for every status but STARTED");
  if (job.status === "CANCELLED") assert.match(job.cancelledTime, ISO_OFFSET);
  else assert.equal(job.cancelledTime, undefined, "cancelledTime only when CANCELLED");
  assert.equal(job.nodeId, expected.nodeId ?? "test-node");
  assert.equal(typeof job.schema.version, "number");
  assert.ok(["ACTIVE", "DEPRECATED"].includes(job.schema.status));
  assert.match(job.config.exportFrom, ISO_OFFSET);
  assert.equal(typeof job.config.forcedExport, "boolean");
  if (job.status === "STARTED") assert.equal(job.statistics, undefined, "no statistics while STARTED");
  if (job.statistics !== undefined) {
    assert.equal(typeof job.statistics.exportedEntities, "number");
    assert.equal(typeof job.statistics.writtenRows, "number");
  }
  for (const list of ["warnings", "errors"]) {
    if (job[list] === undefined) continue;
    assert.ok(Array.isArray(job[list]) && job[list].length > 0, `${list} absent when empty`);
    for (const m of job[list] as Json[]) {
      assert.equal(typeof m.key, "string");
      assert.ok(typeof m.message === "string" && m.message.length <= 255, `${list} message ≤ 255 chars`);
    }
  }
  assert.equal(typeof job.rootExportPath, "string");
  assert.ok(Array.isArray(job.optedOutEntities));
}

async function startExport(t: TestApp, site: string, query = ""): Promise<Json> {
  const res = await call(t, "POST", dp(site, `/export${query ? `?${query}` : ""}`));
  assert.equal(res.statusCode, 202, res.body);
  const job = res.json<Json>();
  assertJob(job, { status: "STARTED" });
  return job;
}

async function exportAndWait(t: TestApp, site: string, query = ""): Promise<Json> {
  const job = await startExport(t, site, query);
  const done = (await waitForJob(t, site, job.jobId as number)) as Json;
  assertJob(done, { jobId: job.jobId, status: "COMPLETED" });
  return done;
}

async function readCsv(path: string): Promise<Json[]> {
  return parse<Json[]>(await readFile(path, "utf8"), { columns: true, relax_column_count: false });
}

function fileOf(job: Json, entity: string): string {
  const file = (job.files as Json[]).find((f) => f.entity === entity);
  assert.ok(file, `job ${job.jobId} has a ${entity} file`);
  return join(job.rootExportPath, String(job.jobId), file.name);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("Data pipeline API: endpoints and errors", () => {
  let t: TestApp;
  const scratch: string[] = [];
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it("GET /ping and …/rest/datapipeline/{latest,1.0}/ping answer anonymously", async () => {
    for (const url of ["/ping", dp("wiki", "/ping"), dp("wiki", "/ping", "1.0"), dp("jira", "/ping")]) {
      const res = await call(t, "GET", url, { auth: false });
      assert.equal(res.statusCode, 200, url);
      assert.deepEqual(res.json(), { ping: "success" });
      assert.equal(res.body, '{"ping":"success"}');
    }
  });

  it("GET /export is {} before the first export (latest and 1.0)", async () => {
    for (const version of ["latest", "1.0"]) {
      const res = await call(t, "GET", dp("wiki", "/export", version));
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {});
    }
  });

  it("POST /export → 202 STARTED job; GET /export → COMPLETED with statistics and files", async () => {
    const res = await call(t, "POST", dp("wiki", "/export?fromDate=2020-12-30T22%3A03%2B01%3A00"), {
      headers: { "x-atlassian-token": "no-check" },
    });
    assert.equal(res.statusCode, 202, res.body);
    const started = res.json<Json>();
    assertJob(started, { jobId: 1, status: "STARTED" });
    assert.deepEqual(started.schema, { version: 1, status: "ACTIVE" });
    assert.deepEqual(started.config, { exportFrom: "2020-12-30T21:03:00Z", forcedExport: false });
    assert.equal(started.rootExportPath, defaultRoot(t.home, "wiki"));
    assert.deepEqual(started.optedOutEntities, []);

    await waitForJob(t, "wiki", 1);
    for (const version of ["latest", "1.0"]) {
      const got = await call(t, "GET", dp("wiki", "/export", version));
      assert.equal(got.statusCode, 200);
      const job = got.json<Json>();
      assertJob(job, { jobId: 1, status: "COMPLETED" });
      assert.equal(job.startTime, started.startTime);
      assert.equal(job.progress, undefined, "no progress once finished");
      const files = job.files as Json[];
      assert.deepEqual(
        files.map((f) => f.entity),
        ["users", "spaces", "pages", "comments", "analytics_events"],
      );
      const counts = Object.fromEntries(
        await Promise.all(
          ["users", "spaces", "pages", "comments", "analytics_events"].map(async (e) => {
            const def = entity("confluence", e);
            const site = (await t.ctx.store.sites.byKey("wiki"))!;
            return [e, await t.ctx.store.data.count(site.id, def)] as const;
          }),
        ),
      );
      for (const f of files) {
        assert.match(f.name, /^[a-z_]+_job1_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
        assert.equal(f.rows, counts[f.entity], `${f.entity}: rows = the store's count (fromDate 2020 keeps all)`);
        assert.match(f.sha256, /^[0-9a-f]{64}$/);
        assert.equal((await stat(join(job.rootExportPath, "1", f.name))).size, f.bytes);
      }
      assert.equal(job.statistics.writtenRows, files.reduce((n, f) => n + (f.rows as number), 0));
      assert.ok(job.statistics.exportedEntities > 0);
    }
  });

  it("fromDate with a raw '+' (read as a space) is accepted and truncated to the minute", async () => {
    const job = await exportAndWait(t, "wiki", "fromDate=2020-12-30T22:03:45+01:00");
    assert.equal(job.jobId, 2);
    assert.equal(job.config.exportFrom, "2020-12-30T21:03:00Z");
    const z = await exportAndWait(t, "wiki", "fromDate=2020-12-30T23:01Z");
    assert.equal(z.jobId, 3);
    assert.equal(z.config.exportFrom, "2020-12-30T23:01:00Z");
  });

  it("job ids count 1, 2, 3 per site and independently per site; Jira schema 1 is DEPRECATED", async () => {
    const jira1 = await exportAndWait(t, "jira", "fromDate=2020-01-01T00:00Z");
    assert.equal(jira1.jobId, 1, "Jira's first job is 1 although Confluence has three");
    assert.deepEqual(jira1.schema, { version: 2, status: "ACTIVE" });
    for (const f of jira1.files as Json[]) assert.match(f.name, /^[a-z_]+_job1_v2_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
    const jira2 = await exportAndWait(t, "jira", "fromDate=2020-01-01T00:00Z&schemaVersion=1");
    assert.equal(jira2.jobId, 2);
    assert.deepEqual(jira2.schema, { version: 1, status: "DEPRECATED" });
    for (const f of jira2.files as Json[]) assert.match(f.name, /^[a-z_]+_job2_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
    assert.ok(!(jira2.files as Json[]).some((f) => f.entity === "users"), "schema 1 has no users file");
    const posted = Date.now();
    const wiki4 = await exportAndWait(t, "wiki");
    assert.equal(wiki4.jobId, 4);
    const from = Date.parse(wiki4.config.exportFrom);
    const YEAR = 365 * 86_400_000;
    assert.ok(from > posted - YEAR - 60_000 && from <= Date.now() - YEAR, `default fromDate is now − 365 days: ${wiki4.config.exportFrom}`);
    assert.equal(from % 60_000, 0, "truncated to the minute");
  });

  it("GET /history pages newest first with offset, limit, size, lastPage and nextPageRequest", async () => {
    const all = (await call(t, "GET", dp("wiki", "/history"))).json<Json>();
    assert.deepEqual(
      all.values.map((v: Json) => v.jobId),
      [4, 3, 2, 1],
    );
    assert.equal(all.offset, 0);
    assert.equal(all.limit, 10);
    assert.equal(all.size, 4);
    assert.equal(all.lastPage, true);
    assert.equal(all.nextPageRequest, null);
    for (const v of all.values as Json[]) assertJob(v, { status: "COMPLETED" });

    const first = (await call(t, "GET", dp("wiki", "/history?offset=0&limit=3", "1.0"))).json<Json>();
    assert.deepEqual(first.values.map((v: Json) => v.jobId), [4, 3, 2]);
    assert.equal(first.size, 3);
    assert.equal(first.lastPage, false);
    assert.deepEqual(first.nextPageRequest, { offset: 3, limit: 3 });
    const second = (await call(t, "GET", dp("wiki", "/history?offset=3&limit=3"))).json<Json>();
    assert.deepEqual(second.values.map((v: Json) => v.jobId), [1]);
    assert.equal(second.offset, 3);
    assert.equal(second.size, 1);
    assert.equal(second.lastPage, true);
    assert.equal(second.nextPageRequest, null);
    const beyond = (await call(t, "GET", dp("wiki", "/history?offset=50&limit=3"))).json<Json>();
    assert.deepEqual(beyond.values, []);
    assert.equal(beyond.lastPage, true);
    const empty = (await call(t, "GET", dp("bitbucket", "/history"))).json<Json>();
    assert.deepEqual(empty, { values: [], offset: 0, limit: 10, size: 0, lastPage: true, nextPageRequest: null });
  });

  it("GET /history rejects bad offset and limit with their keys", async () => {
    await assertError(t, await call(t, "GET", dp("wiki", "/history?offset=-1")), 400, `${Q}.page.offset.should.not.be.negative`);
    await assertError(t, await call(t, "GET", dp("wiki", "/history?offset=abc")), 400, `${Q}.page.offset.should.be.numeric`);
    await assertError(t, await call(t, "GET", dp("wiki", "/history?limit=0")), 400, /page\.limit/);
    await assertError(t, await call(t, "GET", dp("wiki", "/history?limit=1001")), 400, /page\.limit/);
    await assertError(t, await call(t, "GET", dp("wiki", "/history?limit=ten")), 400, `${Q}.page.limit.should.be.numeric`);
    await assertError(t, await call(t, "GET", dp("wiki", "/history?offset=")), 400, "data-pipeline.api.rest.declared.parameter.missing.value");
    const both = await assertError(t, await call(t, "GET", dp("wiki", "/history?offset=x&limit=y")), 400);
    assert.equal(both.errors.length, 2, "every problem at once");
  });

  it("POST /export rejects bad parameters with the Data pipeline's keys", async () => {
    const cases: [string, string][] = [
      ["fromDate=2020-13-45", `${Q}.fromdate.invalid.should.be.iso.offset.datetime`],
      ["fromDate=yesterday", `${Q}.fromdate.invalid.should.be.iso.offset.datetime`],
      ["fromDate=2020-12-30T22:01", `${Q}.fromdate.invalid.should.be.iso.offset.datetime`],
      ["fromDate=2021-02-29T10:00Z", `${Q}.fromdate.invalid.should.be.iso.offset.datetime`],
      ["fromDate=2999-01-01T00:00Z", `${Q}.fromdate.should.not.be.future`],
      ["fromDate=", "data-pipeline.api.rest.declared.parameter.missing.value"],
      ["forceExport=yes", `${Q}.forceexport.invalid.should.be.boolean`],
      ["forceExport=", "data-pipeline.api.rest.declared.parameter.missing.value"],
      ["schemaVersion=9", `${Q}.schemaversion.invalid.should.be.supported.integer.schemaversion`],
      ["schemaVersion=abc", `${Q}.schemaversion.invalid.should.be.supported.integer.schemaversion`],
      ["schemaVersion=2", `${Q}.schemaversion.invalid.should.be.supported.integer.schemaversion`],
    ];
    for (const version of ["latest", "1.0"]) {
      for (const [query, key] of cases) {
        await assertError(t, await call(t, "POST", dp("wiki", `/export?${query}`, version)), 400, key);
      }
    }
    const many = await assertError(t, await call(t, "POST", dp("wiki", "/export?fromDate=nope&forceExport=yes&schemaVersion=9")), 400);
    assert.deepEqual(
      many.errors.map((e: Json) => e.key),
      [
        `${Q}.fromdate.invalid.should.be.iso.offset.datetime`,
        `${Q}.forceexport.invalid.should.be.boolean`,
        `${Q}.schemaversion.invalid.should.be.supported.integer.schemaversion`,
      ],
      "every problem at once",
    );
    assert.equal(many.message, "Invalid query parameters");
    const history = (await call(t, "GET", dp("wiki", "/history"))).json<Json>();
    assert.equal(history.size, 4, "no job was created by a rejected request");
  });

  it("DELETE /export: 409 WARNING when nothing runs; bad jobId → 400", async () => {
    for (const url of [dp("wiki", "/export"), dp("wiki", "/export", "1.0"), dp("bitbucket", "/export")]) {
      const res = await call(t, "DELETE", url);
      assert.equal(res.statusCode, 409, res.body);
      const body = res.json<Json>();
      assert.equal(body.status, "WARNING");
      assert.equal(body.message, "Cancellation request aborted. There is no export job running to cancel.");
      assert.equal(typeof body.messageKey, "string");
    }
    const withId = (await call(t, "DELETE", dp("wiki", "/export?jobId=3"))).json<Json>();
    assert.equal(withId.status, "WARNING", "job 3 has already ended");
    await assertError(t, await call(t, "DELETE", dp("wiki", "/export?jobId=-1")), 400, `${Q}.job.id.should.be.positive`);
    await assertError(t, await call(t, "DELETE", dp("wiki", "/export?jobId=0")), 400, `${Q}.job.id.should.be.positive`);
    await assertError(t, await call(t, "DELETE", dp("wiki", "/export?jobId=abc")), 400, `${Q}.job.id.should.be.numeric`);
    await assertError(t, await call(t, "DELETE", dp("wiki", "/export?jobId=1.5")), 400, `${Q}.job.id.should.be.numeric`);
    await assertError(t, await call(t, "DELETE", dp("wiki", "/export?jobId=")), 400, "data-pipeline.api.rest.declared.parameter.missing.value");
  });

  it("pre-validation: a loading site → 422 FAILED job (export.pre.validation.failed); forced → 202 with the warning", async () => {
    const site = (await t.ctx.store.sites.byKey("bitbucket"))!;
    await t.ctx.store.sites.setState(site.id, "loading");
    try {
      const refused = await call(t, "POST", dp("bitbucket", "/export"));
      assert.equal(refused.statusCode, 422, refused.body);
      const failed = refused.json<Json>();
      assertJob(failed, { jobId: 1, status: "FAILED" });
      assert.equal(failed.errors[0].key, "export.pre.validation.failed");
      assert.equal(failed.statistics, undefined);
      const shown = (await call(t, "GET", dp("bitbucket", "/export"))).json<Json>();
      assertJob(shown, { jobId: 1, status: "FAILED" });
      await assertPing(t);

      const forced = await startExport(t, "bitbucket", "forceExport=true");
      assert.equal(forced.jobId, 2, "the refused job kept its id");
      assert.equal(forced.config.forcedExport, true);
      assert.equal(forced.warnings[0].key, "export.pre.validation.failed");
      assert.equal(forced.errors, undefined);
      const done = (await waitForJob(t, "bitbucket", 2)) as Json;
      assertJob(done, { jobId: 2, status: "COMPLETED" });
      assert.equal(done.warnings[0].key, "export.pre.validation.failed");
    } finally {
      await t.ctx.store.sites.setState(site.id, "ready");
    }
  });

  it("config/export-path: default, custom (used by the next export), cleaned input, DELETE → default", async () => {
    const expectedDefault = { rootExportPath: defaultRoot(t.home, "wiki"), customPathSet: false };
    for (const version of ["latest", "1.0"]) {
      const res = await call(t, "GET", dp("wiki", "/config/export-path", version));
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), expectedDefault);
    }
    const custom = await mkdtemp(join(tmpdir(), "sluice-apitest-path-"));
    scratch.push(custom);
    const put = await call(t, "PUT", dp("wiki", "/config/export-path"), { payload: { path: custom } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { rootExportPath: join(custom, "data-pipeline", "export"), customPathSet: true });
    assert.deepEqual((await call(t, "GET", dp("wiki", "/config/export-path"))).json(), put.json());
    assert.deepEqual(
      (await call(t, "GET", dp("jira", "/config/export-path"))).json(),
      { rootExportPath: defaultRoot(t.home, "jira"), customPathSet: false },
      "the path is per site",
    );
    await assertError(
      t,
      await call(t, "PUT", dp("jira", "/config/export-path"), { payload: { path: custom } }),
      400,
      "data-pipeline.api.rest.config.export.path.in.use",
    );

    const job = await exportAndWait(t, "wiki");
    assert.equal(job.rootExportPath, join(custom, "data-pipeline", "export"));
    const names = await readdir(join(custom, "data-pipeline", "export", String(job.jobId)));
    assert.ok(names.includes("manifest.json"));
    assert.equal(names.filter((n) => n.endsWith(".csv")).length, 5, names.join(", "));

    const messy = join(custom, "second");
    const cleaned = await call(t, "PUT", dp("wiki", "/config/export-path", "1.0"), { payload: { path: `  "${messy}/"\r\n ` } });
    assert.equal(cleaned.statusCode, 200, cleaned.body);
    assert.deepEqual(cleaned.json(), { rootExportPath: join(messy, "data-pipeline", "export"), customPathSet: true });
    const single = await call(t, "PUT", dp("wiki", "/config/export-path"), { payload: { path: `'${messy}'\n` } });
    assert.equal(single.statusCode, 200, single.body);

    const del = await call(t, "DELETE", dp("wiki", "/config/export-path"));
    assert.equal(del.statusCode, 200);
    assert.deepEqual(del.json(), expectedDefault);
    assert.deepEqual((await call(t, "GET", dp("wiki", "/config/export-path"))).json(), expectedDefault);
  });

  it("config/export-path rejects relative, '..', NUL, missing and unwritable paths with a key", async () => {
    const P = "data-pipeline.api.rest.config.export.path";
    const file = join(t.home, "a-regular-file");
    await writeFile(file, "x");
    const cases: [unknown, string][] = [
      [{ path: "relative/dir" }, `${P}.should.be.absolute`],
      [{ path: "./here" }, `${P}.should.be.absolute`],
      [{ path: "/tmp/../etc/sluice" }, `${P}.invalid.characters`],
      [{ path: "/tmp/a\u0000b" }, `${P}.invalid.characters`],
      [{ path: "" }, `${P}.missing`],
      [{ path: 42 }, `${P}.missing`],
      [{}, `${P}.missing`],
      [{ path: join(file, "below") }, `${P}.not.writable`],
      [{ path: "/proc/sluice-export" }, `${P}.not.writable`],
    ];
    for (const [payload, key] of cases) {
      const body = await assertError(t, await call(t, "PUT", dp("wiki", "/config/export-path"), { payload }), 400, key);
      assert.doesNotMatch(body.errors[0].message, STACK_LINE);
    }
    await assertError(t, await call(t, "PUT", dp("wiki", "/config/export-path")), 400, `${P}.missing`);
    const after_ = (await call(t, "GET", dp("wiki", "/config/export-path"))).json<Json>();
    assert.equal(after_.customPathSet, false, "a rejected PUT leaves the setting alone");
  });

  it("config/schema: Jira 2 ACTIVE then 1 DEPRECATED; Confluence and Bitbucket 1 ACTIVE", async () => {
    for (const version of ["latest", "1.0"]) {
      const jira = await call(t, "GET", dp("jira", "/config/schema", version));
      assert.equal(jira.statusCode, 200);
      assert.deepEqual(jira.json(), [
        { version: 2, status: "ACTIVE" },
        { version: 1, status: "DEPRECATED" },
      ]);
      assert.deepEqual((await call(t, "GET", dp("wiki", "/config/schema", version))).json(), [{ version: 1, status: "ACTIVE" }]);
      assert.deepEqual((await call(t, "GET", dp("bitbucket", "/config/schema", version))).json(), [{ version: 1, status: "ACTIVE" }]);
    }
  });

  it("config/schedule: GET {}, PUT → 202 with nextRunTime, GET, DELETE", async () => {
    assert.deepEqual((await call(t, "GET", dp("jira", "/config/schedule"))).json(), {});
    const before_ = Date.now();
    const put = await call(t, "PUT", dp("jira", "/config/schedule"), {
      payload: { days: ["mon", "wed"], repeatIntervalInWeeks: "1", time: "02:30:00", fromDate: "2024-01-01T00:00Z", schemaVersion: "2" },
    });
    assert.equal(put.statusCode, 202, put.body);
    const body = put.json<Json>();
    assert.deepEqual(body.days, ["mon", "wed"]);
    assert.equal(body.repeatIntervalInWeeks, "1");
    assert.equal(body.time, "02:30:00");
    assert.equal(body.schemaVersion, "2");
    assert.match(body.nextRunTime, ISO_OFFSET);
    const next = new Date(Date.parse(body.nextRunTime));
    assert.ok(next.getTime() > before_, "next run is in the future");
    assert.ok(next.getTime() <= before_ + 7 * 86_400_000, "within a week");
    assert.ok([1, 3].includes(next.getUTCDay()), `a Monday or Wednesday (UTC server zone): ${body.nextRunTime}`);
    assert.equal(next.toISOString().slice(11, 19), "02:30:00");
    assert.deepEqual((await call(t, "GET", dp("jira", "/config/schedule", "1.0"))).json(), body);

    const long = await call(t, "PUT", dp("jira", "/config/schedule"), {
      payload: { days: ["MONDAY", "Friday", "SUNDAY"], repeatIntervalInWeeks: 2, time: "23:15", zoneId: "Europe/Paris" },
    });
    assert.equal(long.statusCode, 202, long.body);
    const lb = long.json<Json>();
    assert.deepEqual(lb.days, ["mon", "fri", "sun"]);
    assert.equal(lb.repeatIntervalInWeeks, "2");
    assert.equal(lb.time, "23:15:00");
    assert.equal(lb.zoneId, "Europe/Paris");
    assert.match(lb.nextRunTime, /T23:15:00(\.000)?\+0[12]:00$/, "rendered in the schedule's zone");

    const del = await call(t, "DELETE", dp("jira", "/config/schedule"));
    assert.equal(del.statusCode, 200);
    assert.deepEqual((await call(t, "GET", dp("jira", "/config/schedule"))).json(), {});
  });

  it("config/schedule rejects bad days, times and weeks, listing every problem", async () => {
    const KEY = "data-pipeline.api.rest.config.schedule.invalid";
    const all = await assertError(
      t,
      await call(t, "PUT", dp("jira", "/config/schedule"), { payload: { days: ["mon", "funday"], repeatIntervalInWeeks: "0", time: "25:61" } }),
      400,
      KEY,
    );
    assert.equal(all.errors.length, 3, JSON.stringify(all.errors));
    const text = all.errors.map((e: Json) => e.message).join("\n");
    assert.match(text, /funday/);
    assert.match(text, /repeatIntervalInWeeks/);
    assert.match(text, /time/);
    for (const e of all.errors as Json[]) assert.equal(e.key, KEY);
    for (const payload of [
      { days: ["mon"], repeatIntervalInWeeks: "53", time: "02:00" },
      { days: ["mon"], repeatIntervalInWeeks: "0", time: "02:00" },
      { days: ["mon"], repeatIntervalInWeeks: "x", time: "02:00" },
      { days: [], time: "02:00" },
      { days: ["mon"], time: "2am" },
      { days: ["mon"] },
      { days: ["mon"], time: "02:00", zoneId: "Mars/Olympus" },
      { days: ["mon"], time: "02:00", schemaVersion: "7" },
      { days: ["mon"], time: "02:00", fromDate: "2999-01-01T00:00Z" },
      { days: ["mon"], time: "02:00", fromDate: "soon" },
    ]) {
      await assertError(t, await call(t, "PUT", dp("jira", "/config/schedule"), { payload }), 400, KEY);
    }
    await assertError(t, await call(t, "PUT", dp("jira", "/config/schedule")), 400, KEY);
    assert.deepEqual((await call(t, "GET", dp("jira", "/config/schedule"))).json(), {}, "nothing was saved");
  });

  it("config/optout: GET empty, POST a space, unknown keys, wrong type, DELETE", async () => {
    const K = "data-pipeline.api.rest.config.optout";
    assert.deepEqual((await call(t, "GET", dp("wiki", "/config/optout"))).json(), { optedOutEntities: [] });
    const post = await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "SPACE", keys: ["ENG"] } });
    assert.equal(post.statusCode, 200, post.body);
    const list = (post.json<Json>()).optedOutEntities as Json[];
    assert.equal(list.length, 1);
    assert.equal(list[0]!.type, "SPACE");
    assert.equal(list[0]!.key, "ENG");
    assert.equal(list[0]!.identifier, "ENG");
    assert.equal(list[0]!.displayName, "Engineering");
    assert.match(list[0]!.uri, /^http:\/\/localhost:8080\/wiki\/\S+$/);
    assert.equal(list[0]!.uri.indexOf("http", 1), -1, `one absolute URL: ${list[0]!.uri}`);
    assert.deepEqual((await call(t, "GET", dp("wiki", "/config/optout", "1.0"))).json(), post.json());

    const unknown = await assertError(
      t,
      await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "SPACE", keys: ["NOPE"] } }),
      404,
      `${K}.not.found`,
    );
    assert.match(unknown.errors[0].message, /NOPE/);
    const skipped = await call(t, "POST", dp("wiki", "/config/optout?continueIfNotFound=true"), { payload: { type: "SPACE", keys: ["NOPE", "HR"] } });
    assert.equal(skipped.statusCode, 200, skipped.body);
    assert.deepEqual(((skipped.json<Json>()).optedOutEntities as Json[]).map((o) => o.key), ["ENG", "HR"]);
    await assertError(
      t,
      await call(t, "POST", dp("wiki", "/config/optout?continueIfNotFound=maybe"), { payload: { type: "SPACE", keys: ["HR"] } }),
      400,
      `${Q}.continueifnotfound.invalid.should.be.boolean`,
    );
    await assertError(t, await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "PROJECT", keys: ["ENG"] } }), 400, `${K}.invalid`);
    await assertError(t, await call(t, "POST", dp("jira", "/config/optout"), { payload: { type: "SPACE", keys: ["ENG"] } }), 400, `${K}.invalid`);
    await assertError(t, await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "SPACE", keys: [] } }), 400, `${K}.invalid`);
    await assertError(t, await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "SPACE" } }), 400, `${K}.invalid`);
    await assertError(t, await call(t, "POST", dp("wiki", "/config/optout")), 400, `${K}.invalid`);

    const del = await call(t, "DELETE", dp("wiki", "/config/optout"), { payload: { type: "SPACE", keys: ["HR"] } });
    assert.equal(del.statusCode, 200, del.body);
    assert.deepEqual(((del.json<Json>()).optedOutEntities as Json[]).map((o) => o.key), ["ENG"]);
    const none = await call(t, "DELETE", dp("wiki", "/config/optout"));
    assert.equal(none.statusCode, 200, none.body);
    assert.deepEqual(none.json(), { optedOutEntities: [] });
    assert.deepEqual((await call(t, "GET", dp("wiki", "/config/optout"))).json(), { optedOutEntities: [] });
  });

  it("an export after opting a space out has no row of that space in spaces, pages, comments or analytics_events", async () => {
    const full = await exportAndWait(t, "wiki", "fromDate=2000-01-01T00:00Z");
    const fullPages = await readCsv(fileOf(full, "pages"));
    const engPages = new Set(fullPages.filter((p) => p.space_key === "ENG").map((p) => p.page_id));
    assert.ok(engPages.size > 0, "ENG has pages");
    const fullComments = await readCsv(fileOf(full, "comments"));
    assert.ok(fullComments.some((c) => engPages.has(c.page_id)), "ENG has comments");
    const fullEvents = await readCsv(fileOf(full, "analytics_events"));
    assert.ok(fullEvents.some((e) => e.event_space_key === "ENG"), "ENG has analytics events");

    const post = await call(t, "POST", dp("wiki", "/config/optout"), { payload: { type: "SPACE", keys: ["ENG"] } });
    assert.equal(post.statusCode, 200, post.body);
    try {
      const job = await exportAndWait(t, "wiki", "fromDate=2000-01-01T00:00Z");
      assert.deepEqual(
        (job.optedOutEntities as Json[]).map((o) => [o.type, o.key]),
        [["SPACE", "ENG"]],
      );
      const spaces = await readCsv(fileOf(job, "spaces"));
      assert.ok(spaces.length > 0 && !spaces.some((s) => s.space_key === "ENG"), "no ENG space");
      const pages = await readCsv(fileOf(job, "pages"));
      assert.ok(!pages.some((p) => p.space_key === "ENG" || engPages.has(p.page_id)), "no ENG page");
      assert.equal(pages.length, fullPages.length - engPages.size);
      const comments = await readCsv(fileOf(job, "comments"));
      assert.ok(!comments.some((c) => engPages.has(c.page_id)), "no comment on an ENG page");
      assert.equal(comments.length, fullComments.filter((c) => !engPages.has(c.page_id)).length);
      const events = await readCsv(fileOf(job, "analytics_events"));
      assert.ok(!events.some((e) => e.event_space_key === "ENG"), "no ENG event");
      const users = await readCsv(fileOf(job, "users"));
      assert.equal(users.length, (await readCsv(fileOf(full, "users"))).length, "users are not scoped");
    } finally {
      await call(t, "DELETE", dp("wiki", "/config/optout"));
    }
  });

  it("opting out a Jira project and Bitbucket repositories leaves out all their content", async () => {
    const jiraFull = await exportAndWait(t, "jira", "fromDate=2000-01-01T00:00Z");
    const issues = await readCsv(fileOf(jiraFull, "issues"));
    const helpIssues = new Set(issues.filter((i) => i.project_key === "HELP").map((i) => i.id));
    assert.ok(helpIssues.size > 0, "HELP has issues");
    const post = await call(t, "POST", dp("jira", "/config/optout"), { payload: { type: "PROJECT", keys: ["HELP"] } });
    assert.equal(post.statusCode, 200, post.body);
    assert.deepEqual(
      ((post.json<Json>()).optedOutEntities as Json[]).map((o) => [o.type, o.key, o.displayName]),
      [["PROJECT", "HELP", "Help Desk 🛟"]],
    );
    await assertError(t, await call(t, "POST", dp("jira", "/config/optout"), { payload: { type: "REPOSITORY", keys: ["HELP"] } }), 400);
    try {
      const job = await exportAndWait(t, "jira", "fromDate=2000-01-01T00:00Z");
      const left = await readCsv(fileOf(job, "issues"));
      assert.ok(left.length > 0 && !left.some((i) => i.project_key === "HELP" || helpIssues.has(i.id)), "no HELP issue");
      assert.equal(left.length, issues.length - helpIssues.size);
      for (const entity of ["issue_fields", "issue_history", "worklogs"]) {
        const full = await readCsv(fileOf(jiraFull, entity));
        assert.ok(full.some((r) => helpIssues.has(r.issue_id)), `HELP has ${entity}`);
        const rows = await readCsv(fileOf(job, entity));
        assert.ok(!rows.some((r) => helpIssues.has(r.issue_id)), `no ${entity} row of a HELP issue`);
        assert.equal(rows.length, full.filter((r) => !helpIssues.has(r.issue_id)).length, entity);
      }
      const links = await readCsv(fileOf(job, "issue_links"));
      assert.ok(!links.some((l) => helpIssues.has(l.source_issue_id)), "no link from a HELP issue");
    } finally {
      await call(t, "DELETE", dp("jira", "/config/optout"));
    }

    const bbFull = await exportAndWait(t, "bitbucket", "fromDate=2000-01-01T00:00Z");
    const out = await call(t, "POST", dp("bitbucket", "/config/optout"), { payload: { type: "REPOSITORY", keys: ["CORE/payments-service", "2"] } });
    assert.equal(out.statusCode, 200, out.body);
    const opted = (out.json<Json>()).optedOutEntities as Json[];
    assert.deepEqual(opted.map((o) => o.identifier).sort(), ["1", "2"]);
    assert.deepEqual(opted.map((o) => o.key).sort(), ["CORE/payments-service", "TOOLS/web-app"]);
    try {
      const job = await exportAndWait(t, "bitbucket", "fromDate=2000-01-01T00:00Z");
      const gone = new Set(["1", "2"]);
      const repos = await readCsv(fileOf(job, "repositories"));
      assert.ok(repos.length > 0 && !repos.some((r) => gone.has(r.repository_id)), "no opted-out repository");
      for (const [entity, column] of [
        ["commits", "repository_id"],
        ["pull_requests", "to_repository_id"],
      ] as const) {
        const full = await readCsv(fileOf(bbFull, entity));
        assert.ok(full.some((r) => gone.has(r[column])), `the repositories have ${entity}`);
        const rows = await readCsv(fileOf(job, entity));
        assert.ok(!rows.some((r) => gone.has(r[column])), `no ${entity} of an opted-out repository`);
        assert.equal(rows.length, full.filter((r) => !gone.has(r[column])).length, entity);
      }
      const activities = await readCsv(fileOf(job, "pull_request_activities"));
      assert.ok(!activities.some((a) => gone.has(String(a.pull_request_id).split("-")[0]!)), "no activity of their pull requests");
    } finally {
      await call(t, "DELETE", dp("bitbucket", "/config/optout"));
    }
  });

  it("auth: missing or wrong token 401, Basic user:token, other user 401, non-sysadmin 403", async () => {
    const url = dp("wiki", "/export");
    await assertError(t, await call(t, "GET", url, { auth: false }), 401, "sluice.auth.token.missing");
    await assertError(t, await call(t, "POST", url, { auth: false }), 401, "sluice.auth.token.missing");
    await assertError(t, await call(t, "GET", url, { auth: false, headers: { authorization: "Bearer sluice_wrong" } }), 401, "sluice.auth.token.invalid");
    await assertError(t, await call(t, "GET", url, { auth: false, headers: { authorization: "Bearer" } }), 401, /^sluice\.auth\.token\./);
    await assertError(t, await call(t, "GET", url, { auth: false, headers: { authorization: "Token abc" } }), 401, "sluice.auth.token.invalid");
    const basic = (user: string, token: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}` });
    const ok = await call(t, "GET", url, { auth: false, headers: basic("admin", t.token) });
    assert.equal(ok.statusCode, 200, ok.body);
    await assertError(t, await call(t, "GET", url, { auth: false, headers: basic("otheruser", t.token) }), 401, "sluice.auth.token.invalid");
    await assertError(t, await call(t, "GET", url, { auth: false, headers: basic("admin", "sluice_wrong") }), 401, "sluice.auth.token.invalid");

    const bob = await issueToken(t.ctx.store, { username: "bob", sysadmin: false, name: "t" });
    for (const [method, path] of [
      ["GET", dp("wiki", "/export")],
      ["POST", dp("wiki", "/export")],
      ["GET", dp("wiki", "/history")],
      ["GET", dp("wiki", "/config/export-path")],
      ["GET", "/rest/admin/v1/sites"],
    ] as const) {
      await assertError(t, await call(t, method, path, { auth: false, headers: { authorization: `Bearer ${bob}` } }), 403, "sluice.auth.forbidden");
    }
    const bobPing = await call(t, "GET", dp("wiki", "/ping"), { auth: false, headers: { authorization: `Bearer ${bob}` } });
    assert.equal(bobPing.statusCode, 200, "ping needs no rights");
  });

  it("X-Atlassian-Token: no-check is accepted and not required", async () => {
    const withHeader = await call(t, "PUT", dp("jira", "/config/schedule"), {
      headers: { "x-atlassian-token": "no-check" },
      payload: { days: ["tue"], time: "01:00" },
    });
    assert.equal(withHeader.statusCode, 202, withHeader.body);
    const without = await t.app.inject({ method: "DELETE", url: dp("jira", "/config/schedule"), headers: t.auth });
    assert.equal(without.statusCode, 200, without.body);
  });

  it("unknown site, version or route → 404 with a key", async () => {
    await assertError(t, await call(t, "GET", dp("nope", "/export")), 404, "sluice.site.not.found");
    await assertError(t, await call(t, "POST", dp("nope", "/export")), 404, "sluice.site.not.found");
    await assertError(t, await call(t, "GET", dp("wiki", "/export", "2.0")), 404, "sluice.route.not.found");
    await assertError(t, await call(t, "GET", dp("wiki", "/nothing")), 404, "sluice.route.not.found");
  });

  it("a 10 MB body → 413, invalid JSON → 400, both with a key", async () => {
    const big = JSON.stringify({ path: "x".repeat(10 * 1024 * 1024) });
    await assertError(
      t,
      await call(t, "PUT", dp("wiki", "/config/export-path"), { payload: big, headers: { "content-type": "application/json" } }),
      413,
      "sluice.request.body.too.large",
    );
    await assertError(
      t,
      await call(t, "POST", dp("wiki", "/config/optout"), { payload: big, headers: { "content-type": "application/json" } }),
      413,
      "sluice.request.body.too.large",
    );
    await assertError(
      t,
      await call(t, "PUT", dp("wiki", "/config/export-path"), { payload: '{"path": "/tmp', headers: { "content-type": "application/json" } }),
      400,
      "sluice.request.body.invalid",
    );
    await assertError(
      t,
      await call(t, "PUT", dp("jira", "/config/schedule"), { payload: "{days:[mon]}", headers: { "content-type": "application/json" } }),
      400,
      "sluice.request.body.invalid",
    );
  });

  it("a body that is not JSON → 415 with a key", async () => {
    await assertError(
      t,
      await call(t, "PUT", dp("wiki", "/config/export-path"), { payload: "<path>/tmp</path>", headers: { "content-type": "application/xml" } }),
      415,
      "sluice.request.unsupported.media.type",
    );
  });

  it("/rest/openapi.json lists the Data pipeline paths; /rest/docs serves HTML", async () => {
    const res = await call(t, "GET", "/rest/openapi.json", { auth: false });
    assert.equal(res.statusCode, 200);
    const doc = res.json<Json>();
    assert.match(String(doc.openapi), /^3\./);
    const paths = Object.keys(doc.paths as Json);
    for (const p of ["/export", "/history", "/config/export-path", "/config/schema", "/config/schedule", "/config/optout", "/ping"]) {
      assert.ok(paths.includes(`/{site}/rest/datapipeline/{version}${p}`), `${p} in ${paths.join(", ")}`);
    }
    const exportPath = (doc.paths as Json)["/{site}/rest/datapipeline/{version}/export"];
    assert.ok(exportPath.post && exportPath.get && exportPath.delete, "POST, GET and DELETE /export documented");
    assert.ok(paths.includes("/rest/admin/v1/sites"));
    const docs = await call(t, "GET", "/rest/docs", { auth: false });
    assert.equal(docs.statusCode, 200);
    assert.match(String(docs.headers["content-type"]), /text\/html/);
    assert.match(docs.body, /<html/i);
  });

  it("admin sites: list with counts, create an empty site whose export has header-only files, bad input, duplicates", async () => {
    const list = await call(t, "GET", "/rest/admin/v1/sites");
    assert.equal(list.statusCode, 200);
    const sites = (list.json<Json>()).sites as Json[];
    assert.deepEqual(
      sites.map((s) => [s.key, s.product, s.contextPath]),
      [
        ["jira", "jira", "/jira"],
        ["wiki", "confluence", "/wiki"],
        ["bitbucket", "bitbucket", "/bitbucket"],
      ],
    );
    const wikiSite = sites.find((s) => s.key === "wiki")!;
    assert.ok(wikiSite.counts.pages > 0 && wikiSite.counts.comments > 0 && wikiSite.counts.spaces > 0, JSON.stringify(wikiSite.counts));
    assert.equal(wikiSite.baseUrl, "http://localhost:8080/wiki");
    assert.ok(sites.find((s) => s.key === "jira")!.counts.issues > 0);

    const created = await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "confluence", contextPath: "/kb", plan: "premium", region: "eu" } });
    assert.equal(created.statusCode, 201, created.body);
    const site = created.json<Json>();
    assert.equal(site.key, "kb");
    assert.equal(site.contextPath, "/kb");
    assert.equal(site.plan, "premium");
    assert.equal(site.region, "eu");
    assert.equal(site.baseUrl, "http://localhost:8080/kb");
    assert.ok(Object.values(site.counts as Record<string, number>).every((n) => n === 0));
    assert.equal(site.lastExport, null);
    assert.equal(((await call(t, "GET", "/rest/admin/v1/sites")).json<Json>()).sites.length, 4);
    const one = await call(t, "GET", "/rest/admin/v1/sites/kb");
    assert.equal(one.statusCode, 200);
    assert.equal((one.json<Json>()).cloudId, site.cloudId);
    await assertError(t, await call(t, "GET", "/rest/admin/v1/sites/nope"), 404, "sluice.site.not.found");

    assert.deepEqual((await call(t, "GET", dp("kb", "/export"))).json(), {});
    const job = await exportAndWait(t, "kb");
    assert.equal(job.jobId, 1);
    assert.equal(job.statistics.writtenRows, 0);
    assert.equal((job.files as Json[]).length, 5);
    for (const f of job.files as Json[]) {
      assert.equal(f.rows, 0);
      const text = await readFile(join(job.rootExportPath, "1", f.name), "utf8");
      assert.ok(text.endsWith("\r\n") && text.indexOf("\r\n") === text.length - 2, `${f.name}: one header line`);
      assert.match(text, /^[a-z_]+(,[a-z_]+)+\r\n$/, `${f.name}: a header`);
    }

    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "trello", contextPath: "/boards" } }), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/Bad Path" } }), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/rest" } }), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/x", plan: "gold" } }), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/a/b" } }), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites"), 400, "sluice.site.invalid");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/kb" } }), 409, "sluice.site.exists");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "wiki" } }), 409, "sluice.site.exists");
    await assertError(t, await call(t, "POST", "/rest/admin/v1/sites", { auth: false, payload: { product: "jira", contextPath: "/x" } }), 401, "sluice.auth.token.missing");
  });
});

describe("Data pipeline API: one export at a time, cancellation", () => {
  let t: TestApp;
  before(async () => {
    // 200 rows/s: the demo wiki (~4,600 rows) takes ~20 s, long enough to meet a running job.
    t = await startTestApp({ config: { export: { exportRowsPerSecond: 200, minimumUsableDiskSpaceAfterExport: 0 } } });
  });
  after(async () => {
    await t?.close();
  });

  async function cancelAndWait(site: string, jobId: number): Promise<Json> {
    const res = await call(t, "DELETE", dp(site, `/export?jobId=${jobId}`));
    assert.equal(res.statusCode, 200, res.body);
    return until(`job ${jobId} of /${site} CANCELLED`, 5000, async () => {
      const job = (await call(t, "GET", dp(site, "/export"))).json<Json>();
      return job.jobId === jobId && job.status === "CANCELLED" ? job : undefined;
    });
  }

  it("a running export shows progress; a second POST → 409 with the running job; DELETE → OK then CANCELLED within 5 s", async () => {
    const started = await startExport(t, "wiki", "fromDate=2020-01-01T00:00Z");
    assert.equal(started.jobId, 1);

    const running = await until("progress while running", 10_000, async () => {
      const job = (await call(t, "GET", dp("wiki", "/export"))).json<Json>();
      return job.progress ? job : undefined;
    });
    assertJob(running, { jobId: 1, status: "STARTED" });
    assert.equal(typeof running.progress.file, "string");
    assert.equal(typeof running.progress.rowsWritten, "number");
    assert.equal(typeof running.progress.rowsEstimated, "number");

    for (const version of ["latest", "1.0"]) {
      const again = await call(t, "POST", dp("wiki", "/export", version));
      assert.equal(again.statusCode, 409, again.body);
      const body = again.json<Json>();
      assertJob(body, { jobId: 1, status: "STARTED" });
      assert.equal(body.startTime, started.startTime);
    }
    const forced = await call(t, "POST", dp("wiki", "/export?forceExport=true"));
    assert.equal(forced.statusCode, 409, "forcing does not bypass the one-export rule");

    const mismatch = await call(t, "DELETE", dp("wiki", "/export?jobId=7"));
    assert.equal(mismatch.statusCode, 409, mismatch.body);
    assert.equal((mismatch.json<Json>()).status, "WARNING");
    assert.equal(((await call(t, "GET", dp("wiki", "/export"))).json<Json>()).status, "STARTED", "a mismatching DELETE cancels nothing");

    const del = await call(t, "DELETE", dp("wiki", "/export"));
    assert.equal(del.statusCode, 200, del.body);
    const requestedAt = Date.now();
    const body = del.json<Json>();
    assert.equal(body.jobId, 1);
    assert.equal(body.status, "OK");
    assert.equal(typeof body.messageKey, "string");
    assert.equal(body.message, "Cancellation request successfully received. Currently running export job will be stopped shortly.");

    const cancelled = await until("CANCELLED", 5000, async () => {
      const job = (await call(t, "GET", dp("wiki", "/export"))).json<Json>();
      return job.status === "CANCELLED" ? job : undefined;
    });
    assert.ok(Date.now() - requestedAt <= 5000);
    assertJob(cancelled, { jobId: 1, status: "CANCELLED" });
    assert.equal(cancelled.files, undefined);
    assert.equal(cancelled.progress, undefined);

    const late = await call(t, "DELETE", dp("wiki", "/export"));
    assert.equal(late.statusCode, 409);
    assert.equal((late.json<Json>()).status, "WARNING");

    const next = await startExport(t, "wiki");
    assert.equal(next.jobId, 2, "a new export starts at once after a cancel");
    const other = await startExport(t, "bitbucket");
    assert.equal(other.jobId, 1, "another site's export runs beside it");
    await cancelAndWait("wiki", 2);
    await cancelAndWait("bitbucket", 1);
  });

  it("DELETE of a job running on another node: that node stops it (CANCELLED) within 5 s", async () => {
    const logger = createLogger("silent");
    const otherStore = openSqliteStore(sqlitePath(t.ctx.config));
    const other = new ExportService({ config: { ...t.ctx.config, nodeId: "node-b" }, store: otherStore, sources: t.ctx.sources, logger });
    try {
      const site = (await t.ctx.store.sites.byKey("bitbucket"))!;
      const started = await other.start(site, { exportFrom: Date.UTC(2020, 0, 1), forced: false, schemaVersion: 1, trigger: "api" });
      assert.equal(started.outcome, "started");
      const jobId = started.job.jobId;
      const shown = (await call(t, "GET", dp("bitbucket", "/export"))).json<Json>();
      assertJob(shown, { jobId, status: "STARTED", nodeId: "node-b" });
      const conflict = await call(t, "POST", dp("bitbucket", "/export"));
      assert.equal(conflict.statusCode, 409, "one export per site across the cluster");
      assert.equal((conflict.json<Json>()).nodeId, "node-b");

      const del = await call(t, "DELETE", dp("bitbucket", "/export"));
      assert.equal(del.statusCode, 200, del.body);
      assert.equal((del.json<Json>()).jobId, jobId);
      const requestedAt = Date.now();
      const cancelled = await until("CANCELLED by node-b", 5000, async () => {
        const job = (await call(t, "GET", dp("bitbucket", "/export"))).json<Json>();
        return job.status === "CANCELLED" ? job : undefined;
      });
      assert.ok(Date.now() - requestedAt <= 5000);
      assertJob(cancelled, { jobId, status: "CANCELLED", nodeId: "node-b" });
    } finally {
      await other.shutdown(5000);
      await otherStore.close();
    }
  });

  /**
   * A job held by a live node that has not yet noticed a cancellation (its heartbeat comes later):
   * made in the store, so the CANCELLATION_REQUESTED state lasts as long as the test needs.
   */
  async function foreignJob(siteKey: string): Promise<number> {
    const site = (await t.ctx.store.sites.byKey(siteKey))!;
    const now = Date.now();
    const created = await t.ctx.store.jobs.create(
      newExportJob({
        siteId: site.id,
        startTime: now,
        nodeId: "node-c",
        instanceId: "node-c:1:test",
        pid: process.pid,
        exportFrom: Date.UTC(2020, 0, 1),
        rootExportPath: defaultRoot(t.home, siteKey),
        leaseExpiresAt: now + 60_000,
      }),
    );
    assert.ok(created.ok);
    return created.job.seq;
  }

  async function endForeignJob(siteKey: string, jobId: number): Promise<void> {
    const site = (await t.ctx.store.sites.byKey(siteKey))!;
    const job = (await t.ctx.store.jobs.bySeq(site.id, "export", jobId))!;
    await t.ctx.store.jobs.transition(job.id, ["STARTED", "CANCELLATION_REQUESTED"], {
      status: "CANCELLED",
      completedTime: Date.now(),
      cancelledTime: Date.now(),
    });
  }

  it("a cancel not yet seen by the running node shows CANCELLATION_REQUESTED and still holds the site", async () => {
    const jobId = await foreignJob("bitbucket");
    try {
      const del = await call(t, "DELETE", dp("bitbucket", `/export?jobId=${jobId}`));
      assert.equal(del.statusCode, 200, del.body);
      const requested = (await call(t, "GET", dp("bitbucket", "/export"))).json<Json>();
      assert.equal(requested.jobId, jobId);
      assert.equal(requested.status, "CANCELLATION_REQUESTED", JSON.stringify(requested));
      assert.equal(requested.nodeId, "node-c");
      assert.equal(requested.cancelledTime, undefined);
      assert.equal(requested.statistics, undefined);
      const conflict = await call(t, "POST", dp("bitbucket", "/export"));
      assert.equal(conflict.statusCode, 409, "still the site's running job");
      assert.equal((conflict.json<Json>()).status, "CANCELLATION_REQUESTED");
    } finally {
      await endForeignJob("bitbucket", jobId);
    }
  });

  it(
    "a CANCELLATION_REQUESTED job has completedTime (the spec: set for every status but STARTED)",
    async () => {
      const jobId = await foreignJob("bitbucket");
      try {
        assert.equal((await call(t, "DELETE", dp("bitbucket", "/export"))).statusCode, 200);
        const requested = (await call(t, "GET", dp("bitbucket", "/export"))).json<Json>();
        assertJob(requested, { jobId, status: "CANCELLATION_REQUESTED", nodeId: "node-c" });
      } finally {
        await endForeignJob("bitbucket", jobId);
      }
    },
  );

  it("50 concurrent POSTs → exactly one 202 and 49 409 with that job", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => call(t, "POST", dp("jira", "/export"))));
    const codes = results.map((r) => r.statusCode);
    assert.equal(codes.filter((c) => c === 202).length, 1, codes.join(","));
    assert.equal(codes.filter((c) => c === 409).length, 49, codes.join(","));
    const winner = results.find((r) => r.statusCode === 202)!.json<Json>();
    assert.equal(winner.jobId, 1);
    for (const r of results.filter((x) => x.statusCode === 409)) assert.equal((r.json<Json>()).jobId, winner.jobId);
    const history = (await call(t, "GET", dp("jira", "/history"))).json<Json>();
    assert.equal(history.size, 1, "only one job was created");
    await cancelAndWait("jira", 1);
    await assertPing(t);
  });
});

describe("Data pipeline API: disk space", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed_demo: false, config: { export: { minimumUsableDiskSpaceAfterExport: "1000000GB" } } });
  });
  after(async () => {
    await t?.close();
  });

  it("not enough free space → 422 FAILED job with export.disk.space.insufficient, even forced", async () => {
    const created = await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "jira", contextPath: "/jira" } });
    assert.equal(created.statusCode, 201, created.body);
    for (const [query, jobId] of [["", 1], ["?forceExport=true", 2]] as const) {
      const res = await call(t, "POST", dp("jira", `/export${query}`));
      assert.equal(res.statusCode, 422, res.body);
      const job = res.json<Json>();
      assertJob(job, { jobId, status: "FAILED" });
      assert.equal(job.errors[0].key, "export.disk.space.insufficient");
      assert.match(job.errors[0].message, /disk space/i);
      await assertPing(t);
    }
    const latest = (await call(t, "GET", dp("jira", "/export"))).json<Json>();
    assert.equal(latest.status, "FAILED");
  });
});

describe("Data pipeline API: a site mounted at / in a server zone with an offset", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ seed_demo: false, config: { timeZone: "Asia/Tokyo" } });
  });
  after(async () => {
    await t?.close();
  });

  it("answers at /rest/datapipeline/{latest,1.0}; times and file names carry the zone's offset", async () => {
    const created = await call(t, "POST", "/rest/admin/v1/sites", { payload: { product: "confluence", contextPath: "/" } });
    assert.equal(created.statusCode, 201, created.body);
    const ping = await call(t, "GET", "/rest/datapipeline/latest/ping", { auth: false });
    assert.deepEqual(ping.json(), { ping: "success" });
    assert.deepEqual((await call(t, "GET", "/rest/datapipeline/1.0/export")).json(), {});
    const res = await call(t, "POST", "/rest/datapipeline/latest/export?fromDate=2020-12-30T22%3A03%2B01%3A00");
    assert.equal(res.statusCode, 202, res.body);
    const started = res.json<Json>();
    assert.match(started.startTime, /\+09:00$/);
    assert.equal(started.config.exportFrom, "2020-12-31T06:03:00+09:00");
    const job = await until("COMPLETED", 30_000, async () => {
      const j = (await call(t, "GET", "/rest/datapipeline/1.0/export")).json<Json>();
      return j.status === "COMPLETED" ? j : undefined;
    });
    assertJob(job, { jobId: 1, status: "COMPLETED" });
    assert.match(job.completedTime, /\+09:00$/);
    const stamp = String(job.startTime).slice(0, 23).replace(/:/g, "-").replace(".", "-");
    for (const f of job.files as Json[]) assert.equal(f.name, `${f.entity}_job1_${stamp}+09.csv`);
    const history = (await call(t, "GET", "/rest/datapipeline/latest/history")).json<Json>();
    assert.equal(history.size, 1);
  });
});

