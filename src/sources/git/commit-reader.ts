/**
 * The `commits` reader of a Bitbucket site with git data: every commit reachable from any ref of each
 * git-backed repository (`git log --all`, so each commit once per repository), committed since
 * fromDate, streamed from git itself; the store's commit rows for repositories without git data.
 *
 * Rows come in repository id order. Up to `parallel` git processes run at once: the repository being
 * read and the next ones, prefetched into bounded buffers. Aborting the export or leaving the loop
 * early kills every git process of the read.
 *
 * `estimate` counts the same rows without reading them: `git rev-list --all --count` over the same
 * repositories and refs, plus the store's count. Walking a history costs git nearly as much as `git log`
 * itself (it inflates every commit), unless the repository has a commit-graph or a bitmap index (what
 * `git gc` leaves): so git counts only where one of them makes it cheap (without, counting cost the read
 * a quarter of its time and arrived when the read was nearly done, docs/benchmarks.md), the engine does
 * not wait for the count (see runExport), git counts at the lowest CPU priority, and it walks only what
 * it must (see `countOptions`).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { storedColumns, type EntityDef } from "../../core/entities/registry.js";
import { exportQuery } from "../../core/query.js";
import type { EntityReader, ReadOptions } from "../port.js";
import type { Site, Store } from "../../store/port.js";
import { CommitStream, isGitReadError, LOG_FORMAT } from "./commit-stream.js";
import { runGit } from "./git-process.js";
import { listRepositories } from "./registry.js";
import { describeRepository, repositoryPath, type Repository } from "./repository.js";
import { StoreCommits } from "./store-commits.js";
import { utcSecondsFormatter } from "./utc-seconds.js";

const COMMIT_COLUMNS = [
  "commit_hash",
  "url",
  "message",
  "repository_id",
  "author_email",
  "author_timestamp",
  "committer_email",
  "committer_timestamp",
  "scope_key",
];

export interface CommitReaderDeps {
  store: Store;
  /** Milliseconds every git log waits before running (the stall test hook; 0 in production). */
  stallMs: number;
  /** git processes at a time. */
  parallel: number;
  /** Does git know `--since-as-filter` (2.39+)? Otherwise fromDate is applied in code only. */
  sinceAsFilter: () => Promise<boolean>;
  /** Repositories the last readiness check of the site found unreadable: skipped, with a warning. */
  unreadable: (siteId: number) => ReadonlyMap<number, string>;
  /** Time limit of the commit count of one repository (`estimate`), in ms; beyond it the estimate is unknown. */
  estimateTimeoutMs: number;
  /** `git log` runs at a lower CPU priority than the API's threads (`jobs.background: yield`). */
  yieldCpu: boolean;
}

export interface CommitReadSettings {
  exportPersonalForkCommits: boolean;
  pollingTimeoutMs: number;
  executionTimeoutMs: number;
  /** Keep going (with a warning) when git fails on a repository. */
  forceExport: boolean;
}

export function commitReadSettings(settings: Readonly<Record<string, unknown>>): CommitReadSettings {
  const seconds = (value: unknown, fallback: number) => {
    const n = Number(value);
    return (value !== undefined && value !== null && Number.isFinite(n) && n > 0 ? n : fallback) * 1000;
  };
  const flag = (value: unknown) => value === true || value === "true";
  return {
    exportPersonalForkCommits: flag(settings.exportPersonalForkCommits),
    pollingTimeoutMs: seconds(settings.commitQueuePollingTimeoutSeconds, 20),
    executionTimeoutMs: seconds(settings.commitGitExecutionTimeoutSeconds, 3600),
    forceExport: flag(settings.forceExport),
  };
}

type Warning = { key: string; message: string };

interface Selection {
  gitRepos: Repository[];
  skippedRepos: Warning[];
  storeExcluded: string[];
  /** fromDate in unix seconds for `--since-as-filter`; undefined: filtered in code only. */
  gitSince: number | undefined;
  /** fromDate in ms; -Infinity when there is none. */
  sinceMs: number;
}

