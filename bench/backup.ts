/**
 * Benchmark: backup and restore of a site of ~1,000,000 entity rows (issue 16), on SQLite and
 * PostgreSQL, against the stores' own dump tools on the same rows: `sqlite3 .dump <tables>` and its
 * reload into a fresh database (`sqlite3 new.db < dump.sql`), `pg_dump -t <tables>` and its reload with
 * `psql -f` into a fresh database (both with the tables' schema: the reload creates the tables, loads
 * them and builds their indexes afterwards).
 *
 * Data: the Confluence site `/wiki` from the demo generator (seed 1): N pages (default 200,000, ~1,500
 * characters of content), 3N comments, 0.6N analytics events, the attachments' rows (~0.4N; no bytes:
 * the policy leaves attachments out, as rows are what is measured), 40 users, 6 spaces and their access
 * rows — 1,000,000 rows at the default. SQLite: generated once into .bench-cache/ and copied for each
 * run; PostgreSQL: generated into a throwaway cluster (test/support/postgres.ts) at every invocation.
 *
 * Sluice's sides run as the server runs them, each in a fresh child process (its peak RSS is its own):
 * the backup (`BackupService.startBackup`, the `backup` job waited for: a gzip'd NDJSON archive in the
 * built-in storage), then the restore into an empty site of the same organisation
 * (`RestoreService.create`, the CUSTOM_GROUPS consent through `revalidate`, the `restore` job: staged,
 * then promoted in one transaction). The restored rows are counted per entity against the source's.
 *
 *   npm run bench:backup                        (= npm run build && node dist/bench/backup.js: both stores, one run each)
 *   node dist/bench/backup.js [--pages N] [--runs N] [--store sqlite|postgres]
 *   node --cpu-prof dist/bench/backup.js …      Node flags apply to the children too (profiles in the cwd)
 *
 * Each run: the Sluice backup, the Sluice restore (with the SQLite store file watched: the WAL's peak,
 * the file's growth and its free pages afterwards), then the reference, and `sqlite3 .dump | gzip -6` /
 * `pg_dump | gzip -6` for scale (gzip's default level; archives use `backup.compressionLevel`, 1 by default). With --runs N, medians of per-run ratios.
 *
 * Target: peak RSS under 300 MB for the backup and for the restore (exit 1 otherwise). Results:
 * docs/benchmarks.md, "Backup & restore".
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { restorableEntities } from "../src/backup/restore/restore-kind.js";
import { loadConfig, type Config } from "../src/config.js";
import { tableName } from "../src/core/entities/registry.js";
import { startPostgres, withClient } from "../test/support/postgres.js";
import { backupSide, clearSide, restoreSide, type BackupSideRun, type RestoreSideRun } from "./support/backup-run.js";
import { generateConfluence, numberArg } from "./support/confluence-export.js";

type StoreKind = "sqlite" | "postgres";

const ROOT = resolve(import.meta.dirname, "../..");
const PAGES = numberArg("pages", 200_000);
const RUNS = numberArg("runs", 1);
const textArg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const STORES = (textArg("store") ?? "sqlite,postgres").split(",") as StoreKind[];
const CACHE = join(ROOT, ".bench-cache", `backup-${PAGES}`);
const RSS_LIMIT_MB = 300;
const TABLES = restorableEntities("confluence").map(tableName);

/** A newest-version PostgreSQL binary (Debian layout), or the one on PATH. */
function pgBin(name: string): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", name))).sort((a, b) => Number(b) - Number(a)) : [];
  return versions[0] !== undefined ? join(root, versions[0], "bin", name) : name;
}

function config(kind: StoreKind, home: string, url?: string): Config {
  return loadConfig({
    env: {},
    cwd: home,
    overrides: {
      home,
      baseUrl: "http://localhost:8080",
      logLevel: "warn",
      demo: { enabled: false },
      export: { minimumUsableDiskSpaceAfterExport: 0 },
      backup: { cadenceDays: 0 },
      ...(kind === "postgres" ? { store: { kind: "postgres", url: url! } } : {}),
    },
  });
}

