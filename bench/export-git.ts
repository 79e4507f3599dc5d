/**
 * Benchmark of the git commit reader (not a test). Generates repositories with `git fast-import`
 * (cached in `.bench-cache/` between runs), then compares
 *   - raw git:  `git log --all -z --format=<the reader's fields> > /dev/null`, repository after repository;
 *   - Sluice:   the git Source's `commits` reader, every row formatted as a CSV line, written to /dev/null;
 * on one large repository and on many medium ones, and prints a markdown table with peak RSS.
 *
 * The reader's progress estimate (`estimate`: `git rev-list --count` per repository) runs as the export
 * engine runs it, `--estimate concurrent` (default): started with the read, not awaited. `await`
 * counts first and reads after (what waiting for the total would cost); `none` reads only.
 * `--since <ISO instant>`: fromDate (both sides filter with `--since-as-filter`); default: everything.
 * `--commit-graph`: the repositories get a commit-graph (as `git gc` leaves one), which the estimate needs
 * to count (without one it is unknown); default: they have none (the graph is removed if there).
 *
 *   npm run build && node dist/bench/export-git.js                      # 1,000,000 commits; 20 × 50,000
 *   node dist/bench/export-git.js --commits 100000 --repos 20 --repo-commits 5000 --estimate await
 *   node dist/bench/export-git.js --since 2025-01-01T00:00:00Z          # the default fromDate: a year
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, createWriteStream, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { entity } from "../src/core/entities/registry.js";
import { LOG_FORMAT } from "../src/sources/git/commit-stream.js";
import { createRepository } from "../src/sources/git/fast-import.js";
import { gitSource } from "../src/sources/git/index.js";
import { addRepository } from "../src/sources/git/registry.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";

const { values: args } = parseArgs({
  options: {
    commits: { type: "string", default: "1000000" },
    repos: { type: "string", default: "20" },
    "repo-commits": { type: "string", default: "50000" },
    cache: { type: "string", default: ".bench-cache" },
    estimate: { type: "string", default: "concurrent" },
    since: { type: "string" },
    "commit-graph": { type: "boolean", default: false },
  },
});
const since = args.since ?? "1970-01-01T00:00:00Z";
const sinceSeconds = Math.floor(Date.parse(since) / 1000);
if (!Number.isFinite(sinceSeconds)) throw new Error("--since: an ISO-8601 instant");
const sinceFilter = args.since === undefined ? [] : [`--since-as-filter=@${sinceSeconds} +0000`];
const estimateMode = args.estimate;
if (!["concurrent", "await", "none"].includes(estimateMode)) throw new Error("--estimate: concurrent, await or none");
const NOW = Date.UTC(2026, 0, 1);
const cacheDir = resolve(args.cache);

/** A cached generated repository: built under a temporary name, renamed when complete. */
async function cachedRepository(commits: number, seed: number): Promise<string> {
  const path = join(cacheDir, `git-${commits}-seed${seed}.git`);
  if (existsSync(path)) return path;
  await mkdir(cacheDir, { recursive: true });
  const building = `${path}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  const started = performance.now();
  await createRepository(building, { seed, commits, branches: 4, now: NOW, spacingSeconds: 600 }, { commitGraph: false });
  await rename(building, path);
  process.stderr.write(`generated ${path} (${commits} commits) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return path;
}

/** Gives the cached repository at `path` a commit-graph, or takes it away, as `--commit-graph` says. */
async function commitGraph(path: string): Promise<string> {
  const graph = join(path, "objects", "info", "commit-graph");
  const chain = join(path, "objects", "info", "commit-graphs");
  if (!args["commit-graph"]) {
    await rm(graph, { force: true });
    await rm(chain, { recursive: true, force: true });
  } else if (!existsSync(graph) && !existsSync(chain)) {
    const child = spawn("git", ["-C", path, "commit-graph", "write", "--reachable"], { stdio: "inherit" });
    const [code] = (await once(child, "close")) as [number | null];
    if (code !== 0) throw new Error(`git commit-graph write in ${path} failed`);
  }
  return path;
}

async function rawGitLog(paths: readonly string[]): Promise<number> {
  const started = performance.now();
  for (const path of paths) {
    const devNull = openSync("/dev/null", "w");
    try {
      const child = spawn("git", ["-C", path, "log", "--all", "--no-mailmap", "--encoding=UTF-8", "-z", LOG_FORMAT, ...sinceFilter], {
        stdio: ["ignore", devNull, "inherit"],
        env: { ...process.env, GIT_FLUSH: "0" }, // as the reader runs it: fully buffered output
      });
      const [code] = (await once(child, "close")) as [number | null];
      if (code !== 0) throw new Error(`git log failed in ${path}`);
    } finally {
      closeSync(devNull);
    }
  }
  return performance.now() - started;
}

