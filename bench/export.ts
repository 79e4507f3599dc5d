/**
 * Benchmark: Sluice's Confluence export against the sqlite3 CLI dumping the same columns of the same
 * file. Data: 1,000,000 pages (~2 KB content) + 1,000,000 comments from the demo generator, cached in
 * .bench-cache/ between runs. The export runs in a child process (a fresh server-like process) so
 * that its peak RSS is the export's alone.
 *
 *   npm run build && node dist/bench/export.js [--pages N] [--comments N] [--runs N]
 *
 * With --runs N the two sides alternate N times and the median ratio is printed too (the machine
 * moves by ±10 % and more from run to run).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { entity, exportColumns, tableName } from "../src/core/entities/registry.js";
import { benchConfig, cachedConfluence, exportAndReport, INSTANCE, numberArg } from "./support/confluence-export.js";

const ROOT = resolve(import.meta.dirname, "../..");
const arg = numberArg;
const PAGES = arg("pages", 1_000_000);
const COMMENTS = arg("comments", 1_000_000);
const RUNS = arg("runs", 1);
const HOME = join(ROOT, ".bench-cache", `export-${PAGES}-${COMMENTS}`);



/** The sqlite3 CLI dumping the same columns (instance URL and absolute URLs included) of pages and comments. */
function sqliteCli(out: string): { seconds: number; rows: number; bytes: number } {
  let rows = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (const name of ["pages", "comments"]) {
    const def = entity("confluence", name);
    const cols = exportColumns(def, 1).map((c) =>
      c.type === "instance" ? `'${INSTANCE}'` : c.type === "url" ? `'${INSTANCE}' || ${c.name}` : c.name,
    );
    const sql = `.headers on\n.mode csv\n.output ${out}-${name}.csv\nSELECT ${cols.join(", ")} FROM ${tableName(def)} ORDER BY site_id, ${def.key.join(", ")};\n`;
    const r = spawnSync("sqlite3", [join(HOME, "sluice.db")], { input: sql, stdio: ["pipe", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error("sqlite3 failed");
    bytes += statSync(`${out}-${name}.csv`).size;
    rows += Number(execFileSync("sqlite3", [join(HOME, "sluice.db"), `SELECT count(*) FROM ${tableName(def)}`]).toString().trim());
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, rows, bytes };
}

async function main(): Promise<void> {
  if (process.argv.includes("--child")) return exportAndReport(benchConfig(HOME), ["pages", "comments"]);
  await cachedConfluence(HOME, PAGES, COMMENTS);
  const mb = (b: number, s: number) => (b / 1024 / 1024 / s).toFixed(0);
  const rps = (r: number, s: number) => Math.round(r / s).toLocaleString("en");
  process.stdout.write(`\nConfluence export, ${PAGES.toLocaleString("en")} pages + ${COMMENTS.toLocaleString("en")} comments (pages and comments files)\n\n`);
  process.stdout.write(`| run | rows | seconds | rows/s | MB/s | peak RSS |\n|---|---:|---:|---:|---:|---:|\n`);
  const ratios: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const sluice = await exportChild();
    const cliOut = join(HOME, "sqlite3-dump");
    const cli = sqliteCli(cliOut);
    for (const f of readdirSync(HOME).filter((n) => n.startsWith("sqlite3-dump"))) rmSync(join(HOME, f));
    const tag = RUNS > 1 ? ` #${run}` : "";
    process.stdout.write(`| Sluice export${tag} (${sluice.status}) | ${sluice.rows.toLocaleString("en")} | ${sluice.seconds.toFixed(1)} | ${rps(sluice.rows, sluice.seconds)} | ${mb(sluice.bytes, sluice.seconds)} | ${sluice.maxRssMb.toFixed(0)} MB |\n`);
    process.stdout.write(`| sqlite3 -csv, same columns${tag} | ${cli.rows.toLocaleString("en")} | ${cli.seconds.toFixed(1)} | ${rps(cli.rows, cli.seconds)} | ${mb(cli.bytes, cli.seconds)} | – |\n`);
    ratios.push(cli.seconds / sluice.seconds);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  process.stdout.write(
    `\nratio Sluice / sqlite3 (rows/s): ${ratios.map((r) => `${r.toFixed(2)}x`).join(" / ")}${RUNS > 1 ? `, median ${median.toFixed(2)}x` : ""}   (targets: >= 0.5x, >= 100,000 rows/s, RSS < 300 MB)\n`,
  );
}

/** One export in a fresh child process; its files are removed afterwards. */
async function exportChild(): Promise<{ seconds: number; rows: number; bytes: number; maxRssMb: number; dir: string; status: string }> {
  const child = spawn(process.execPath, [process.argv[1]!, "--child", "--pages", String(PAGES), "--comments", String(COMMENTS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on("exit", r));
  const sluice = JSON.parse(out) as { seconds: number; rows: number; bytes: number; maxRssMb: number; dir: string; status: string };
  rmSync(sluice.dir, { recursive: true, force: true });
  return sluice;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
