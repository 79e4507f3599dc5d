/**
 * The git Source: Bitbucket sites whose repositories are real git repositories on disk. Readiness
 * checks that each registered repository can be read; the `commits` entity is read from git by the
 * export, and copied into the store for SQL (`commit-index.ts`, `refresh`).
 */
import type { Site, Store } from "../../store/port.js";
import type { ReadinessProblem, Source } from "../port.js";
import { GitCommitReader, type CommitReaderDeps } from "./commit-reader.js";
import { indexGitCommits } from "./commit-index.js";
import { gitStallHookMs } from "../../config.js";
import { runGit } from "./git-process.js";
import { gitLocations, listRepositories } from "./registry.js";
import { describeRepository } from "./repository.js";
import { unreadableReason } from "./repository-check.js";

export { addRepository, listRepositories } from "./registry.js";
export { scanRoot, type ScanMapping, type ScanResult } from "./scan-root.js";
export { createRepository } from "./fast-import.js";

export interface GitSourceOptions {
  /** git processes at a time, for reading and for readiness checks (default 2). */
  parallel?: number;
  /** The stall test hook (default: `SLUICE_TEST_GIT_STALL_MS`, see git-process.ts). */
  stallMs?: number;
  /** Time limit of each readiness git command, in ms (default 60 s). */
  checkTimeoutMs?: number;
  /** Time limit of the commit count of one repository for the progress estimate, in ms (default 30 s). */
  estimateTimeoutMs?: number;
  /** `git log` of an export runs at a lower CPU priority (default true; `jobs.background: flat-out` turns it off). */
  yieldCpu?: boolean;
}

export function gitSource(store: Store, options: GitSourceOptions = {}): Source {
  const parallel = Math.max(1, options.parallel ?? 2);
  const unreadable = new Map<number, Map<number, string>>();
  let sinceAsFilter: Promise<boolean> | undefined;
  const readerDeps: CommitReaderDeps = {
    store,
    stallMs: options.stallMs ?? gitStallHookMs(),
    parallel,
    sinceAsFilter: () => (sinceAsFilter ??= gitAtLeast(2, 39)),
    unreadable: (siteId) => unreadable.get(siteId) ?? new Map(),
    estimateTimeoutMs: options.estimateTimeoutMs ?? 30_000,
    yieldCpu: options.yieldCpu ?? true,
  };

  /** Per site: the refresh running, and when the last one ended (refs are looked at most every 30 s). */
  const refreshing = new Map<number, Promise<string[]>>();
  const refreshedAt = new Map<number, number>();
  const REFRESH_EVERY_MS = 30_000;

  return {
    name: "git",
    refresh(site: Site): Promise<string[]> {
      const running = refreshing.get(site.id);
      if (running) return running;
      if (Date.now() - (refreshedAt.get(site.id) ?? -Infinity) < REFRESH_EVERY_MS) return Promise.resolve([]);
      const work = indexGitCommits(store, site)
        .then((r) => r.warnings)
        .finally(() => {
          refreshing.delete(site.id);
          refreshedAt.set(site.id, Date.now());
        });
      refreshing.set(site.id, work);
      return work;
    },
    async appliesTo(site: Site) {
      return site.product === "bitbucket" && Object.keys(await gitLocations(store, site)).length > 0;
    },
    async readiness(site: Site): Promise<ReadinessProblem[]> {
      const repos = (await listRepositories(store, site)).filter((r) => r.path);
      const found = new Map<number, string>();
      let next = 0;
      const worker = async () => {
        while (next < repos.length) {
          const repo = repos[next++]!;
          const reason = await unreadableReason(repo.path!, options.checkTimeoutMs ?? 60_000).catch(
            (error: Error) => `git could not be run (${error.message}); is git installed and on the PATH?`,
          );
          if (reason) found.set(repo.id, reason);
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallel, repos.length) }, worker));
      unreadable.set(site.id, found);
      return repos
        .filter((r) => found.has(r.id))
        .map((r) => ({
          key: "export.pre.validation.failed",
          message: `Repository ${describeRepository(r)} (id ${r.id}) cannot be read: ${found.get(r.id)}`,
        }));
    },
    /** A new reader each time: its warnings belong to the one export that reads with it. */
    get readers() {
      return { commits: new GitCommitReader(readerDeps) };
    },
  };
}

async function gitAtLeast(major: number, minor: number): Promise<boolean> {
  const result = await runGit(["version"], { timeoutMs: 10_000 }).catch(() => undefined);
  const m = /(\d+)\.(\d+)/.exec(result?.stdout ?? "");
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}
