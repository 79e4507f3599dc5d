/**
 * Benchmark: user SQL through the API (`POST /wiki/rest/sql/v1/query` of a real server, `sluice start`
 * in a child process) against the same statement run directly on the store, on SQLite and PostgreSQL.
 * Data: a Confluence site of 5,000,000 pages (~500 B of content each) over 20 Zipf-skewed spaces from
 * the demo generator (SQLite cached in .bench-cache/; PostgreSQL generated into a throwaway cluster,
 * or a database kept from an earlier run). Measured, each on both stores:
 *
 * 1. `GROUP BY` over every page: through the API as a sysadmin against the store itself (SQLite:
 *    better-sqlite3 on the store file with the site's unscoped temp views; PostgreSQL: a superuser
 *    client on the site's schema of views) — target: within 1.3×;
 * 2. the same through the API as a person granted BROWSE on half the spaces (every other space by
 *    size) against the sysadmin — target: within 1.3× (permissions must not cost a scan);
 * 3. 1,000,000 rows as CSV through the API against `sqlite3 -csv` / `psql \copy … TO STDOUT CSV` of
 *    the same statement, both read to the end by this process — target: ≥ 0.7× the throughput;
 *    and the server's peak RSS (VmHWM, reset before each request) under 300 MB.
 *
 *   npm run build && node dist/bench/sql.js [--pages N] [--spaces N] [--content BYTES] [--csv-rows N] [--runs N]
 *   … --store sqlite|postgres    one store only (default: both)
 *   … --keep                     keep the PostgreSQL database (SLUICE_BENCH_PG_URL's server only) and print its URL
 *   … --pg-url URL               use a database generated earlier with --keep (no generation)
 *   … --explain                  also print the plans — EXPLAIN QUERY PLAN of the direct and the scoped
 *                                views (SQLite), EXPLAIN ANALYZE as superuser and as the reader roles
 *                                (PostgreSQL) — and what the pieces cost alone (a full scan, a serial or
 *                                cursor-read GROUP BY, the rows into JavaScript without rendering, COPY)
 *   node --cpu-prof dist/bench/sql.js …   Node flags apply to the server too (profiles in the cwd)
 *
 * Runs alternate the sides; medians of per-run ratios are printed with PASS/FAIL. Results and what
 * the diagnostics said: docs/benchmarks.md, "SQL through the API".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { hashToken, issueToken } from "../src/access/tokens.js";
import { createContext } from "../src/app/context.js";
import { loadConfig, sqlitePath, type Config } from "../src/config.js";
import { entity, storedColumns, tableName } from "../src/core/entities/registry.js";
import { siteBaseUrl } from "../src/export/export-paths.js";
import { createLogger } from "../src/logger.js";
import { siteSchema, viewerRole } from "../src/store/postgres/sql-access.js";
import { siteViews } from "../src/store/sqlite/sql-views.js";
import type { Site } from "../src/store/port.js";
import { startPostgres, withClient } from "../test/support/postgres.js";
import { freePort } from "../test/support/server.js";
import { benchConfig, generateConfluence, numberArg } from "./support/confluence-export.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin", "sluice.js");
const PAGES = numberArg("pages", 5_000_000);
const SPACES = numberArg("spaces", 20);
const CONTENT = numberArg("content", 500);
const CSV_ROWS = numberArg("csv-rows", 1_000_000);
const RUNS = numberArg("runs", 3);
const textArg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const STORES = (textArg("store") ?? "sqlite,postgres").split(",") as StoreKind[];
const EXPLAIN = process.argv.includes("--explain");
const HOME = join(ROOT, ".bench-cache", `sql-${PAGES}-${SPACES}-${CONTENT}`);
const PSQL = existsSync("/usr/lib/postgresql/15/bin/psql") ? "/usr/lib/postgresql/15/bin/psql" : "psql";

const ADMIN_TOKEN = "bench-sql-admin-token-0123456789abcdef";
const READER = "bench-reader";
const READER_TOKEN = "bench-sql-reader-token-0123456789abcdef";

const GROUP_BY = "SELECT space_key, count(*) AS pages, max(updated_date) AS last_updated FROM pages GROUP BY space_key";
const CSV_SQL = `SELECT page_id, space_key, page_title, created_date FROM pages LIMIT ${CSV_ROWS}`;
/** The server's limits: one statement may run 10 minutes and return all the rows asked for. */
const SERVER_CONFIG = { sql: { api: { timeoutMs: 600_000, maxRows: Math.max(CSV_ROWS, 1_000_000) } } };