/**
 * One reader per export (the git Source hands out a new one each time its `readers` are asked for),
 * so that `warnings()` are those of that export's read only.
 */
export class GitCommitReader implements EntityReader {
  private lastWarnings: Warning[] = [];

  constructor(private readonly deps: CommitReaderDeps) {}

  /** Repositories skipped by the latest read (unreadable, under forceExport). */
  warnings(): Warning[] {
    return [...this.lastWarnings];
  }

  /**
   * The number of rows `rows` yields with these options, or close to it: the commits of each git
   * repository it reads, counted by git (`rev-list --all --count` as `countOptions` says, at most
   * `parallel` at a time, each within `estimateTimeoutMs`), plus the store's commit rows it merges in.
   * Undefined (unknown) when a repository cannot be counted cheaply (no commit-graph, nor a bitmap index
   * for every commit), or a count fails, takes too long or is aborted: never an error, and no git process
   * outlives it.
   */
  async estimate(site: Site, def: EntityDef, options: ReadOptions): Promise<number | undefined> {
    if (options.signal.aborted) return undefined;
    const stop = new AbortController();
    const abort = () => stop.abort();
    options.signal.addEventListener("abort", abort);
    try {
      checkColumns(def);
      const { gitRepos, storeExcluded, gitSince, sinceMs } = await this.select(site, options, commitReadSettings(options.settings));
      const cheap = await Promise.all(gitRepos.map((repo) => cheapToCount(repo.path!, sinceMs)));
      if (!cheap.every(Boolean)) return undefined;
      let next = 0;
      let commits = 0;
      let known = true;
      const worker = async () => {
        while (known && next < gitRepos.length) {
          const repo = gitRepos[next++]!;
          const count = await countOptions(repo, gitSince, sinceMs);
          const result = await runGit(walkArgs(repo, "rev-list", count.options, count.gitSince), {
            timeoutMs: this.deps.estimateTimeoutMs,
            signal: stop.signal,
            stallMs: this.deps.stallMs,
            maxOutput: 256,
            // Progress must not slow the export down: the count gets the CPU nothing else wants (or, when
            // the read itself yields, the same idle class as the read).
            nice: 19,
            yieldCpu: this.deps.yieldCpu,
          }).catch(() => undefined);
          const n = result?.code === 0 ? Number(result.stdout.trim()) : Number.NaN;
          if (Number.isSafeInteger(n) && n >= 0) {
            commits += n;
          } else {
            known = false;
            stop.abort(); // the others are of no use now
          }
        }
      };
      const workers = Array.from({ length: Math.min(Math.max(1, this.deps.parallel), gitRepos.length) }, worker);
      const stored = this.deps.store.data.count(site.id, exportQuery(def, { since: options.since, excludeScopes: storeExcluded }));
      const [fromStore] = await Promise.all([stored, ...workers]);
      return known && !options.signal.aborted ? commits + fromStore : undefined;
    } catch {
      return undefined;
    } finally {
      options.signal.removeEventListener("abort", abort);
      stop.abort();
    }
  }

  /**
   * What a read covers: the git repositories it walks (opt-outs, personal forks unless
   * exportPersonalForkCommits and unreadable repositories left out), the warnings of those skipped,
   * the scopes left out of the store's rows (every git-backed repository: git's commits replace the
   * store's), and fromDate for git.
   */
  private async select(site: Site, options: ReadOptions, settings: CommitReadSettings): Promise<Selection> {
    const repos = await listRepositories(this.deps.store, site);
    const personalFork = (r: Repository) => r.fork && r.projectType === "PERSONAL" && !settings.exportPersonalForkCommits;
    const excluded = new Set(options.excludeScopes);
    const unreadable = this.deps.unreadable(site.id);
    const gitRepos: Repository[] = [];
    const skippedRepos: Warning[] = [];
    for (const repo of repos) {
      if (personalFork(repo)) excluded.add(String(repo.id));
      if (!repo.path) continue;
      const wanted = !excluded.has(String(repo.id));
      excluded.add(String(repo.id)); // git's commits replace the store's, if it has any
      if (!wanted) continue;
      const reason = unreadable.get(repo.id);
      if (reason === undefined) gitRepos.push(repo);
      else skippedRepos.push(skipped(repo, reason));
    }
    const sinceMs = Date.parse(options.since);
    // git has no form for instants before 1970: those are filtered in code only.
    const gitSince =
      Number.isFinite(sinceMs) && sinceMs >= 0 && (await this.deps.sinceAsFilter()) ? Math.floor(sinceMs / 1000) : undefined;
    return { gitRepos, skippedRepos, storeExcluded: [...excluded], gitSince, sinceMs: Number.isFinite(sinceMs) ? sinceMs : -Infinity };
  }

