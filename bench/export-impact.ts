/**
 * Benchmark: what a big export costs the people using Sluice at the same time. A real server (a child
 * process, `sluice start`) on the export benchmark's data (1,000,000 Confluence pages of ~2 KB and
 * 1,000,000 comments, cached in .bench-cache/) answers a steady, open-loop mix of API requests — the
 * Data pipeline status, the sites, the jobs list, a user's scopes, `myself` — first idle, then while
 * it runs a full export of the site. Latency is measured from each request's scheduled time (no
 * coordinated omission). Printed: p50/p95/p99 idle and during the export, the p99 ratio (target: within
 * 5 % by default), and the export's rows/s, with `jobs.background` at `yield` (the default) and at
 * `flat-out`.
 *
 *   npm run build && node dist/bench/export-impact.js [--pages N] [--comments N] [--runs N] [--rate R] [--idle S] [--throttle ROWS]
 *
 * `--throttle ROWS`: the export's own rate limit (`export.exportRowsPerSecond`) in both modes; default 0 (none).
 * `--threads N`: the export's worker lanes (`export.exportThreads`) in both modes; default: the config's.
 *
 * With --runs N the modes alternate N times and medians are printed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request as httpRequest } from "node:http";
import { cachedConfluence, numberArg } from "./support/confluence-export.js";
import { freePort } from "../test/support/server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin", "sluice.js");
const arg = numberArg;
const PAGES = arg("pages", 1_000_000);
const COMMENTS = arg("comments", 1_000_000);
const RUNS = arg("runs", 1);
/** Requests per second of the steady mix. */
const RATE = arg("rate", 100);
/** Seconds of the idle phase. */
const IDLE_SECONDS = arg("idle", 20);
/** `export.exportRowsPerSecond` of the server (0: no limit, the default). */
const THROTTLE = arg("throttle", 0);
/** `export.exportThreads` of the server (0: the config's default). */
const THREADS = arg("threads", 0);
const HOME = join(ROOT, ".bench-cache", `export-${PAGES}-${COMMENTS}`);
const TOKEN = "bench-export-impact-token-0123456789";

type Mode = "yield" | "flat-out";

/** The steady mix: what the console and scripts ask while people work. */
const MIX: readonly string[] = [
  "/wiki/rest/datapipeline/latest/export",
  "/rest/admin/v1/sites",
  "/rest/admin/v1/jobs?limit=20",
  "/rest/admin/v1/sites/wiki/access/scopes?user=bench",
  "/rest/admin/v1/myself",
];


