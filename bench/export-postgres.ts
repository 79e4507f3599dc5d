/**
 * Benchmark: Sluice's Confluence export from a PostgreSQL store against plain `psql \copy (SELECT …)
 * TO … CSV HEADER` of the same columns (instance URL and absolute URLs included) of the same tables.
 * Data: N pages (~2 KB content, default 1,000,000) + N/2 comments from the demo generator, written into
 * a throwaway PostgreSQL cluster (test/support/postgres.ts) or into a fresh database on the server of
 * SLUICE_BENCH_PG_URL. The export runs in a child process so that its peak RSS is the export's alone.
 *
 *   npx tsc -p . && node dist/bench/export-postgres.js [--pages N] [--comments N]
 *   … --keep          keep the generated database (prints its URL) for later runs
 *   … --url URL       export from a database generated earlier with --keep (no generation)
 *   … --runs N        alternate N Sluice and psql runs (default 3) and report the median ratio
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { entity, exportColumns, tableName } from "../src/core/entities/registry.js";
import { startPostgres } from "../test/support/postgres.js";
import { exportAndReport, generateConfluence, INSTANCE } from "./support/confluence-export.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const argText = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const PAGES = arg("pages", 1_000_000);
const COMMENTS = arg("comments", Math.round(PAGES / 2));
const RUNS = arg("runs", 3);
const ENTITIES = ["pages", "comments"] as const;

function config(home: string, url: string) {
  return loadConfig({
    env: {},
    cwd: home,
    overrides: {
      home,
      baseUrl: "http://localhost:8080",
      logLevel: "warn",
      store: { kind: "postgres", url },
      demo: { enabled: false },
      export: { minimumUsableDiskSpaceAfterExport: 0 },
    },
  });
}

/** A fresh database on SLUICE_BENCH_PG_URL's server, or a throwaway cluster. */
async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = process.env.SLUICE_BENCH_PG_URL;
  if (!server) return startPostgres();
  const name = `sluice_bench_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), stop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function generate(home: string, url: string): Promise<void> {
  await generateConfluence(config(home, url), PAGES, COMMENTS);
  // Fresh statistics and visibility map, as a production database would have.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("VACUUM ANALYZE");
  } finally {
    await client.end();
  }
}

/** The same columns of pages and comments, in key order, as `psql \copy … CSV HEADER`. */
function psqlCopy(url: string, out: string): { seconds: number; rows: number; bytes: number; sql: string[] } {
  let rows = 0;
  let bytes = 0;
  const sql: string[] = [];
  let nanos = 0n;
  for (const name of ENTITIES) {
    const def = entity("confluence", name);
    const q = (id: string) => `"${id}"`;
    const cols = exportColumns(def, 1).map((c) =>
      c.type === "instance" ? `'${INSTANCE}' AS ${q(c.name)}` : c.type === "url" ? `'${INSTANCE}' || ${q(c.name)} AS ${q(c.name)}` : q(c.name),
    );
    const file = `${out}-${name}.csv`;
    const select = `SELECT ${cols.join(", ")} FROM ${q(tableName(def))} ORDER BY site_id, ${def.key.map(q).join(", ")}`;
    sql.push(select);
    const t0 = process.hrtime.bigint();
    execFileSync("psql", [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", `\\copy (${select}) TO '${file}' CSV HEADER`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    nanos += process.hrtime.bigint() - t0;
    bytes += statSync(file).size;
    rows += Number(execFileSync("psql", [url, "-X", "-qAt", "-c", `SELECT count(*) FROM ${tableName(def)}`]).toString().trim());
  }
  return { seconds: Number(nanos) / 1e9, rows, bytes, sql };
}

async function main(): Promise<void> {
  const childHome = argText("child-home");
  const childUrl = argText("child-url");
  if (childHome && childUrl) return exportAndReport(config(childHome, childUrl), ENTITIES);

  const reuse = argText("url");
  const keep = process.argv.includes("--keep");
  const db = reuse ? { url: reuse, stop: async () => undefined } : await database();
  const home = mkdtempSync(join(tmpdir(), "sluice-bench-pg-"));
  try {
    if (!reuse) await generate(home, db.url);
    type SluiceRun = { seconds: number; rows: number; bytes: number; maxRssMb: number; dir: string; status: string; errors: unknown[] };
    const exportOnce = async (): Promise<SluiceRun> => {
      // Node flags (--cpu-prof, --max-old-space-size) apply to the export child too.
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "--child-home", home, "--child-url", db.url], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      if (code !== 0) throw new Error(`the export child exited with ${code}`);
      const run = JSON.parse(out) as SluiceRun;
      if (run.status !== "COMPLETED") throw new Error(`the export ended ${run.status}: ${JSON.stringify(run.errors)}`);
      rmSync(run.dir, { recursive: true, force: true });
      return run;
    };
    // Runs alternate (Sluice, then psql) and the median ratio is reported: one run on a shared
    // machine moves by ±10 %.
    const results: { sluice: SluiceRun; copy: ReturnType<typeof psqlCopy> }[] = [];
    for (let i = 0; i < RUNS; i++) results.push({ sluice: await exportOnce(), copy: psqlCopy(db.url, join(home, "psql-copy")) });

    const mb = (b: number, s: number) => (b / 1024 / 1024 / s).toFixed(0);
    const rps = (r: number, s: number) => Math.round(r / s).toLocaleString("en");
    const w = (line = "") => process.stdout.write(`${line}\n`);
    w();
    w(`Confluence export from PostgreSQL, ${PAGES.toLocaleString("en")} pages (~2 KB content) + ${COMMENTS.toLocaleString("en")} comments (rows/s over the pages and comments files), ${RUNS} runs`);
    w();
    w(`| run | Sluice s | Sluice rows/s | Sluice MB/s | psql \\copy s | psql rows/s | ratio | Sluice peak RSS |`);
    w(`|---:|---:|---:|---:|---:|---:|---:|---:|`);
    results.forEach(({ sluice, copy }, i) => {
      w(`| ${i + 1} | ${sluice.seconds.toFixed(1)} | ${rps(sluice.rows, sluice.seconds)} | ${mb(sluice.bytes, sluice.seconds)} | ${copy.seconds.toFixed(1)} | ${rps(copy.rows, copy.seconds)} | ${(copy.seconds / sluice.seconds).toFixed(2)}x | ${sluice.maxRssMb.toFixed(0)} MB |`);
    });
    const ratios = results.map((r) => r.copy.seconds / r.sluice.seconds).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    const peak = Math.max(...results.map((r) => r.sluice.maxRssMb));
    w();
    w(`median ratio Sluice / psql \\copy (rows/s): ${median.toFixed(2)}x, peak RSS ${peak.toFixed(0)} MB   (targets: >= 0.7x, peak RSS < 300 MB)`);
    w(`Sluice's time covers the whole export (every Confluence entity, manifest); rows count pages and comments only.`);
    w();
    const copy = results[0]!.copy;
    w(`psql commands (psql "$URL" -X, then):`);
    for (const select of copy.sql) w(`  \\copy (${select}) TO 'out.csv' CSV HEADER`);
  } finally {
    rmSync(home, { recursive: true, force: true });
    if (keep && !reuse) process.stderr.write(`kept the database: --url ${db.url}\n`);
    else await db.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
