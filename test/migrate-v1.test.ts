/**
 * Stores written by version 1 (an export-only `jobs` table; sync runs, the export schedule and the source
 * in the settings bag) open on the job runner's tables with nothing lost, on SQLite and PostgreSQL:
 * export jobs keep their numbers and read the same through the Data pipeline API, the next export takes
 * the next number, sync runs become sync jobs in the sync history, the export schedule answers
 * `config/schedule` as before and fires from the schedules table, the source gets its sync schedule,
 * and the moved settings are gone.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { createContext, type AppContext } from "../src/app/context.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { issueToken } from "../src/access/tokens.js";
import { buildApp } from "../src/server/app.js";
import { migrate as migrateSqlite } from "../src/store/sqlite/schema.js";
import { migrate as migratePostgres } from "../src/store/postgres/schema.js";
import { emptyPostgresDatabase, STORE_KINDS, type StoreKind } from "./support/stores.js";
import type { FastifyInstance } from "fastify";

const T = Date.UTC(2026, 0, 10, 9, 0, 0);
const SCHEDULE = {
  schedule: { days: ["mon", "thu"], repeatIntervalInWeeks: 1, time: "02:30:00", fromDate: "2025-01-01T00:00Z", schemaVersion: 1, zoneId: "Europe/Paris", anchorWeek: Date.UTC(2026, 0, 4, 23, 0, 0) },
  nextRunAt: Date.UTC(2026, 0, 12, 1, 30, 0),
};
const RUNS = [
  { id: "r2", kind: "confluence-cloud", status: "FAILED", mode: "incremental", startedAt: "2026-01-09T10:00:00.000Z", finishedAt: "2026-01-09T10:00:05.000Z", heartbeatAt: T, host: "old-host", pid: 11, counts: { pages: 2 }, deleted: {}, streams: [], requests: 4, retries: 1, error: { message: "reading pages: /wiki/api/v2/pages answered 500", entity: "pages", path: "/wiki/api/v2/pages" } },
  { id: "r1", kind: "confluence-cloud", status: "SUCCEEDED", mode: "full", startedAt: "2026-01-08T10:00:00.000Z", finishedAt: "2026-01-08T10:01:00.000Z", heartbeatAt: T, host: "old-host", pid: 10, counts: { pages: 7, spaces: 2 }, deleted: {}, streams: [], requests: 9, retries: 0 },
];
const SOURCE = { kind: "confluence-cloud", url: "https://acme.atlassian.net/wiki", email: "a@acme.com", tokenEnv: "SLUICE_SECRET_ACME", intervalMinutes: 30 };

/** Version 1 rows: two export jobs of /wiki, the settings that moved out. */
function v1Rows(siteId: number): { jobs: unknown[][]; settings: [string, unknown][] } {
  const job = (id: number, status: string, extra: Record<string, unknown>) => [
    siteId, id, status, "api", T + id * 1000, T + id * 1000 + 500, status === "CANCELLED" ? T + id * 1000 + 500 : null, "old-node", `old-node:1:${id}`, 1, 1,
    Date.UTC(2025, 0, 1), 0, "/srv/exports/data-pipeline/export", JSON.stringify([]), JSON.stringify([]), JSON.stringify(extra.errors ?? []),
    extra.statistics ? JSON.stringify(extra.statistics) : null, null, extra.files ? JSON.stringify(extra.files) : null, T + id * 1000 + 20_000,
  ];
  return {
    jobs: [
      job(1, "COMPLETED", { statistics: { exportedEntities: 5, writtenRows: 9 }, files: [{ name: "pages_job1_x.csv", entity: "pages", rows: 5, bytes: 99, sha256: "ab" }] }),
      job(2, "FAILED", { errors: [{ key: "export.node.lost", message: "Node old-node stopped renewing the export's lease" }], statistics: { exportedEntities: 0, writtenRows: 3 } }),
    ],
    settings: [
      ["sync.runs", RUNS],
      ["sync.current", RUNS[0]],
      ["sync.state", { firstSyncAt: "2026-01-08T10:01:00.000Z", lastSuccessAt: "2026-01-08T10:01:00.000Z" }],
      ["schedule", SCHEDULE],
      ["source", SOURCE],
      ["exportPath", "/srv/exports"],
    ],
  };
}