/** One HTTP request on a keep-alive agent: status and body text. */
function request(url: string, options: { method?: string; dispatcher: Agent; headers: Record<string, string> }): Promise<{ statusCode: number; body: string }> {
  return new Promise((resolve_, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", agent: options.dispatcher, headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve_({ statusCode: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function startServer(mode: Mode): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const configFile = join(HOME, `impact-${mode}.config.json`);
  writeFileSync(configFile, JSON.stringify({ jobs: { background: mode }, export: { exportRowsPerSecond: THROTTLE, ...(THREADS > 0 ? { exportThreads: THREADS } : {}) } }));
  const child = spawn(process.execPath, [BIN, "start", "--port", String(port)], {
    cwd: HOME,
    env: {
      PATH: process.env.PATH,
      SLUICE_HOME: HOME,
      SLUICE_CONFIG: configFile,
      SLUICE_BOOTSTRAP_TOKEN: TOKEN,
      SLUICE_DEMO: "false",
      SLUICE_LOG_LEVEL: "warn",
      SLUICE_MIN_DISK_SPACE: "0",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/ping`).then((r) => r.ok, () => false);
    if (ok) return { child, base };
    await sleep(100);
  }
  throw new Error("the server did not start within 60 s");
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/**
 * Sends the mix at `RATE` per second until `until()` says stop; returns each request's latency in ms,
 * measured from when it was due (a slow answer delays nothing: requests go out on schedule).
 */
async function steadyMix(base: string, dispatcher: Agent, until: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / RATE;
  const t0 = performance.now();
  for (let i = 0; !until(); i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const path = MIX[i % MIX.length]!;
    pending.push(
      request(`${base}${path}`, { dispatcher, headers: { authorization: `Bearer ${TOKEN}` } }).then((res) => {
        if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode}`);
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  return latencies;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface ExportStatus {
  status: string;
  startTime?: string;
  completedTime?: string;
  statistics?: { writtenRows?: number };
  rootExportPath?: string;
  jobId?: number;
}

interface RunResult {
  mode: Mode;
  idle: number[];
  during: number[];
  rows: number;
  seconds: number;
}

async function oneRun(mode: Mode): Promise<RunResult> {
  const { child, base } = await startServer(mode);
  const dispatcher = new Agent({ keepAlive: true, maxSockets: 32 });
  const headers = { authorization: `Bearer ${TOKEN}` };
  try {
    // Warm up: the first answers of each route (JIT, caches) are not what people see later.
    let warm = 0;
    await steadyMix(base, dispatcher, () => warm++ >= 200);
    let idleEnd = performance.now() + IDLE_SECONDS * 1000;
    const idle = await steadyMix(base, dispatcher, () => performance.now() >= idleEnd);
    const started = await request(`${base}/wiki/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z`, { method: "POST", dispatcher, headers });
    const job = JSON.parse(started.body) as ExportStatus;
    if (started.statusCode >= 300) throw new Error(`the export did not start: HTTP ${started.statusCode} ${JSON.stringify(job)}`);
    let done: ExportStatus | undefined;
    const poll = (async () => {
      while (!done) {
        await sleep(250);
        const res = await request(`${base}/wiki/rest/datapipeline/latest/export`, { dispatcher, headers });
        const status = JSON.parse(res.body) as ExportStatus;
        if (!["STARTED", "CANCELLATION_REQUESTED", "QUEUED"].includes(status.status)) done = status;
      }
    })();
    const during = await steadyMix(base, dispatcher, () => done !== undefined);
    await poll;
    if (done!.status !== "COMPLETED") throw new Error(`the export ended ${done!.status}`);
    const seconds = (Date.parse(done!.completedTime!) - Date.parse(done!.startTime!)) / 1000;
    if (done!.rootExportPath && done!.jobId) rmSync(join(done!.rootExportPath, String(done!.jobId)), { recursive: true, force: true });
    idleEnd = 0;
    return { mode, idle, during, rows: done!.statistics?.writtenRows ?? 0, seconds };
  } finally {
    dispatcher.destroy();
    await stopServer(child);
  }
}

const ms = (v: number) => v.toFixed(2);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  await cachedConfluence(HOME, PAGES, COMMENTS);
  process.stdout.write(
    `\nAPI latency during a Confluence export, ${PAGES.toLocaleString("en")} pages + ${COMMENTS.toLocaleString("en")} comments; ${RATE} requests/s of ${MIX.length} routes` +
      `${THROTTLE > 0 ? `; export throttled to ${THROTTLE.toLocaleString("en")} rows/s` : ""}` +
      `${THREADS > 0 ? `; ${THREADS} export thread(s)` : ""}\n\n`,
  );
  process.stdout.write(`| run | jobs.background | requests idle / during | p50 idle → during (ms) | p95 idle → during (ms) | p99 idle → during (ms) | p99 ratio | export rows/s |\n`);
  process.stdout.write(`|---|---|---:|---:|---:|---:|---:|---:|\n`);
  const results: RunResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of run % 2 === 1 ? (["yield", "flat-out"] as const) : (["flat-out", "yield"] as const)) {
      const r = await oneRun(mode);
      results.push(r);
      const p = (q: number) => `${ms(percentile(r.idle, q))} → ${ms(percentile(r.during, q))}`;
      const ratio = percentile(r.during, 99) / percentile(r.idle, 99);
      process.stdout.write(
        `| ${run} | ${mode} | ${r.idle.length} / ${r.during.length} | ${p(50)} | ${p(95)} | ${p(99)} | ${ratio.toFixed(2)}x | ${Math.round(r.rows / r.seconds).toLocaleString("en")} (${r.rows.toLocaleString("en")} rows, ${r.seconds.toFixed(1)} s) |\n`,
      );
    }
  }
  process.stdout.write("\n");
  for (const mode of ["yield", "flat-out"] as const) {
    const mine = results.filter((r) => r.mode === mode);
    const ratios = mine.map((r) => percentile(r.during, 99) / percentile(r.idle, 99));
    const rates = mine.map((r) => r.rows / r.seconds);
    process.stdout.write(
      `${mode}: p99 during / idle ${ratios.map((x) => `${x.toFixed(2)}x`).join(" / ")}${mine.length > 1 ? `, median ${median(ratios).toFixed(2)}x` : ""}; export ${rates.map((x) => Math.round(x).toLocaleString("en")).join(" / ")} rows/s\n`,
    );
  }
  process.stdout.write("(target: with the default, p99 during the export within 5 % of idle)\n");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