type StoreKind = "sqlite" | "postgres";

function config(kind: StoreKind, home: string, url?: string): Config {
  if (kind === "sqlite") return benchConfig(home);
  return loadConfig({
    env: {},
    cwd: home,
    overrides: { home, baseUrl: "http://localhost:8080", logLevel: "warn", store: { kind: "postgres", url: url! }, demo: { enabled: false }, export: { minimumUsableDiskSpaceAfterExport: 0 } },
  });
}

// ---------------------------------------------------------------------------------------------
// Data

/** The Confluence site `/wiki`: PAGES pages of CONTENT bytes over SPACES spaces, no comments. */
async function generate(cfg: Config): Promise<void> {
  await generateConfluence(cfg, PAGES, 0, { spaces: SPACES, contentBytes: CONTENT, analyticsEvents: 0 });
}

/** Pages per space (scope), biggest first, read from the store table itself. */
async function spaceSizes(kind: StoreKind, cfg: Config, siteId: number): Promise<[string, number][]> {
  const table = tableName(entity("confluence", "pages"));
  const sql = `SELECT scope_key, count(*) AS n FROM ${table} WHERE site_id = ${siteId} GROUP BY scope_key ORDER BY n DESC, scope_key`;
  if (kind === "sqlite") {
    const db = new Database(sqlitePath(cfg), { readonly: true });
    try {
      return (db.prepare(sql).raw().all() as [string, number][]).map(([k, n]) => [k, Number(n)]);
    } finally {
      db.close();
    }
  }
  return withClient(pgUrl(cfg), async (c) => (await c.query<{ scope_key: string; n: string }>(sql)).rows.map((r) => [r.scope_key, Number(r.n)] as [string, number]));
}

/**
 * The reader: a site user granted BROWSE on every other space by size (the biggest, the third, …),
 * with a token. Idempotent: the cached store keeps them between runs.
 */
async function prepareReader(kind: StoreKind, cfg: Config): Promise<{ site: Site; granted: string[]; visible: number; total: number }> {
  const ctx = await createContext(cfg, { logger: createLogger("warn") });
  try {
    const site = (await ctx.store.sites.byKey("wiki"))!;
    const users = entity("confluence", "users");
    const row: Record<string, string> = { user_id: "bench-reader-id", user_name: READER, user_fullname: "Bench Reader", user_email: "reader@example.com" };
    await ctx.store.data.upsert(site.id, users, [storedColumns(users).map((c) => row[c.name] ?? null)]);
    const sizes = await spaceSizes(kind, cfg, site.id);
    const granted = sizes.filter((_, i) => i % 2 === 0);
    for (const [key] of granted) await ctx.access.grant(site, `SPACE:${key}`, { type: "user", name: READER });
    if (!(await ctx.store.accounts.findToken(hashToken(READER_TOKEN)))) {
      await issueToken(ctx.store, { username: READER, sysadmin: false, name: "bench", token: READER_TOKEN });
    }
    return {
      site,
      granted: granted.map(([k]) => k),
      visible: granted.reduce((n, [, c]) => n + c, 0),
      total: sizes.reduce((n, [, c]) => n + c, 0),
    };
  } finally {
    await ctx.close();
  }
}

function pgUrl(cfg: Config): string {
  if (cfg.store.kind !== "postgres") throw new Error("not a PostgreSQL config");
  return cfg.store.url;
}

