/**
 * Sync benchmark: Jira Cloud issues with changelogs, generated on the fly by the replay server in a
 * child process (so that serving does not share this process's CPU), ingested into a SQLite store.
 * Reports issues/s and peak RSS of the syncing process.
 *
 *   node dist/bench/sync.js [--issues 100000] [--histories 5] [--page-size 100]
 *
 * Targets: ≥ 5,000 issues/s, RSS < 300 MB.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { entity } from "../src/core/entities/registry.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { runSync } from "../src/sync/run-sync.js";
import { generatedJiraCloud, ReplayServer } from "../test/support/replay-server.js";

const { values } = parseArgs({
  options: {
    issues: { type: "string", default: "100000" },
    histories: { type: "string", default: "5" },
    "page-size": { type: "string", default: "100" },
  },
});
const issues = Number(values.issues);
const histories = Number(values.histories);

if (process.env.SLUICE_BENCH_SERVER) {
  const server = new ReplayServer();
  server.handle(generatedJiraCloud({ issues, histories }));
  const base = await server.start();
  // Keep no request log: the benchmark makes thousands.
  server.requests.length = 0;
  setInterval(() => (server.requests.length = 0), 1000).unref();
  process.stdout.write(`${base}\n`);
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
} else {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    env: { ...process.env, SLUICE_BENCH_SERVER: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-sync-"));
  try {
    const store = openSqliteStore(join(dir, "sluice.db"));
    await store.sites.ensureOrganisation("bench", "Bench");
    const site = await store.sites.create("bench", { product: "jira", contextPath: "/bench", baseUrl: "http://localhost/bench" });
    await store.settings.set(site.id, "source", {
      kind: "jira-cloud",
      url: base,
      email: "bench@example.com",
      tokenEnv: "SLUICE_SECRET_BENCH",
      requestsPerSecond: 0,
      pageSize: Number(values["page-size"]),
    });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const run = await runSync({ store, site, env: { SLUICE_SECRET_BENCH: "x" } });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    // maxRSS: the peak resident set of this (the syncing) process, in KB.
    const peak = process.resourceUsage().maxRSS * 1024;
    const stored = await store.data.count(site.id, entity("jira", "issues"));
    const history = await store.data.count(site.id, entity("jira", "issue_history"));
    await store.close();
    const result = {
      issues: stored,
      historyRows: history,
      seconds: Number(seconds.toFixed(2)),
      issuesPerSecond: Math.round(stored / seconds),
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      issuesPerCpuSecond: Math.round(stored / cpuSeconds),
      peakRssMb: Math.round(peak / 1024 / 1024),
      requests: run.requests,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    child.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}
