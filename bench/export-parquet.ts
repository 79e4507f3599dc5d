/**
 * Benchmark: Sluice's Confluence export to Parquet (`?format=parquet`) beside the CSV export of the same
 * data. Data: 1,000,000 pages (~2 KB content) and, by default, no comments, from the demo generator,
 * cached in .bench-cache/ between runs (the same cache as bench/export.ts). Each export runs in a child
 * process of its own (a fresh server-like process) so that its peak RSS is the export's alone. Reported:
 * rows/s and peak RSS of each format, the Parquet file size against the CSV's, and a check that the
 * Parquet files hold as many rows (read with DuckDB) as the CSV files (read with DuckDB too) and as the
 * manifests say, under the same column names.
 *
 *   npm run build && node dist/bench/export-parquet.js [--pages N] [--comments N] [--runs N]
 *
 * With --runs N the two formats alternate N times (Parquet first). The time covers the whole export
 * (every Confluence entity, manifest); rows and bytes count the pages and comments files only.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { ExportFormat } from "../src/core/export-job.js";
import { quoteLiteral } from "../src/writers/parquet/columns.js";
import { benchConfig, cachedConfluence, exportAndReport, numberArg } from "./support/confluence-export.js";

const ROOT = resolve(import.meta.dirname, "../..");
const arg = numberArg;
const argText = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const PAGES = arg("pages", 1_000_000);
const COMMENTS = arg("comments", 0);
const RUNS = arg("runs", 1);
const ENTITIES = COMMENTS > 0 ? ["pages", "comments"] : ["pages"];
const HOME = join(ROOT, ".bench-cache", `export-${PAGES}-${COMMENTS}`);

interface ExportFile {
  entity: string;
  name: string;
  rows: number;
  bytes: number;
  path: string;
}
interface ExportRun {
  status: string;
  errors: unknown[];
  seconds: number;
  rows: number;
  bytes: number;
  maxRssMb: number;
  dir: string;
  files: ExportFile[];
}



/** One export in `format` in a fresh child process; its files stay until the caller removes `dir`. */
async function exportChild(format: ExportFormat): Promise<ExportRun> {
  // Node flags (--cpu-prof, --max-old-space-size) apply to the export child too.
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, "--child", "--format", format, "--pages", String(PAGES), "--comments", String(COMMENTS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  if (code !== 0) throw new Error(`the ${format} export child exited with ${code}`);
  const run = JSON.parse(out) as ExportRun;
  if (run.status !== "COMPLETED") {
    rmSync(run.dir, { recursive: true, force: true });
    throw new Error(`the ${format} export ended ${run.status}: ${JSON.stringify(run.errors)}`);
  }
  return run;
}

const scalar = async (conn: DuckDBConnection, sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
const columnNames = async (conn: DuckDBConnection, relation: string) =>
  (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRows().map((r) => String(r[0]));

/** Rows of each Parquet file and of its CSV file, both read with DuckDB, and whether the columns agree. */
async function check(conn: DuckDBConnection, parquet: ExportRun, csv: ExportRun): Promise<{ lines: string[]; ok: boolean }> {
  const lines: string[] = [];
  let ok = true;
  for (const entity of ENTITIES) {
    const pq = parquet.files.find((f) => f.entity === entity);
    const cf = csv.files.find((f) => f.entity === entity);
    if (!pq || !cf) {
      lines.push(`${entity}: file missing (Parquet ${pq?.name ?? "none"}, CSV ${cf?.name ?? "none"})`);
      ok = false;
      continue;
    }
    const pqRel = `read_parquet(${quoteLiteral(pq.path)})`;
    // The CSV escapes line breaks (one line per row); every column read as text.
    const csvRel = `read_csv(${quoteLiteral(cf.path)}, header = true, delim = ',', quote = '"', escape = '"', all_varchar = true)`;
    const pqRows = await scalar(conn, `SELECT count(*) FROM ${pqRel}`);
    const csvRows = await scalar(conn, `SELECT count(*) FROM ${csvRel}`);
    const pqCols = await columnNames(conn, pqRel);
    const csvCols = await columnNames(conn, csvRel);
    const sameCols = pqCols.join(",") === csvCols.join(",");
    const same = pqRows === csvRows && pqRows === pq.rows && csvRows === cf.rows && sameCols;
    ok &&= same;
    lines.push(
      `${entity}: Parquet ${pqRows.toLocaleString("en")} rows (DuckDB read_parquet; manifest ${pq.rows.toLocaleString("en")}), ` +
        `CSV ${csvRows.toLocaleString("en")} rows (DuckDB read_csv; manifest ${cf.rows.toLocaleString("en")}), ` +
        `${pqCols.length} / ${csvCols.length} columns${sameCols ? ", same names" : " — names DIFFER"}: ${same ? "OK" : "MISMATCH"}`,
    );
  }
  return { lines, ok };
}

async function main(): Promise<void> {
  if (process.argv.includes("--child")) {
    const format = argText("format") === "parquet" ? "parquet" : "csv";
    return exportAndReport(benchConfig(HOME), ENTITIES, format);
  }
  await cachedConfluence(HOME, PAGES, COMMENTS);
  const w = (line = "") => process.stdout.write(`${line}\n`);
  const mb = (b: number, s: number) => (b / 1024 / 1024 / s).toFixed(0);
  const rps = (r: number, s: number) => Math.round(r / s).toLocaleString("en");
  const what = `${PAGES.toLocaleString("en")} pages (~2 KB content)${COMMENTS > 0 ? ` + ${COMMENTS.toLocaleString("en")} comments` : ", no comments"}`;
  w();
  w(`Confluence export to Parquet and to CSV, ${what} (rows and bytes: the ${ENTITIES.join(" and ")} file${ENTITIES.length > 1 ? "s" : ""}), ${RUNS} run${RUNS > 1 ? "s" : ""}`);
  w();
  w(`| run | format | rows | seconds | rows/s | MB/s | peak RSS | file bytes |`);
  w(`|---:|---|---:|---:|---:|---:|---:|---:|`);
  const duck = await DuckDBInstance.create(":memory:", { threads: "2" });
  const conn = await duck.connect();
  const sizes: string[] = [];
  const checks: string[] = [];
  let allOk = true;
  const peaks: Record<ExportFormat, number> = { csv: 0, parquet: 0 };
  try {
    for (let run = 1; run <= RUNS; run++) {
      const parquet = await exportChild("parquet");
      let csv: ExportRun | undefined;
      try {
        csv = await exportChild("csv");
        for (const [format, r] of [["parquet", parquet], ["csv", csv]] as const) {
          peaks[format] = Math.max(peaks[format], r.maxRssMb);
          w(`| ${run} | ${format === "parquet" ? "Parquet" : "CSV"} | ${r.rows.toLocaleString("en")} | ${r.seconds.toFixed(1)} | ${rps(r.rows, r.seconds)} | ${mb(r.bytes, r.seconds)} | ${r.maxRssMb.toFixed(0)} MB | ${r.bytes.toLocaleString("en")} |`);
        }
        sizes.push(`run ${run}: Parquet ${parquet.bytes.toLocaleString("en")} B / CSV ${csv.bytes.toLocaleString("en")} B = ${(parquet.bytes / csv.bytes).toFixed(3)} (${(csv.bytes / parquet.bytes).toFixed(2)}x smaller)`);
        const c = await check(conn, parquet, csv);
        allOk &&= c.ok;
        checks.push(...c.lines.map((l) => `run ${run}: ${l}`));
      } finally {
        rmSync(parquet.dir, { recursive: true, force: true });
        if (csv) rmSync(csv.dir, { recursive: true, force: true });
      }
    }
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
  w();
  w(`file size, Parquet (zstd) against CSV:`);
  for (const s of sizes) w(`  ${s}`);
  w(`row counts:`);
  for (const c of checks) w(`  ${c}`);
  w();
  w(`peak RSS: Parquet ${peaks.parquet.toFixed(0)} MB, CSV ${peaks.csv.toFixed(0)} MB   (target: Parquet export < 300 MB)`);
  w(`The time covers the whole export (every Confluence entity, manifest); rows and bytes count the ${ENTITIES.join(" and ")} file${ENTITIES.length > 1 ? "s" : ""} only.`);
  if (!allOk) {
    w(`ROW COUNT CHECK FAILED`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