/** The site: `/wiki` with PAGES pages, 3× comments, 0.6× analytics events (and what the demo makes with them). */
async function generate(cfg: Config): Promise<Record<string, number>> {
  const { counts } = await generateConfluence(cfg, PAGES, PAGES * 3, { contentBytes: 1_500, analyticsEvents: Math.round(PAGES * 0.6) });
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Sluice's sides, in child processes

async function child<T>(args: string[]): Promise<T> {
  const proc = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => proc.on("exit", r));
  const line = out.split("\n").find((l) => l.startsWith('{"side"'));
  if (code !== 0 || !line) throw new Error(`the child ${args.join(" ")} exited with ${code}:\n${out.slice(-2000)}`);
  return JSON.parse(line) as T;
}

const childArgs = (kind: StoreKind, home: string, url?: string) => ["--store", kind, "--home", home, ...(url ? ["--url", url] : [])];

// ---------------------------------------------------------------------------------------------
// The references

interface Reference {
  dumpSeconds: number;
  /** The same dump piped through `gzip -6` (gzip's default level; archives use `backup.compressionLevel`, 1 by default), for scale: not the reference. */
  dumpGzipSeconds: number;
  reloadSeconds: number;
  dumpBytes: number;
  dumpGzipBytes: number;
  /** Rows of the tables in the reloaded database. */
  rows: number;
  commands: string[];
}

