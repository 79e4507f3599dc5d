/**
 * Benchmark: scheduled reports (issue 15) — 200,000 Jira issues to CSV, XLSX and Parquet, each a whole
 * scheduled run as the server does it (a report of every issue column, a schedule with an `api`
 * delivery, "execute now" through the `ReportService`, the `report` job waited for), against the Data
 * pipeline export of the same site, whose files are the issues file and a few tiny catalogs (the same
 * rows and columns: the CSV report must be byte-identical to the export's issues file). Every side runs
 * in a fresh child process of its own, so that its peak RSS is its own. Data: `/jira` from the demo
 * generator without what hangs off each issue (fields, changelog, worklogs, links), descriptions of
 * ~1,500 characters (the demo's default), cached in .bench-cache/.
 *
 *   npm run build && node dist/bench/report.js [--issues N] [--content BYTES] [--runs N] [--formats csv,xlsx,parquet]
 *   node --cpu-prof dist/bench/report.js …   Node flags apply to the children too (profiles in the cwd)
 *
 * With --runs N the sides alternate N times (odd runs: export, CSV, XLSX, Parquet; even runs: CSV,
 * export, Parquet, XLSX); medians are printed. Targets: XLSX peak RSS under 400 MB, CSV and Parquet
 * under 300 MB, and the CSV report within 1.5× of the export's time (report seconds / export seconds).
 * Results: docs/benchmarks.md, "Scheduled reports".
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { REPORT_FORMATS, type ReportFormatName } from "../src/reports/schedule-model.js";
import { benchConfig, numberArg } from "./support/confluence-export.js";
import { cachedJiraIssues } from "./support/jira-issues.js";
import { exportIssues, scheduledReport, type SideRun } from "./support/report-run.js";

const ROOT = resolve(import.meta.dirname, "../..");
const ISSUES = numberArg("issues", 200_000);
const CONTENT = numberArg("content", 1_500);
const RUNS = numberArg("runs", 1);
const textArg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const FORMATS = (textArg("formats") ?? "csv,xlsx,parquet").split(",") as ReportFormatName[];
const HOME = join(ROOT, ".bench-cache", `report-${ISSUES}-${CONTENT}`);
const RSS_TARGET_MB: Record<ReportFormatName, number> = { csv: 300, xlsx: 400, json: 300, parquet: 300 };
const CSV_RATIO_TARGET = 1.5;

type Side = "export" | ReportFormatName;

/** One side in a fresh child process (with this process's Node flags); its files are removed. */
async function child(side: Side): Promise<SideRun> {
  const args = [...process.execArgv, process.argv[1]!, "--child", side, "--issues", String(ISSUES), "--content", String(CONTENT)];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => proc.on("exit", r));
  if (code !== 0) throw new Error(`the ${side} child exited with ${code}`);
  const run = JSON.parse(out) as SideRun;
  rmSync(run.dir, { recursive: true, force: true });
  if (run.status !== "COMPLETED") throw new Error(`the ${side} run ended ${run.status}: ${JSON.stringify(run.errors)}`);
  if (run.rows !== ISSUES) throw new Error(`the ${side} run wrote ${run.rows} issues, expected ${ISSUES}`);
  return run;
}

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
const n = (x: number) => Math.round(x).toLocaleString("en");
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const label = (side: Side) => (side === "export" ? "Data pipeline export (issues file)" : `report ${side.toUpperCase()}`);

async function main(): Promise<void> {
  const config = benchConfig(HOME);
  const childSide = textArg("child") as Side | undefined;
  if (childSide === "export") return exportIssues(config);
  if (childSide) return scheduledReport(config, childSide);
  for (const f of FORMATS) if (!REPORT_FORMATS.includes(f)) throw new Error(`--formats: ${f} is not one of ${REPORT_FORMATS.join(", ")}`);

  await cachedJiraIssues(HOME, config, ISSUES, CONTENT);
  const loadBefore = load();
  const w = (line = "") => process.stdout.write(`${line}\n`);
  w();
  w(`Scheduled reports: ${ISSUES.toLocaleString("en")} Jira issues (every column, key order, ~${CONTENT} B descriptions), ${RUNS} run(s), Node ${process.version}`);
  w(`Measured: whole scheduled runs through the ReportService (report + daily schedule with an api delivery, execute now, the report job waited for),`);
  w(`each in a fresh child process; reference: the Data pipeline export of the same site (CSV, default lanes), in the same kind of child.`);
  w();
  w(`| run | side | rows | seconds | rows/s | MB | peak RSS |`);
  w(`|---:|---|---:|---:|---:|---:|---:|`);
  const order: Side[] = ["export", ...FORMATS];
  const runs: Map<Side, SideRun>[] = [];
  for (let run = 1; run <= RUNS; run++) {
    // Odd runs in order, even runs with each neighbouring pair swapped (CSV first, then the export).
    const sides = run % 2 === 1 ? order : order.map((_, i) => order[i % 2 === 0 ? Math.min(i + 1, order.length - 1) : i - 1]!);
    const results = new Map<Side, SideRun>();
    for (const side of sides) {
      const r = await child(side);
      results.set(side, r);
      w(`| ${run} | ${label(side)} | ${n(r.rows)} | ${r.seconds.toFixed(2)} | ${n(r.rows / r.seconds)} | ${mb(r.bytes)} | ${r.maxRssMb.toFixed(0)} MB |`);
    }
    runs.push(results);
  }

  const verdict = (ok: boolean) => (ok ? "PASS" : "**FAIL**");
  w();
  w(`Medians over ${RUNS} run(s) (peak RSS: the highest):`);
  w();
  w(`| format | rows | seconds | rows/s | MB | peak RSS | RSS target | result |`);
  w(`|---|---:|---:|---:|---:|---:|---|---|`);
  for (const side of order) {
    const all = runs.map((r) => r.get(side)!);
    const seconds = median(all.map((r) => r.seconds));
    const rss = Math.max(...all.map((r) => r.maxRssMb));
    const target = side === "export" ? "–" : `< ${RSS_TARGET_MB[side]} MB`;
    const result = side === "export" ? "–" : verdict(rss < RSS_TARGET_MB[side]);
    w(`| ${label(side)} | ${n(ISSUES)} | ${seconds.toFixed(2)} | ${n(median(all.map((r) => r.rows / r.seconds)))} | ${mb(all[0]!.bytes)} | ${rss.toFixed(0)} MB | ${target} | ${result} |`);
  }
  const exp = runs[0]!.get("export")!;
  w();
  w(`The export's other files: ${n(exp.otherRows ?? 0)} rows in all (users, sprints, access).`);
  if (FORMATS.includes("csv")) {
    const ratios = runs.map((r) => r.get("csv")!.seconds / r.get("export")!.seconds);
    const same = runs.every((r) => r.get("csv")!.sha256 === r.get("export")!.sha256);
    w(`CSV report and the export's issues file: ${same ? "byte-identical (same sha256)" : "**different bytes**"}.`);
    const m = median(ratios);
    w(
      `ratio report CSV / export issues file (seconds): ${ratios.map((r) => `${r.toFixed(2)}×`).join(" / ")}${RUNS > 1 ? `, median ${m.toFixed(2)}×` : ""}` +
        `   (target ≤ ${CSV_RATIO_TARGET}×: ${verdict(m <= CSV_RATIO_TARGET)})`,
    );
  }
  w(`load average ${loadBefore} before, ${load()} after`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