/** A fresh database on SLUICE_BENCH_PG_URL's server, or a throwaway cluster. */
async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = process.env.SLUICE_BENCH_PG_URL;
  if (!server) return startPostgres();
  const name = `sluice_bench_${randomBytes(6).toString("hex")}`;
  await withClient(server, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), stop: () => withClient(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

// ---------------------------------------------------------------------------------------------
// The server

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(kind: StoreKind, home: string, url?: string): Promise<Server> {
  const port = await freePort();
  const configFile = join(home, "bench-sql.config.json");
  writeFileSync(configFile, JSON.stringify(SERVER_CONFIG));
  // Node flags (--cpu-prof, --max-old-space-size) apply to the server too.
  const child = spawn(process.execPath, [...process.execArgv, BIN, "start", "--port", String(port)], {
    cwd: home,
    env: {
      PATH: process.env.PATH,
      SLUICE_HOME: home,
      SLUICE_CONFIG: configFile,
      SLUICE_BASE_URL: "http://localhost:8080",
      SLUICE_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      SLUICE_DEMO: "false",
      SLUICE_LOG_LEVEL: "warn",
      SLUICE_MIN_DISK_SPACE: "0",
      ...(kind === "postgres" ? { SLUICE_DATABASE_URL: url } : {}),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (await fetch(`${base}/ping`).then((r) => r.ok, () => false)) return { child, base };
    await sleep(100);
  }
  throw new Error("the server did not start within 120 s");
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.kill("SIGTERM");
  await exited;
}

/** Resets the process's peak RSS (VmHWM) to its current RSS. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** The process's peak RSS since the last reset, in MB. */
function peakMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Timed {
  seconds: number;
  bytes: number;
  /** Lines of the answer (CSV: the header and one per row). */
  lines: number;
  /** The JSON answer's rows, for a GROUP BY. */
  rows?: unknown[][];
  rssMb?: number;
}

/** Counts LF bytes. */
function lineFeeds(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One statement through the API, read to its end; the server's peak RSS during it. */
async function api(server: Server, token: string, body: Record<string, unknown>): Promise<Timed> {
  const payload = JSON.stringify(body);
  const pid = server.child.pid!;
  resetPeak(pid);
  const t0 = process.hrtime.bigint();
  const answer = await new Promise<{ status: number; bytes: number; lines: number; text: string }>((resolve_, reject) => {
    const req = httpRequest(
      `${server.base}/wiki/rest/sql/v1/query`,
      { method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (res) => {
        let bytes = 0;
        let lines = 0;
        const keep: Buffer[] = [];
        res.on("data", (d: Buffer) => {
          bytes += d.length;
          lines += lineFeeds(d);
          if (body.format !== "csv" || keep.length === 0) keep.push(d);
        });
        res.on("end", () => resolve_({ status: res.statusCode ?? 0, bytes, lines, text: Buffer.concat(keep).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssMb = peakMb(pid);
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 500)}`);
  const rows = body.format === "csv" ? undefined : (JSON.parse(answer.text) as { rows: unknown[][] }).rows;
  return { seconds, bytes: answer.bytes, lines: answer.lines, rssMb, ...(rows ? { rows } : {}) };
}

/** A command's stdout read to its end by this process (as the API's answer is). */
async function command(file: string, args: string[], input: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  const t0 = process.hrtime.bigint();
  const child = spawn(file, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "inherit"], env });
  let bytes = 0;
  let lines = 0;
  child.stdout!.on("data", (d: Buffer) => {
    bytes += d.length;
    lines += lineFeeds(d);
  });
  if (input !== undefined) child.stdin!.end(input);
  const code = await new Promise<number | null>((r) => child.on("close", r));
  if (code !== 0) throw new Error(`${file} exited with ${code}`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes, lines };
}

/** How each store runs a statement directly, and prints its plans. */
interface Direct {
  groupBy(): Promise<Timed>;
  csv(): Promise<Timed>;
  /** The reference command, for the docs. */
  csvCommand: string;
  explain(granted: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

function sqliteDirect(file: string, site: Site, cfg: Config): Direct {
  const sqlSite = { siteId: site.id, siteKey: site.key, product: site.product, instanceUrl: siteBaseUrl(cfg, site) };
  const views = siteViews(sqlSite, false).map((v) => `${v.ddl};`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  for (const ddl of views) db.exec(ddl);
  const groupBy = db.prepare(GROUP_BY).raw(true);
  const script = `${views.join("\n")}\n${CSV_SQL};\n`;
  return {
    async groupBy() {
      const t0 = process.hrtime.bigint();
      const rows = groupBy.all() as unknown[][];
      return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: 0, lines: 0, rows };
    },
    csv: () => command("sqlite3", ["-readonly", "-csv", "-header", file], script),
    csvCommand: `sqlite3 -readonly -csv -header ${file} < (the CREATE TEMP VIEW statements of siteViews(site, false); ${CSV_SQL};)`,
    async explain(granted) {
      const plan = (d: Database.Database, sql: string) =>
        (d.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { id: number; parent: number; detail: string }[]).map((r) => `  ${r.parent}/${r.id} ${r.detail}`).join("\n");
      const seconds = (work: () => unknown) => {
        const t0 = process.hrtime.bigint();
        work();
        return `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`;
      };
      // The scoped views as the SQL thread builds them (sql-worker.ts), filled for the reader.
      const scoped = new Database(file, { readonly: true, fileMustExist: true });
      try {
        scoped.exec("CREATE TABLE temp.sluice_viewer (all_rows INTEGER NOT NULL); CREATE TABLE temp.sluice_viewer_scopes (scope_key TEXT PRIMARY KEY) WITHOUT ROWID");
        scoped.prepare("INSERT INTO temp.sluice_viewer VALUES (0)").run();
        for (const key of granted) scoped.prepare("INSERT INTO temp.sluice_viewer_scopes VALUES (?)").run(key);
        for (const v of siteViews(sqlSite, true)) scoped.exec(v.ddl);
        const table = tableName(entity("confluence", "pages"));
        const aggregate = (hint: string) => `SELECT space_key, count(*), max(updated_date) FROM main.${table} ${hint} WHERE site_id = ${site.id} GROUP BY space_key`;
        const rowsIntoJs = () => {
          for (const row of db.prepare(CSV_SQL).raw(true).iterate()) void row;
        };
        return [
          `SQLite, direct (unscoped views):\n${plan(db, GROUP_BY)}`,
          `SQLite, scoped views for the reader:\n${plan(scoped, GROUP_BY)}`,
          `SQLite, CSV statement, direct:\n${plan(db, CSV_SQL)}`,
          `SQLite, in this process: the GROUP BY on the reader's scoped views ${seconds(() => scoped.prepare(GROUP_BY).all())}; ` +
            `on the store table as the views plan it ${seconds(() => db.prepare(aggregate("")).all())}, NOT INDEXED (a full scan) ${seconds(() => db.prepare(aggregate("NOT INDEXED")).all())}; ` +
            `the CSV statement's rows into JavaScript (better-sqlite3 iterate, no rendering: the SQL thread's floor) ${seconds(rowsIntoJs)}`,
        ].join("\n");
      } finally {
        scoped.close();
      }
    },
    async close() {
      db.close();
    },
  };
}

async function postgresDirect(url: string, site: Site): Promise<Direct> {
  const schema = siteSchema(site.key);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path = ${schema}`);
  const env = { ...process.env, PGOPTIONS: `-c search_path=${schema}` };
  const copy = `\\copy (${CSV_SQL}) TO STDOUT CSV HEADER`;
  return {
    async groupBy() {
      const t0 = process.hrtime.bigint();
      const r = await client.query({ text: GROUP_BY, rowMode: "array" });
      return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: 0, lines: 0, rows: r.rows as unknown[][] };
    },
    csv: () => command(PSQL, [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", copy], undefined, env),
    csvCommand: `PGOPTIONS='-c search_path=${schema}' ${PSQL} "$URL" -X -q -c "${copy}"`,
    async explain() {
      const database = (await client.query<{ d: string }>("SELECT current_database() AS d")).rows[0]!.d;
      const analyze = async (label: string, role: string | undefined, sql: string) => {
        await client.query("BEGIN");
        try {
          if (role) await client.query(`SET LOCAL ROLE ${role}`);
          const r = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
          return `${label}:\n${r.rows.map((x) => `  ${x["QUERY PLAN"]}`).join("\n")}`;
        } finally {
          await client.query("ROLLBACK");
        }
      };
      /** Seconds of the GROUP BY as superuser under `settings`, read whole or through a cursor as the API reads. */
      const timed = async (settings: string[], cursor: boolean) => {
        await client.query("BEGIN");
        try {
          for (const s of settings) await client.query(s);
          const t0 = process.hrtime.bigint();
          if (cursor) {
            await client.query(`DECLARE c NO SCROLL CURSOR FOR ${GROUP_BY}`);
            while ((await client.query("FETCH 1000 FROM c")).rows.length === 1000);
          } else await client.query(GROUP_BY);
          return `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`;
        } finally {
          await client.query("ROLLBACK");
        }
      };
      /** Seconds of the CSV statement read as the API reads it (cursor, FETCH 1000, rows into JavaScript) and by COPY. */
      const cursorRows = async () => {
        await client.query("BEGIN");
        try {
          const t0 = process.hrtime.bigint();
          await client.query(`DECLARE c NO SCROLL CURSOR FOR ${CSV_SQL}`);
          // Dates as text, as the API's own parsers keep them (store/postgres/sql.ts).
          const types = { getTypeParser: (oid: number) => ([1082, 1114, 1184].includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid)) };
          while ((await client.query({ text: "FETCH 1000 FROM c", rowMode: "array", types })).rows.length === 1000);
          return `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`;
        } finally {
          await client.query("ROLLBACK");
        }
      };
      const copyCsv = async () => {
        const t0 = process.hrtime.bigint();
        await new Promise<void>((resolve_, reject) => {
          const stream = client.query(copyTo(`COPY (${CSV_SQL}) TO STDOUT (FORMAT csv, HEADER)`));
          stream.on("data", () => undefined);
          stream.on("end", () => resolve_());
          stream.on("error", reject);
        });
        return `${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s`;
      };
      const parallel = await client.query<{ proname: string; proparallel: string }>(
        "SELECT proname, proparallel FROM pg_proc WHERE pronamespace = 'sluice_sql'::regnamespace ORDER BY proname",
      );
      return [
        `PostgreSQL, the GROUP BY as superuser: as is ${await timed([], false)}; max_parallel_workers_per_gather = 0 ${await timed(["SET LOCAL max_parallel_workers_per_gather = 0"], false)}; ` +
          `through a cursor (DECLARE, FETCH 1000) ${await timed([], true)}; jit = off ${await timed(["SET LOCAL jit = off"], false)}; ` +
          `serial, jit = off ${await timed(["SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL jit = off"], false)}`,
        `PostgreSQL, the CSV statement as superuser: through a cursor (FETCH 1000, rows into JavaScript, no rendering: the API's floor) ${await cursorRows()}; COPY (…) TO STDOUT CSV (pg-copy-streams) ${await copyCsv()}`,
        `PostgreSQL, parallel safety of the row-level security functions (u = unsafe): ${parallel.rows.map((r) => `sluice_sql.${r.proname} ${r.proparallel}`).join(", ")}`,
        await analyze("PostgreSQL, superuser (direct)", undefined, GROUP_BY),
        await analyze("PostgreSQL, the sysadmin's reader role", viewerRole(database, site.id, { all: true }), GROUP_BY),
        await analyze(`PostgreSQL, the reader's role (${READER})`, viewerRole(database, site.id, { all: false, user: READER }), GROUP_BY),
        await analyze("PostgreSQL, CSV statement, the sysadmin's reader role", viewerRole(database, site.id, { all: true }), CSV_SQL),
      ].join("\n");
    },
    async close() {
      await client.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One store

interface Run {
  adminApi: Timed;
  readerApi: Timed;
  direct: Timed;
  csvApi: Timed;
  csvRef: Timed;
}

interface StoreResult {
  kind: StoreKind;
  runs: Run[];
  granted: string[];
  visible: number;
  total: number;
  idleRssMb: number;
  csvCommand: string;
  explain?: string;
}

/** The same rows in any order (dates compared as instants: the pg driver gives `Date`s, the API ISO text). */
const sameRows = (a: unknown[][], b: unknown[][]) => {
  const value = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : String(v));
  const norm = (rows: unknown[][]) => JSON.stringify(rows.map((r) => r.map(value)).sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  return norm(a) === norm(b);
};

async function benchStore(kind: StoreKind, cfg: Config, home: string, url?: string): Promise<StoreResult> {
  const reader = await prepareReader(kind, cfg);
  const server = await startServer(kind, home, url);
  let direct: Direct | undefined;
  try {
    const pid = server.child.pid!;
    const groupBy = { sql: GROUP_BY, format: "json" };
    const csv = { sql: CSV_SQL, format: "csv", maxRows: CSV_ROWS };
    // Warm up: the SQL threads or connections, the views and roles, the page cache.
    process.stderr.write(`${kind}: warming up\n`);
    const idleRssMb = peakMb(pid);
    await api(server, ADMIN_TOKEN, groupBy);
    await api(server, READER_TOKEN, groupBy);
    direct = kind === "sqlite" ? sqliteDirect(sqlitePath(cfg), reader.site, cfg) : await postgresDirect(url!, reader.site);
    await direct.groupBy();
    await api(server, ADMIN_TOKEN, { ...csv, sql: CSV_SQL.replace(/LIMIT \d+/, "LIMIT 1000") });
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which side goes first.
      const first = i % 2 === 0;
      const adminApi = first ? await api(server, ADMIN_TOKEN, groupBy) : undefined;
      const directRun = await direct.groupBy();
      const adminApi2 = adminApi ?? (await api(server, ADMIN_TOKEN, groupBy));
      const readerApi = await api(server, READER_TOKEN, groupBy);
      const csvApi = first ? await api(server, ADMIN_TOKEN, csv) : undefined;
      const csvRef = await direct.csv();
      const csvApi2 = csvApi ?? (await api(server, ADMIN_TOKEN, csv));
      if (!sameRows(adminApi2.rows!, directRun.rows!)) throw new Error(`${kind}: the API's GROUP BY differs from the store's: ${JSON.stringify(adminApi2.rows)} vs ${JSON.stringify(directRun.rows)}`);
      const readerRows = readerApi.rows!.reduce((n, r) => n + Number(r[1]), 0);
      if (readerRows !== reader.visible) throw new Error(`${kind}: the reader counted ${readerRows} pages, expected ${reader.visible}`);
      if (csvApi2.lines !== CSV_ROWS + 1 || csvRef.lines !== CSV_ROWS + 1) throw new Error(`${kind}: CSV lines API ${csvApi2.lines}, reference ${csvRef.lines}, expected ${CSV_ROWS + 1}`);
      const run = { adminApi: adminApi2, readerApi, direct: directRun, csvApi: csvApi2, csvRef };
      runs.push(run);
      process.stderr.write(
        `${kind} run ${i + 1}: GROUP BY API ${run.adminApi.seconds.toFixed(2)} s / direct ${run.direct.seconds.toFixed(2)} s / reader ${run.readerApi.seconds.toFixed(2)} s; ` +
          `CSV API ${run.csvApi.seconds.toFixed(2)} s / reference ${run.csvRef.seconds.toFixed(2)} s; peak RSS ${Math.max(run.adminApi.rssMb!, run.readerApi.rssMb!, run.csvApi.rssMb!).toFixed(0)} MB\n`,
      );
    }
    const explain = EXPLAIN ? await direct.explain(reader.granted) : undefined;
    return { kind, runs, granted: reader.granted, visible: reader.visible, total: reader.total, idleRssMb, csvCommand: direct.csvCommand, ...(explain ? { explain } : {}) };
  } finally {
    await direct?.close();
    await stopServer(server);
  }
}

async function benchSqlite(): Promise<StoreResult> {
  const cfg = config("sqlite", HOME);
  const marker = join(HOME, "generated.json");
  if (!existsSync(marker)) {
    rmSync(HOME, { recursive: true, force: true });
    mkdirSync(HOME, { recursive: true });
    await generate(cfg);
    writeFileSync(marker, JSON.stringify({ pages: PAGES, spaces: SPACES, content: CONTENT }));
  }
  return benchStore("sqlite", cfg, HOME);
}

async function benchPostgres(): Promise<StoreResult> {
  const reuse = textArg("pg-url");
  const keep = process.argv.includes("--keep");
  const db = reuse ? { url: reuse, stop: async () => undefined } : await database();
  const home = mkdtempSync(join(tmpdir(), "sluice-bench-sql-pg-"));
  try {
    const cfg = config("postgres", home, db.url);
    if (!reuse) {
      await generate(cfg);
      // Fresh statistics and visibility map, as a production database would have.
      await withClient(db.url, (c) => c.query("VACUUM ANALYZE"));
    }
    return await benchStore("postgres", cfg, home, db.url);
  } finally {
    rmSync(home, { recursive: true, force: true });
    if (keep && !reuse) process.stderr.write(`kept the database: --pg-url ${db.url}\n`);
    else await db.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");

function report(results: readonly StoreResult[], loadBefore: string): void {
  const w = (line = "") => process.stdout.write(`${line}\n`);
  const n = (x: number) => Math.round(x).toLocaleString("en");
  w();
  w(`SQL through the API against the store itself: Confluence site, ${PAGES.toLocaleString("en")} pages (~${CONTENT} B content) over ${SPACES} spaces; ${RUNS} runs; load average ${loadBefore} before, ${load()} after`);
  for (const r of results) {
    w();
    w(`${r.kind}: the reader may browse ${r.granted.length} of ${SPACES} spaces, ${r.visible.toLocaleString("en")} of ${r.total.toLocaleString("en")} pages (${((100 * r.visible) / r.total).toFixed(0)} %); server RSS idle ${r.idleRssMb.toFixed(0)} MB`);
    w();
    w(`| run | GROUP BY API s | direct s | API / direct | reader API s | reader / sysadmin | CSV API s | CSV API rows/s | reference s | reference rows/s | API / reference (rows/s) | server peak RSS |`);
    w(`|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
    r.runs.forEach((x, i) => {
      const peak = Math.max(x.adminApi.rssMb!, x.readerApi.rssMb!, x.csvApi.rssMb!);
      w(
        `| ${i + 1} | ${x.adminApi.seconds.toFixed(2)} | ${x.direct.seconds.toFixed(2)} | ${(x.adminApi.seconds / x.direct.seconds).toFixed(2)}× | ${x.readerApi.seconds.toFixed(2)} | ${(x.readerApi.seconds / x.adminApi.seconds).toFixed(2)}× | ` +
          `${x.csvApi.seconds.toFixed(2)} | ${n(CSV_ROWS / x.csvApi.seconds)} | ${x.csvRef.seconds.toFixed(2)} | ${n(CSV_ROWS / x.csvRef.seconds)} | ${(x.csvRef.seconds / x.csvApi.seconds).toFixed(2)}× | ${peak.toFixed(0)} MB |`,
      );
    });
  }
  w();
  w(`Medians (ratios: the median of the runs' ratios):`);
  w();
  w(`| store | measurement | API (median s) | reference (median s) | ratio | target | result |`);
  w(`|---|---|---:|---:|---:|---|---|`);
  for (const r of results) {
    const med = (f: (x: Run) => number) => median(r.runs.map(f));
    const verdict = (ok: boolean) => (ok ? "PASS" : "**FAIL**");
    const g = med((x) => x.adminApi.seconds / x.direct.seconds);
    const p = med((x) => x.readerApi.seconds / x.adminApi.seconds);
    const c = med((x) => x.csvRef.seconds / x.csvApi.seconds);
    const rss = Math.max(...r.runs.map((x) => Math.max(x.adminApi.rssMb!, x.readerApi.rssMb!, x.csvApi.rssMb!)));
    const ref = r.kind === "sqlite" ? "sqlite3 -csv" : "psql \\copy";
    w(`| ${r.kind} | GROUP BY, sysadmin / direct on the store | ${med((x) => x.adminApi.seconds).toFixed(2)} | ${med((x) => x.direct.seconds).toFixed(2)} | ${g.toFixed(2)}× | ≤ 1.3× | ${verdict(g <= 1.3)} |`);
    w(`| ${r.kind} | GROUP BY, reader (half the spaces) / sysadmin | ${med((x) => x.readerApi.seconds).toFixed(2)} | ${med((x) => x.adminApi.seconds).toFixed(2)} | ${p.toFixed(2)}× | ≤ 1.3× | ${verdict(p <= 1.3)} |`);
    w(`| ${r.kind} | ${CSV_ROWS.toLocaleString("en")} rows as CSV, rows/s API / ${ref} | ${med((x) => x.csvApi.seconds).toFixed(2)} | ${med((x) => x.csvRef.seconds).toFixed(2)} | ${c.toFixed(2)}× | ≥ 0.7× | ${verdict(c >= 0.7)} |`);
    w(`| ${r.kind} | server peak RSS (max over the requests) | ${rss.toFixed(0)} MB | – | – | < 300 MB | ${verdict(rss < 300)} |`);
  }
  w();
  w(`GROUP BY: ${GROUP_BY}`);
  w(`CSV:      ${CSV_SQL}`);
  for (const r of results) w(`${r.kind} reference: ${r.csvCommand}`);
  for (const r of results) if (r.explain) w(`\n${r.explain}`);
}

async function main(): Promise<void> {
  const loadBefore = load();
  const results: StoreResult[] = [];
  if (STORES.includes("sqlite")) results.push(await benchSqlite());
  if (STORES.includes("postgres")) results.push(await benchPostgres());
  agent.destroy();
  report(results, loadBefore);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
