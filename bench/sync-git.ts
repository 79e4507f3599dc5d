/**
 * Benchmark of Bitbucket commits from git (not a test): a Bitbucket Data Center site with one large
 * repository (generated with `git fast-import`, cached in `.bench-cache/`), its REST API and its git
 * endpoint (`git http-backend`) served by a child process on 127.0.0.1. Compares, in the same run:
 *   - reference: `git clone --mirror` of the repository over the same HTTP, then
 *     `git log --all -z --format=<the reader's fields> > /dev/null` — fetching and reading, nothing stored;
 *   - Sluice: a full sync of the site into a SQLite store (mirror, every commit read and stored), then
 *     an incremental sync after one more commit was pushed, then a sync after the mirror was lost (cloned
 *     again, the repository read whole and compared with what the store holds).
 * Prints a markdown table with commits/s, the ratio to the reference and the sync's peak RSS.
 *
 *   npm run bench:sync-git                       # 300,000 commits
 *   node dist/bench/sync-git.js --commits 50000
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { entity } from "../src/core/entities/registry.js";
import { LOG_FORMAT } from "../src/sources/git/commit-stream.js";
import { createRepository } from "../src/sources/git/fast-import.js";
import { runGit } from "../src/sources/git/git-process.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { runSync } from "../src/sync/run-sync.js";
import { gitHttpBackend } from "../test/support/git-http.js";
import { ReplayServer } from "../test/support/replay-server.js";

const { values: args } = parseArgs({
  options: {
    commits: { type: "string", default: "300000" },
    cache: { type: "string", default: ".bench-cache" },
  },
});
const commits = Number(args.commits);
const TOKEN = "bench-token";
const NOW = Date.parse("2026-11-01T00:00:00Z");

async function repository(): Promise<string> {
  const root = resolve(args.cache, `sync-git-${commits}`);
  const path = join(root, "plat", "big.git");
  if (existsSync(join(path, "objects"))) return root;
  await mkdir(join(root, "plat"), { recursive: true });
  const building = `${path}.building`;
  await rm(building, { recursive: true, force: true });
  process.stderr.write(`generating a repository of ${commits} commits in ${path} …\n`);
  await createRepository(building, { seed: 7, commits, branches: 4, now: NOW, spacingSeconds: 600 });
  await rename(building, path);
  return root;
}

/** The child: a Bitbucket DC REST API (one repository, no pull requests) and its git endpoint. */
async function serve(root: string): Promise<void> {
  const server = new ReplayServer();
  server.passThrough(gitHttpBackend(root, "/scm", `Bearer ${TOKEN}`).handler);
  const page = (values: unknown[]) => ({ size: values.length, limit: 100, isLastPage: true, start: 0, values });
  server.handle((req, base) => {
    if (req.path === "/rest/api/1.0/users") return { status: 200, body: page([]) };
    if (req.path === "/rest/api/1.0/repos") {
      return {
        status: 200,
        body: page([
          {
            slug: "big",
            id: 1,
            name: "big",
            hierarchyId: "b1b2b3b4b5b6b7b8b9b0",
            forkable: true,
            project: { key: "PLAT", id: 1, name: "Platform", type: "NORMAL" },
            public: false,
            links: { clone: [{ href: `${base}/scm/plat/big.git`, name: "http" }], self: [{ href: `${base}/projects/PLAT/repos/big/browse` }] },
          },
        ]),
      };
    }
    if (req.path.endsWith("/pull-requests")) return { status: 200, body: page([]) };
    return undefined;
  });
  const base = await server.start();
  setInterval(() => (server.requests.length = 0), 1000).unref();
  process.stdout.write(`${base}\n`);
  process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function reference(base: string, dir: string): Promise<number> {
  const mirror = join(dir, "reference.git");
  const { ms } = await timed(async () => {
    const clone = await runGit(["-c", `http.extraHeader=Authorization: Bearer ${TOKEN}`, "clone", "--mirror", "--quiet", `${base}/scm/plat/big.git`, mirror], { timeoutMs: 3_600_000 });
    if (clone.code !== 0) throw new Error(`git clone failed: ${clone.stderr}`);
    const out = openSync("/dev/null", "w");
    try {
      const log = spawn("git", ["-C", mirror, "log", "--all", "--no-mailmap", "--no-color", "--encoding=UTF-8", "-z", LOG_FORMAT], { stdio: ["ignore", out, "inherit"] });
      const [code] = (await once(log, "exit")) as [number];
      if (code !== 0) throw new Error(`git log exited ${code}`);
    } finally {
      closeSync(out);
    }
  });
  return ms;
}

if (process.env.SLUICE_BENCH_SERVER) {
  await serve(process.env.SLUICE_BENCH_SERVER);
} else {
  const root = await repository();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    env: { ...process.env, SLUICE_BENCH_SERVER: root },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise<string>((r) => child.stdout.once("data", (d: Buffer) => r(d.toString().trim())));
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-sync-git-"));
  try {
    const refMs = await reference(base, dir);
    const store = openSqliteStore(join(dir, "sluice.db"));
    await store.sites.ensureOrganisation("bench", "Bench");
    const site = await store.sites.create("bench", { product: "bitbucket", contextPath: "/bench", baseUrl: "http://localhost/bench" });
    await store.settings.set(site.id, "source", { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_BENCH", requestsPerSecond: 0 });
    const sync = () => runSync({ store, site, env: { SLUICE_SECRET_BENCH: TOKEN }, mirrorsDir: join(dir, "mirrors") });
    const full = await timed(sync);
    const stored = await store.data.count(site.id, entity("bitbucket", "commits"));
    if (full.value.skipped) throw new Error(`the sync skipped: ${JSON.stringify(full.value.skipped)}`);
    // One more commit on main, then an incremental sync (fetch, what changed, store).
    const work = join(dir, "work");
    const upstream = join(root, "plat", "big.git");
    await runGit(["clone", "--quiet", "--branch", "main", upstream, work], { timeoutMs: 600_000 });
    const identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.com"];
    await runGit(["-C", work, ...identity, "commit", "--quiet", "--allow-empty", "-m", "one more"]);
    const push = await runGit(["-C", work, "push", "--quiet", upstream, "HEAD:refs/heads/bench-extra"]);
    if (push.code !== 0) throw new Error(`git push failed: ${push.stderr}`);
    const incremental = await timed(sync);
    await runGit(["-C", upstream, "update-ref", "-d", "refs/heads/bench-extra"]);
    await rm(join(dir, "mirrors"), { recursive: true, force: true });
    const lost = await timed(sync);
    const after = await store.data.count(site.id, entity("bitbucket", "commits"));
    if (after !== stored) throw new Error(`after the mirror was lost the store holds ${after} commits, not ${stored}`);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    await store.close();
    const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en-US");
    console.log(`| commits | reference: clone --mirror + git log | Sluice full sync | ratio | Sluice incremental (+1 commit) | mirror lost (read whole) | peak RSS |`);
    console.log(`|---|---|---|---|---|---|---|`);
    console.log(
      `| ${stored.toLocaleString("en-US")} | ${(refMs / 1000).toFixed(1)} s (${rate(stored, refMs)}/s) | ${(full.ms / 1000).toFixed(1)} s (${rate(stored, full.ms)}/s) | ${(refMs / full.ms).toFixed(2)}× | ${(incremental.ms / 1000).toFixed(2)} s (${incremental.value.counts.commits ?? 0} added) | ${(lost.ms / 1000).toFixed(1)} s (${lost.value.deleted.commits ?? 0} deleted) | ${rssMb.toFixed(0)} MB |`,
    );
  } finally {
    child.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}