  async *rows(site: Site, def: EntityDef, options: ReadOptions): AsyncGenerator<unknown[][]> {
    const names = storedColumns(def).map((c) => c.name);
    checkColumns(def);
    const settings = commitReadSettings(options.settings);
    const warnings: Warning[] = [];
    this.lastWarnings = warnings;
    const batchSize = Math.max(1, options.batchSize);
    const { signal } = options;
    signal.throwIfAborted();

    const { gitRepos, skippedRepos, storeExcluded, gitSince, sinceMs } = await this.select(site, options, settings);
    warnings.push(...skippedRepos);
    const highWater = Math.max(2 * batchSize, 2048);
    const open = (repo: Repository) => {
      const args = walkArgs(repo, "log", ["--no-mailmap", "--no-color", "--encoding=UTF-8", "-z", LOG_FORMAT], gitSince);
      const stream = new CommitStream({
        describe: describeRepository(repo),
        args,
        toRow: commitRow(repo, sinceMs),
        highWater,
        pollingTimeoutMs: settings.pollingTimeoutMs,
        executionTimeoutMs: settings.executionTimeoutMs,
        stallMs: this.deps.stallMs,
        yieldCpu: this.deps.yieldCpu,
      });
      stream.start();
      return stream;
    };

    const active: CommitStream[] = [];
    let started = 0;
    const stopAll = () => active.forEach((s) => s.stop());
    signal.addEventListener("abort", stopAll);
    const snapshot = await this.deps.store.data.snapshot(site.id);
    const storeRows = new StoreCommits(
      snapshot.rows(exportQuery(def, { since: options.since, excludeScopes: storeExcluded }), batchSize)[Symbol.asyncIterator](),
      names.indexOf("repository_id"),
    );
    try {
      for (const repo of gitRepos) {
        for await (const rows of storeRows.before(repo.id)) {
          yield rows;
          signal.throwIfAborted();
        }
        while (started < gitRepos.length && active.length < this.deps.parallel) active.push(open(gitRepos[started++]!));
        const stream = active[0]!;
        try {
          for (;;) {
            const rows = await stream.take(batchSize);
            signal.throwIfAborted();
            if (rows === null) break;
            yield rows;
            signal.throwIfAborted();
          }
        } catch (error) {
          signal.throwIfAborted();
          if (!isGitReadError(error) || !settings.forceExport) throw error;
          warnings.push(skipped(repo, error.message));
        } finally {
          stream.stop();
          active.shift();
        }
      }
      for await (const rows of storeRows.before(Infinity)) {
        yield rows;
        signal.throwIfAborted();
      }
    } finally {
      signal.removeEventListener("abort", stopAll);
      stopAll();
      await storeRows.close();
      await snapshot.close();
    }
  }
}

function checkColumns(def: EntityDef): void {
  const names = storedColumns(def).map((c) => c.name);
  if (names.join() !== COMMIT_COLUMNS.join()) {
    throw new Error(`The git reader reads bitbucket commits, not ${def.product}.${def.name}`);
  }
}

/**
 * `git <command> --all …` on a repository, as the reader walks it: every ref, replace refs ignored,
 * commits committed since `gitSince` (unix seconds) when given. `rows` and `estimate` both walk
 * with this, so that they select the same commits.
 */