const timed = (work: () => void): number => {
  const t0 = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

function run(file: string, args: string[], options: { stdin?: string; stdout?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const input = options.stdin ? openSync(options.stdin, "r") : "ignore";
  const output = options.stdout ? openSync(options.stdout, "w") : "pipe";
  try {
    const r = spawnSync(file, args, { stdio: [input, output, "pipe"], maxBuffer: 64 * 1024 * 1024, ...(options.env ? { env: options.env } : {}) });
    if (r.status !== 0) throw new Error(`${file} ${args.join(" ").slice(0, 300)} exited with ${r.status}: ${r.stderr?.toString().slice(-2000)}`);
    return r.stdout?.toString() ?? "";
  } finally {
    if (typeof input === "number") closeSync(input);
    if (typeof output === "number") closeSync(output);
  }
}

/** `file args… | gzip -6 > out`, failing when either side fails. */
function dumpGzipped(file: string, args: string[], out: string): number {
  const seconds = timed(() => run("bash", ["-o", "pipefail", "-c", '"$@" | gzip -6 > "$BENCH_OUT"', "bash", file, ...args], { env: { ...process.env, BENCH_OUT: out } }));
  return seconds;
}

const countSql = `SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(" + ")}`;

/** `sqlite3 <db> .dump <tables>` into a file, and that file into a fresh database. */
function sqliteReference(db: string, dir: string): Reference {
  const dump = join(dir, "dump.sql");
  const fresh = join(dir, "reloaded.db");
  const dumpArgs = ["-readonly", db, `.dump ${TABLES.join(" ")}`];
  const dumpSeconds = timed(() => run("sqlite3", dumpArgs, { stdout: dump }));
  const dumpGzipSeconds = dumpGzipped("sqlite3", dumpArgs, `${dump}.gz`);
  const reloadSeconds = timed(() => run("sqlite3", [fresh], { stdin: dump }));
  const rows = Number(run("sqlite3", [fresh, countSql]).trim());
  const out = { dumpSeconds, dumpGzipSeconds, reloadSeconds, dumpBytes: statSync(dump).size, dumpGzipBytes: statSync(`${dump}.gz`).size, rows };
  for (const f of [dump, `${dump}.gz`, fresh]) rmSync(f, { force: true });
  return { ...out, commands: [`sqlite3 -readonly sluice.db '.dump ${TABLES.join(" ")}' > dump.sql`, "sqlite3 reloaded.db < dump.sql"] };
}

/** `pg_dump -t <tables>` (plain SQL, COPY) into a file, and `psql -f` of it into a fresh database. */
async function postgresReference(url: string, dir: string, n: number): Promise<Reference> {
  const dump = join(dir, "dump.sql");
  const name = `sluice_bench_reload_${process.pid}_${n}`;
  const target = new URL(url);
  target.pathname = `/${name}`;
  const dumpArgs = ["--no-owner", "--no-privileges", ...TABLES.flatMap((t) => ["-t", `public.${t}`]), url];
  const dumpSeconds = timed(() => run(pgBin("pg_dump"), dumpArgs, { stdout: dump }));
  const dumpGzipSeconds = dumpGzipped(pgBin("pg_dump"), dumpArgs, `${dump}.gz`);
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
  try {
    const reloadSeconds = timed(() => run(pgBin("psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.toString(), "-f", dump]));
    const rows = Number(run(pgBin("psql"), ["-X", "-qAt", "-d", target.toString(), "-c", countSql]).trim());
    return {
      dumpSeconds,
      dumpGzipSeconds,
      reloadSeconds,
      dumpBytes: statSync(dump).size,
      dumpGzipBytes: statSync(`${dump}.gz`).size,
      rows,
      commands: [`pg_dump --no-owner --no-privileges ${TABLES.map((t) => `-t public.${t}`).join(" ")} "$URL" > dump.sql`, `psql -X -q -v ON_ERROR_STOP=1 -d "$FRESH_DB_URL" -f dump.sql`],
    };
  } finally {
    for (const f of [dump, `${dump}.gz`]) rmSync(f, { force: true });
    await withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** SQLite: the store file's size and free pages, and the largest its WAL grew while `work` ran. */
async function watchSqliteFile<T>(db: string, work: () => Promise<T>): Promise<{ value: T; walPeak: number; growth: number; freeBytes: number }> {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const before = size(db);
  let walPeak = 0;
  const timer = setInterval(() => (walPeak = Math.max(walPeak, size(`${db}-wal`))), 100);
  try {
    const value = await work();
    const [pageSize, free] = run("sqlite3", ["-readonly", db, "PRAGMA page_size; PRAGMA freelist_count;"]).trim().split("\n").map(Number);
    return { value, walPeak, growth: size(db) - before, freeBytes: pageSize! * free! };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

interface RunResult {
  store: StoreKind;
  run: number;
  backup: BackupSideRun;
  restore: RestoreSideRun;
  reference: Reference;
  /** SQLite: during the restore, the WAL's peak, and the store file's growth and free pages afterwards. */
  file?: { walPeak: number; growth: number; freeBytes: number };
}

const n = (x: number) => Math.round(x).toLocaleString("en");
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
const w = (line = "") => process.stdout.write(`${line}\n`);
const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One backup and restore by Sluice, then the reference on the same rows. */
async function once(kind: StoreKind, home: string, url: string | undefined, runNo: number, sourceDb: string): Promise<RunResult> {
  const backup = await child<BackupSideRun>(["--child", "backup", ...childArgs(kind, home, url)]);
  if (backup.status !== "COMPLETED") throw new Error(`the backup ended ${backup.status}: ${JSON.stringify(backup.errors)}`);
  const restoreArgs = ["--child", "restore", "--backup", backup.backupId, "--dest", `copy-${runNo}`, ...childArgs(kind, home, url)];
  let file: RunResult["file"];
  let restore: RestoreSideRun;
  if (kind === "sqlite") {
    const watched = await watchSqliteFile(join(home, "sluice.db"), () => child<RestoreSideRun>(restoreArgs));
    restore = watched.value;
    file = { walPeak: watched.walPeak, growth: watched.growth, freeBytes: watched.freeBytes };
  } else restore = await child<RestoreSideRun>(restoreArgs);
  rmSync(backup.archive, { recursive: true, force: true });
  if (restore.status !== "COMPLETED") throw new Error(`the restore ended ${restore.status}: ${JSON.stringify(restore.errors)}`);
  const differ = Object.keys(restore.source).filter((e) => restore.source[e] !== restore.destination[e]);
  if (differ.length > 0) throw new Error(`the restored site differs from the source: ${differ.map((e) => `${e} ${restore.destination[e]} of ${restore.source[e]}`).join(", ")}`);
  const sourceRows = Object.values(restore.source).reduce((a, b) => a + b, 0);
  if (backup.rows !== sourceRows || restore.rows !== sourceRows) throw new Error(`rows: source ${sourceRows}, backup ${backup.rows}, restore ${restore.rows}`);
  if (kind === "postgres") {
    // The next reference (and run) sees the source site alone; statistics and dead rows cleaned up.
    await child<unknown>(["--child", "clear", "--site", String(restore.destinationSiteId), ...childArgs(kind, home, url)]);
    await withClient(url!, (c) => c.query("VACUUM ANALYZE"));
  }
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-backup-ref-"));
  try {
    const reference = kind === "sqlite" ? sqliteReference(sourceDb, dir) : await postgresReference(url!, dir, runNo);
    if (reference.rows !== sourceRows) throw new Error(`the reference reloaded ${reference.rows} rows, the source has ${sourceRows}`);
    return { store: kind, run: runNo, backup, restore, reference, ...(file ? { file } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchStore(kind: StoreKind): Promise<RunResult[]> {
  const results: RunResult[] = [];
  if (kind === "sqlite") {
    const marker = join(CACHE, "generated.json");
    if (!existsSync(marker)) {
      rmSync(CACHE, { recursive: true, force: true });
      mkdirSync(CACHE, { recursive: true });
      writeFileSync(marker, JSON.stringify(await generate(config("sqlite", CACHE))));
    }
    for (let i = 1; i <= RUNS; i++) {
      // Each run on a fresh copy: the cached store keeps the source site alone.
      const home = join(ROOT, ".bench-cache", `backup-work-${process.pid}`);
      rmSync(home, { recursive: true, force: true });
      cpSync(CACHE, home, { recursive: true });
      try {
        results.push(await once("sqlite", home, undefined, i, join(CACHE, "sluice.db")));
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
      printRun(results.at(-1)!);
    }
    return results;
  }
  const db = await startPostgres();
  const home = mkdtempSync(join(tmpdir(), "sluice-bench-backup-pg-"));
  try {
    const t0 = Date.now();
    await generate(config("postgres", home, db.url));
    await withClient(db.url, (c) => c.query("VACUUM ANALYZE"));
    process.stderr.write(`PostgreSQL: generated and vacuumed in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    for (let i = 1; i <= RUNS; i++) {
      results.push(await once("postgres", home, db.url, i, ""));
      printRun(results.at(-1)!);
    }
    return results;
  } finally {
    rmSync(home, { recursive: true, force: true });
    await db.stop();
  }
}

function printHeader(): void {
  w(`| store | run | side | rows | seconds | entities/s | peak RSS | longest event-loop stall | notes |`);
  w(`|---|---:|---|---:|---:|---:|---:|---:|---|`);
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

function printRun(r: RunResult): void {
  const { backup: b, restore: s, reference: ref } = r;
  const tool = r.store === "sqlite" ? "sqlite3 .dump" : "pg_dump";
  const reload = r.store === "sqlite" ? "sqlite3 reload" : "psql reload";
  const row = (side: string, rows: number, secs: number, rss: string, stall: string, notes: string) =>
    w(`| ${r.store} | ${r.run} | ${side} | ${n(rows)} | ${secs.toFixed(1)} | ${n(rows / secs)} | ${rss} | ${stall} | ${notes} |`);
  row("Sluice backup", b.rows, b.seconds, `${b.maxRssMb.toFixed(0)} MB`, `${b.maxStallMs.toFixed(0)} ms`, `archive ${mb(b.bytes)} MB, ${b.parts} parts`);
  row(tool, ref.rows, ref.dumpSeconds, "–", "–", `${mb(ref.dumpBytes)} MB of SQL`);
  row(`${tool} \\| gzip -6 (for scale)`, ref.rows, ref.dumpGzipSeconds, "–", "–", `${mb(ref.dumpGzipBytes)} MB`);
  const file = r.file ? `; WAL peak ${gb(r.file.walPeak)}, store file +${gb(r.file.growth)} (${gb(r.file.freeBytes)} free pages)` : "";
  row("Sluice restore", s.rows, s.seconds, `${s.maxRssMb.toFixed(0)} MB`, `${s.maxStallMs.toFixed(0)} ms`, `staging ${s.stagingSeconds.toFixed(1)} s, promote ${s.promoteSeconds.toFixed(1)} s${file}`);
  row(reload, ref.rows, ref.reloadSeconds, "–", "–", "into a fresh database");
}

async function main(): Promise<void> {
  const side = textArg("child");
  if (side) {
    const kind = textArg("store") as StoreKind;
    const cfg = config(kind, textArg("home")!, textArg("url"));
    if (side === "backup") return backupSide(cfg);
    if (side === "restore") return restoreSide(cfg, textArg("backup")!, textArg("dest")!);
    if (side === "clear") return clearSide(cfg, Number(textArg("site")));
    throw new Error(`--child ${side}?`);
  }
  const loadBefore = load();
  w();
  w(`Backup & restore: Confluence /wiki, ${n(PAGES)} pages (~1,500 characters), ${n(PAGES * 3)} comments, ${n(PAGES * 0.6)} analytics events, attachment rows (no bytes); ${RUNS} run(s) per store, Node ${process.version}`);
  w(`Sluice: the backup job and the restore job (create, CUSTOM_GROUPS consent, staged and promoted), each in a fresh child process; rows: every entity row of the site.`);
  w(`Reference: sqlite3 .dump of the same tables and its reload into a fresh database; pg_dump -t of the same tables and psql -f into a fresh database;`);
  w(`for scale, the same dump piped through gzip -6 (gzip's default level; archives use backup.compressionLevel, 1 by default).`);
  w();
  printHeader();
  const all: RunResult[] = [];
  for (const kind of STORES) all.push(...(await benchStore(kind)));

  w();
  w(`| store | way | Sluice s | Sluice entities/s | reference s | reference entities/s | Sluice / reference | peak RSS | RSS target |`);
  w(`|---|---|---:|---:|---:|---:|---:|---:|---|`);
  let over = false;
  for (const kind of STORES) {
    const runs = all.filter((r) => r.store === kind);
    if (runs.length === 0) continue;
    const rows = runs[0]!.backup.rows;
    for (const way of ["backup", "restore"] as const) {
      const sluice = median(runs.map((r) => r[way].seconds));
      const reference = median(runs.map((r) => (way === "backup" ? r.reference.dumpSeconds : r.reference.reloadSeconds)));
      const rss = Math.max(...runs.map((r) => r[way].maxRssMb));
      const ok = rss < RSS_LIMIT_MB;
      over ||= !ok;
      const ratios = runs.map((r) => (way === "backup" ? r.reference.dumpSeconds : r.reference.reloadSeconds) / r[way].seconds);
      w(
        `| ${kind} | ${way} (${way === "backup" ? "dump" : "reload"}) | ${sluice.toFixed(1)} | ${n(rows / sluice)} | ${reference.toFixed(1)} | ${n(rows / reference)} | ` +
          `${ratios.map((x) => `${x.toFixed(2)}×`).join(" / ")}${runs.length > 1 ? `, median ${median(ratios).toFixed(2)}×` : ""} | ${rss.toFixed(0)} MB | < ${RSS_LIMIT_MB} MB: ${ok ? "PASS" : "**FAIL**"} |`,
      );
    }
  }
  w();
  w(`Ratio: Sluice's entities/s over the reference's (above 1: Sluice faster). Rows per entity: ${JSON.stringify(all[0]?.backup.counts ?? {})}`);
  for (const kind of STORES) {
    const runs = all.filter((r) => r.store === kind);
    if (runs.length === 0) continue;
    const ratios = runs.map((r) => r.reference.dumpGzipSeconds / r.backup.seconds);
    w(`${kind}: Sluice backup / (dump | gzip -6), for scale: ${ratios.map((x) => `${x.toFixed(2)}×`).join(" / ")}`);
  }
  for (const kind of STORES) {
    const r = all.find((x) => x.store === kind);
    if (r) for (const c of r.reference.commands) w(`${kind} reference: ${c}`);
  }
  w(`load average ${loadBefore} before, ${load()} after`);
  if (over) {
    console.error(`peak RSS of a backup or restore reached ${RSS_LIMIT_MB} MB or more`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