const JOB_COLUMNS =
  "site_id, job_id, status, trigger, start_time, completed_time, cancelled_time, node_id, instance_id, pid, schema_version, export_from, forced, root_export_path, opted_out, warnings, errors, statistics, progress, files, lease_expires_at";

/** A store as version 1 left it; returns the config that opens it. */
async function v1Store(kind: StoreKind, home: string): Promise<{ overrides: Record<string, unknown>; drop?: () => Promise<void> }> {
  if (kind === "sqlite") {
    const file = join(home, "sluice.db");
    const db = new Database(file);
    migrateSqlite(db, 1);
    db.prepare("INSERT INTO organisations VALUES ('o', 'O')").run();
    db.prepare("INSERT INTO sites (org_id, cloud_id, product, site_key, context_path, base_url, plan, region, state, created_at) VALUES ('o', 'c1', 'confluence', 'wiki', '/wiki', '', 'standard', 'local', 'ready', 1)").run();
    const rows = v1Rows(1);
    for (const j of rows.jobs) db.prepare(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_COLUMNS.split(",").map(() => "?").join(", ")})`).run(...j);
    for (const [k, v] of rows.settings) db.prepare("INSERT INTO settings VALUES (1, ?, ?)").run(k, JSON.stringify(v));
    db.close();
    return { overrides: { store: { kind: "sqlite", path: file } } };
  }
  const pgdb = await emptyPostgresDatabase();
  const client = new pg.Client({ connectionString: pgdb.url });
  await client.connect();
  try {
    await migratePostgres(client, 2);
    await client.query("INSERT INTO organisations VALUES ('o', 'O')");
    const site = await client.query<{ id: string }>(
      "INSERT INTO sites (org_id, cloud_id, product, site_key, context_path, base_url, plan, region, state, created_at) VALUES ('o', 'c1', 'confluence', 'wiki', '/wiki', '', 'standard', 'local', 'ready', 1) RETURNING id",
    );
    const rows = v1Rows(Number(site.rows[0]!.id));
    for (const j of rows.jobs) {
      const values = [...j];
      values[12] = values[12] === 1;
      await client.query(`INSERT INTO jobs (${JOB_COLUMNS.replace("trigger", '"trigger"')}) VALUES (${JOB_COLUMNS.split(",").map((_, i) => `$${i + 1}`).join(", ")})`, values);
    }
    for (const [k, v] of rows.settings) await client.query("INSERT INTO settings VALUES ($1, $2, $3)", [site.rows[0]!.id, k, JSON.stringify(v)]);
  } finally {
    await client.end();
  }
  return { overrides: { store: { kind: "postgres", url: pgdb.url } }, drop: () => pgdb.drop() };
}

for (const kind of STORE_KINDS) {
  describe(`a version 1 store opens on the job runner's tables (${kind})`, () => {
    let home: string;
    let ctx: AppContext;
    let app: FastifyInstance;
    let auth: { authorization: string };
    let drop: (() => Promise<void>) | undefined;
    const get = async (url: string) => (await app.inject({ method: "GET", url, headers: auth })).json<any>();

    before(async () => {
      home = await mkdtemp(join(tmpdir(), "sluice-v1-"));
      const v1 = await v1Store(kind, home);
      drop = v1.drop;
      const config = loadConfig({ env: {}, cwd: home, overrides: { home, timeZone: "UTC", nodeId: "new-node", demo: { enabled: false }, export: { minimumUsableDiskSpaceAfterExport: 0 }, ...v1.overrides } });
      ctx = await createContext(config, { logger: createLogger("silent") });
      app = await buildApp(ctx);
      await app.ready();
      auth = { authorization: `Bearer ${await issueToken(ctx.store, { username: "admin", sysadmin: true, name: "t" })}` };
    });
    after(async () => {
      await app.close();
      await ctx.close();
      await drop?.();
      await rm(home, { recursive: true, force: true });
    });

    it("export jobs keep their numbers, fields and API answers; the next export takes the next number", async () => {
      const history = await get("/wiki/rest/datapipeline/latest/history");
      assert.deepEqual(
        history.values.map((j: any) => [j.jobId, j.status, j.nodeId, j.statistics, j.errors?.[0]?.key ?? null]),
        [
          [2, "FAILED", "old-node", { exportedEntities: 0, writtenRows: 3 }, "export.node.lost"],
          [1, "COMPLETED", "old-node", { exportedEntities: 5, writtenRows: 9 }, null],
        ],
      );
      const first = history.values[1];
      assert.equal(first.startTime, "2026-01-10T09:00:01.000Z");
      assert.deepEqual(first.config, { exportFrom: "2025-01-01T00:00:00Z", forcedExport: false });
      assert.equal(first.rootExportPath, "/srv/exports/data-pipeline/export");
      assert.deepEqual(first.files, [{ name: "pages_job1_x.csv", entity: "pages", rows: 5, bytes: 99, sha256: "ab" }]);
      const site = (await ctx.store.sites.byKey("wiki"))!;
      const next = await ctx.runner.record("export", { siteId: site.id, params: { ...(await ctx.exports.get(site, 1))!, format: "csv" }, trigger: "api" }, "FAILED", []);
      assert.equal(next.seq, 3);
    });

    it("sync runs are sync jobs in the site's history; the last error and first sync are kept", async () => {
      const site = (await ctx.store.sites.byKey("wiki"))!;
      const status = await ctx.syncs.status(site);
      assert.equal(status.running, false);
      assert.deepEqual(
        status.history.map((r) => [r.status, r.mode, r.kind, r.host, r.counts]),
        [
          ["FAILED", "incremental", "confluence-cloud", "old-host", { pages: 2 }],
          ["SUCCEEDED", "full", "confluence-cloud", "old-host", { pages: 7, spaces: 2 }],
        ],
      );
      assert.deepEqual(status.lastError, { message: RUNS[0]!.error!.message, entity: "pages", path: "/wiki/api/v2/pages", at: "2026-01-09T10:00:05.000Z" });
      assert.equal(status.firstSyncAt, "2026-01-08T10:01:00.000Z");
    });

    it("the export schedule answers config/schedule as before, from the schedules table; the source has its sync schedule", async () => {
      const schedule = await get("/wiki/rest/datapipeline/latest/config/schedule");
      assert.deepEqual(schedule, {
        days: ["mon", "thu"],
        repeatIntervalInWeeks: "1",
        time: "02:30:00",
        fromDate: "2025-01-01T00:00Z",
        schemaVersion: "1",
        zoneId: "Europe/Paris",
        nextRunTime: "2026-01-12T02:30:00.000+01:00",
      });
      const site = (await ctx.store.sites.byKey("wiki"))!;
      const rows = await ctx.store.schedules.list({ siteId: site.id });
      assert.deepEqual(rows.map((s) => [s.kind, s.name]).sort(), [["export", "data-pipeline"], ["sync", "source"]]);
      assert.deepEqual(rows.find((s) => s.kind === "sync")!.recurrence.interval, 30);
      assert.deepEqual(rows.find((s) => s.kind === "export")!.recurrence.weekdays, [1, 4]);
      for (const key of ["sync.runs", "sync.current", "schedule"]) assert.equal(await ctx.store.settings.get(site.id, key), undefined, `${key} moved out`);
      assert.equal(await ctx.store.settings.get(site.id, "exportPath"), "/srv/exports", "other settings stay");
    });
  });
}