function walkArgs(repo: Repository, command: "log" | "rev-list", options: readonly string[], gitSince: number | undefined): string[] {
  const args = ["-C", repo.path!, "--no-replace-objects", "-c", "log.showSignature=false", command, "--all", ...options];
  // git reads `@<seconds> +0000` as a raw timestamp (a bare `@<seconds>` goes through approxidate,
  // which misreads small numbers).
  if (gitSince !== undefined) args.push(`--since-as-filter=@${gitSince} +0000`);
  return args;
}

/**
 * How `estimate` counts the commits of a repository that `rows` reads with `walkArgs(repo, "log", …,
 * gitSince)`, keeping fromDate `sinceMs`:
 * - every commit (fromDate at or before 1970): `--use-bitmap-index`, at once with a bitmap index (git
 *   walks the commit-graph without one; a bitmap would ignore a date filter, hence only here);
 * - with a commit-graph: the same `--since-as-filter` as `rows`, exact, and cheap (the graph has the dates);
 * - where git has no `--since-as-filter` (older than 2.39: `rows` then filters in code) `--max-age`: the
 *   walk stops at the first commit of each line of history committed before fromDate. Exact while
 *   committer dates go forward along the history; a commit dated earlier than its parents hides those
 *   parents from the count: a close estimate.
 * Repositories with neither a commit-graph nor a bitmap are not counted at all (`cheapToCount`).
 */
async function countOptions(
  repo: Repository,
  gitSince: number | undefined,
  sinceMs: number,
): Promise<{ options: string[]; gitSince: number | undefined }> {
  if (sinceMs <= 0) return { options: ["--count", "--use-bitmap-index"], gitSince: undefined };
  if (gitSince !== undefined && (await hasCommitGraph(repo.path!))) return { options: ["--count"], gitSince };
  return { options: ["--count", `--max-age=${Math.floor(sinceMs / 1000)}`], gitSince: undefined };
}

/** Can git count the commits of the repository at `path` without inflating each (see `countOptions`)? */
async function cheapToCount(path: string, sinceMs: number): Promise<boolean> {
  return (await hasCommitGraph(path)) || (sinceMs <= 0 && (await hasBitmap(path)));
}

/** Does the repository at `path` (bare, or a working tree with `.git`) have a bitmap index? */
async function hasBitmap(path: string): Promise<boolean> {
  for (const gitDir of [path, join(path, ".git")]) {
    const files = await readdir(join(gitDir, "objects", "pack")).catch(() => [] as string[]);
    if (files.some((f) => f.endsWith(".bitmap"))) return true;
  }
  return false;
}

/** Does the repository at `path` (bare, or a working tree with `.git`) have a commit-graph? */
async function hasCommitGraph(path: string): Promise<boolean> {
  for (const gitDir of [path, join(path, ".git")]) {
    for (const file of ["objects/info/commit-graph", "objects/info/commit-graphs/commit-graph-chain"]) {
      if (await stat(join(gitDir, file)).then((s) => s.isFile(), () => false)) return true;
    }
  }
  return false;
}

function skipped(repo: Repository, reason: string): Warning {
  return {
    key: "export.repository.skipped",
    message: `Commits of repository ${describeRepository(repo)} were not exported: ${reason}`,
  };
}

/** Builds the stored row of a `git log` record, or drops it when committed before `sinceMs`. */
export function commitRow(repo: Repository, sinceMs: number): (fields: string[]) => unknown[] | undefined {
  const prefix = `${repositoryPath(repo.projectKey, repo.slug)}/commits/`;
  const utc = utcSecondsFormatter();
  const id = repo.id;
  const scope = String(id);
  return (f) => {
    const committed = Number(f[4]) * 1000;
    if (committed < sinceMs) return undefined;
    const hash = f[0]!;
    const body = f[5]!;
    let end = body.length;
    while (end > 0 && body.charCodeAt(end - 1) === 10) end--; // the message without git's trailing newlines
    const message = end === body.length ? body : body.slice(0, end);
    return [hash, prefix + hash, message, id, f[1], utc(Number(f[2])), f[3], utc(Number(f[4])), scope];
  };
}
