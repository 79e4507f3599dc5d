/**
 * Fixtures for the git source tests: a real SQLite store with a Bitbucket site in a temp dir, real
 * repositories generated with `git fast-import`, and helpers that ask git itself for the truth.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data, fastImport, ident, DEFAULT_AUTHORS } from "../../src/sources/git/fast-import.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import type { Site, Store } from "../../src/store/port.js";

export interface GitWorld {
  dir: string;
  store: Store;
  site: Site;
  close(): Promise<void>;
}

export async function gitWorld(): Promise<GitWorld> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-git-"));
  const store = openSqliteStore(join(dir, "store", "sluice.db"));
  await store.sites.ensureOrganisation("org-1", "Org");
  const site = await store.sites.create("org-1", {
    product: "bitbucket",
    contextPath: "/bitbucket",
    baseUrl: "http://localhost:8080/bitbucket",
  });
  return {
    dir,
    store,
    site,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

export async function git(path: string, ...args: string[]): Promise<string> {
  const r = await run("git", ["-C", path, ...args]);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} in ${path}: ${r.stderr}`);
  return r.stdout;
}

/** What `git show -s` says about each commit: emails, UTC times (formatted by git), raw message. */
export async function showCommits(path: string, hashes: readonly string[]): Promise<Map<string, string[]>> {
  const format = "--format=%H%x00%ae%x00%ad%x00%ce%x00%cd%x00%B%x00";
  const r = await run(
    "git",
    ["-C", path, "show", "-s", "--no-mailmap", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", format, ...hashes],
    { TZ: "UTC" },
  );
  if (r.code !== 0) throw new Error(r.stderr);
  const fields = r.stdout.split("\0");
  const out = new Map<string, string[]>();
  for (let i = 0; i + 5 < fields.length; i += 6) {
    const hash = fields[i]!.replace(/^\n/, "");
    out.set(hash, [fields[i + 1]!, fields[i + 2]!, fields[i + 3]!, fields[i + 4]!, fields[i + 5]!.replace(/\n+$/, "")]);
  }
  return out;
}

/** A fork: a bare clone of `origin` with `commits` more commits on branch `fork-work`. */
export async function forkRepository(origin: string, path: string, commits: number, now: number): Promise<string[]> {
  const r = await run("git", ["clone", "--bare", "-q", origin, path]);
  if (r.code !== 0) throw new Error(r.stderr);
  const base = (await git(path, "rev-parse", "refs/heads/main")).trim();
  const author = DEFAULT_AUTHORS[1]!;
  const commands: string[] = [];
  for (let i = 1; i <= commits; i++) {
    const seconds = Math.floor(now / 1000) - (commits - i) * 60;
    commands.push(
      `commit refs/heads/fork-work\nmark :${i}\nauthor ${ident(author, seconds, "+0800")}\ncommitter ${ident(author, seconds, "+0800")}\n` +
        data(`Fork change ${i}, "personal"\n`) +
        (i === 1 ? `from ${base}\n` : `from :${i - 1}\n`) +
        `M 100644 inline fork-${i}.txt\n${data(`fork ${i}\n`)}\n`,
    );
  }
  await fastImport(path, commands);
  await git(path, "commit-graph", "write", "--reachable"); // as createRepository leaves one
  return (await git(path, "rev-list", "refs/heads/fork-work", "--not", "refs/heads/main")).trim().split("\n");
}

/** Ids of live processes whose command line mentions `text` (a unique temp path). */
export async function processesMentioning(text: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8");
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      if (cmdline.includes(text) && !/\) Z /.test(stat)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits (polling) until `check` holds, or gives up after `limitMs`. */
export async function eventually(check: () => Promise<boolean>, limitMs = 10_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every row of a reader run, flattened. */
export async function collect(batches: AsyncIterable<unknown[][]>): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}