function escapeBreaks(text: string): string {
  return text.includes("\n") || text.includes("\r") ? text.replace(/\r\n|\r|\n/g, "\\n") : text;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface ReaderRun {
  ms: number;
  rows: number;
  /** The estimate and when it arrived (ms from the start); undefined: not asked. */
  estimate?: { rows: number | undefined; ms: number };
}

async function sluiceReader(paths: readonly string[]): Promise<ReaderRun> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-git-"));
  const store = openSqliteStore(join(dir, "sluice.db"));
  try {
    await store.sites.ensureOrganisation("bench", "Bench");
    const site = await store.sites.create("bench", { product: "bitbucket", contextPath: "/bitbucket", baseUrl: "http://localhost:7990/bitbucket" });
    for (const [i, path] of paths.entries()) await addRepository(store, site, { projectKey: "BENCH", name: `repo ${i}`, path });
    const reader = gitSource(store, { stallMs: 0 }).readers!.commits!;
    const out = createWriteStream("/dev/null");
    const prefix = site.baseUrl;
    const instance = csvField(prefix);
    let rows = 0;
    const def = entity("bitbucket", "commits");
    const options = { since, excludeScopes: [], batchSize: 1000, signal: new AbortController().signal, settings: {} };
    const started = performance.now();
    const counted =
      estimateMode === "none"
        ? undefined
        : reader.estimate!(site, def, options).then((n) => ({ rows: n, ms: performance.now() - started }));
    if (estimateMode === "await") await counted;
    for await (const batch of reader.rows(site, def, options)) {
      const lines: string[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        // commit_hash, instance_url, url, message, repository_id, author_email, author_timestamp, committer_email, committer_timestamp
        lines[i] = `${r[0]},${instance},${csvField(prefix + String(r[1]))},${csvField(escapeBreaks(String(r[2])))},${r[3]},${csvField(r[4])},${r[5]},${csvField(r[6])},${r[7]}\r\n`;
      }
      rows += batch.length;
      if (!out.write(Buffer.from(lines.join(""), "utf8"))) await once(out, "drain");
    }
    out.end();
    await once(out, "close");
    const ms = performance.now() - started;
    return { ms, rows, ...(counted ? { estimate: await counted } : {}) };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

interface Line {
  workload: string;
  commits: number;
  gitMs: number;
  sluiceMs: number;
  gitCpu: number;
  sluiceCpu: number;
  rss: number;
  estimate: ReaderRun["estimate"];
}

/** CPU seconds used so far by this process and its finished children (git), from /proc/self/stat. */
function cpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
  // After "pid (comm) ": state is field 3, so utime..cstime (14..17) are at 11..14.
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

async function measure(workload: string, paths: readonly string[]): Promise<Line> {
  await rawGitLog(paths); // warm the page cache for both sides
  let cpu = cpuSeconds();
  const gitMs = await rawGitLog(paths);
  const gitCpu = cpuSeconds() - cpu;
  cpu = cpuSeconds();
  const sluice = await sluiceReader(paths);
  const sluiceCpu = cpuSeconds() - cpu;
  return {
    workload,
    commits: sluice.rows,
    gitMs,
    sluiceMs: sluice.ms,
    gitCpu,
    sluiceCpu,
    rss: process.resourceUsage().maxRSS / 1024,
    estimate: sluice.estimate,
  };
}

const single = Number(args.commits);
const repos = Number(args.repos);
const perRepo = Number(args["repo-commits"]);
const lines: Line[] = [];
lines.push(await measure(`1 repository × ${single.toLocaleString("en")} commits`, [await commitGraph(await cachedRepository(single, 1))]));
const many: string[] = [];
for (let i = 0; i < repos; i++) many.push(await commitGraph(await cachedRepository(perRepo, 100 + i)));
lines.push(await measure(`${repos} repositories × ${perRepo.toLocaleString("en")} commits`, many));

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en");
const command =
  `node dist/bench/export-git.js --commits ${single} --repos ${repos} --repo-commits ${perRepo} --estimate ${estimateMode}` +
  (args.since === undefined ? "" : ` --since ${since}`) +
  (args["commit-graph"] ? " --commit-graph" : "");
console.log(`Git commit reader, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${command}\n`);
console.log(
  "| workload | commits | raw `git log` (commits/s) | Sluice reader → CSV (commits/s) | ratio | CPU s git / Sluice (git + node) | peak RSS | estimate (rows, arrived after) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
const estimated = (e: ReaderRun["estimate"]) =>
  e ? `${e.rows === undefined ? "unknown" : e.rows.toLocaleString("en")}, ${(e.ms / 1000).toFixed(1)} s` : "not asked";
for (const l of lines) {
  console.log(
    `| ${l.workload} | ${l.commits.toLocaleString("en")} | ${rate(l.commits, l.gitMs)} | ${rate(l.commits, l.sluiceMs)} | ${(l.gitMs / l.sluiceMs).toFixed(2)}× | ${l.gitCpu.toFixed(1)} / ${l.sluiceCpu.toFixed(1)} | ${l.rss.toFixed(0)} MB | ${estimated(l.estimate)} |`,
  );
}
console.log(
  `\nLoad average at the end: ${loadavg().map((n) => n.toFixed(1)).join(" ")} on ${cpus().length} cores. Targets: ratio ≥ 0.70× raw git log; peak RSS < 200 MB.`,
);
console.log("Raw git reads the repositories one after another; the reader runs 2 git processes at a time (prefetch).");
if (estimateMode !== "none") {
  console.log(`The reader's time includes its estimate (${estimateMode}): up to 2 more git processes (rev-list --count).`);
}
