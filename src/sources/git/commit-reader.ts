/**
 * The `commits` reader of a Bitbucket site with git data: every commit reachable from any ref of each
 * git-backed repository (`git log --all`, so each commit once per repository), committed since
 * fromDate, streamed from git itself; the store's commit rows for repositories without git data.
 *
 * Rows come in repository id order. Up to `parallel` git processes run at once: the repository being
 * read and the next ones, prefetched into bounded buffers. Aborting the export or leaving the loop
 * early kills every git process of the read.
 */
import { storedColumns, type EntityDef } from "../../core/entities/registry.js";
import { exportQuery } from "../../core/query.js";
import type { EntityReader, ReadOptions } from "../port.js";
import type { Site, Store } from "../../store/port.js";
import { CommitStream, isGitReadError, LOG_FORMAT } from "./commit-stream.js";
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

  async *rows(site: Site, def: EntityDef, options: ReadOptions): AsyncGenerator<unknown[][]> {
    const names = storedColumns(def).map((c) => c.name);
    if (names.join() !== COMMIT_COLUMNS.join()) {
      throw new Error(`The git reader reads bitbucket commits, not ${def.product}.${def.name}`);
    }
    const settings = commitReadSettings(options.settings);
    const warnings: Warning[] = [];
    this.lastWarnings = warnings;
    const sinceMs = Date.parse(options.since);
    const batchSize = Math.max(1, options.batchSize);
    const { signal } = options;
    signal.throwIfAborted();

    const repos = await listRepositories(this.deps.store, site);
    const personalFork = (r: Repository) => r.fork && r.projectType === "PERSONAL" && !settings.exportPersonalForkCommits;
    const excluded = new Set(options.excludeScopes);
    const unreadable = this.deps.unreadable(site.id);
    const gitRepos: Repository[] = [];
    for (const repo of repos) {
      if (personalFork(repo)) excluded.add(String(repo.id));
      if (!repo.path) continue;
      const wanted = !excluded.has(String(repo.id));
      excluded.add(String(repo.id)); // git's commits replace the store's, if it has any
      if (!wanted) continue;
      const reason = unreadable.get(repo.id);
      if (reason === undefined) gitRepos.push(repo);
      else warnings.push(skipped(repo, reason));
    }

    // git reads `@<seconds> +0000` as a raw timestamp (a bare `@<seconds>` goes through approxidate,
    // which misreads small numbers); it has no form for instants before 1970: filtered in code only.
    const gitSince =
      Number.isFinite(sinceMs) && sinceMs >= 0 && (await this.deps.sinceAsFilter()) ? Math.floor(sinceMs / 1000) : undefined;
    const highWater = Math.max(2 * batchSize, 2048);
    const open = (repo: Repository) => {
      const args = ["-C", repo.path!, "--no-replace-objects", "-c", "log.showSignature=false", "log", "--all"];
      args.push("--no-mailmap", "--no-color", "--encoding=UTF-8", "-z", LOG_FORMAT);
      if (gitSince !== undefined) args.push(`--since-as-filter=@${gitSince} +0000`);
      const stream = new CommitStream({
        describe: describeRepository(repo),
        args,
        toRow: commitRow(repo, Number.isFinite(sinceMs) ? sinceMs : -Infinity),
        highWater,
        pollingTimeoutMs: settings.pollingTimeoutMs,
        executionTimeoutMs: settings.executionTimeoutMs,
        stallMs: this.deps.stallMs,
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
      snapshot.rows(exportQuery(def, { since: options.since, excludeScopes: [...excluded] }), batchSize)[Symbol.asyncIterator](),
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

function skipped(repo: Repository, reason: string): Warning {
  return {
    key: "export.repository.skipped",
    message: `Commits of repository ${describeRepository(repo)} were not exported: ${reason}`,
  };
}

/** Builds the stored row of a `git log` record, or drops it when committed before `sinceMs`. */
function commitRow(repo: Repository, sinceMs: number): (fields: string[]) => unknown[] | undefined {
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
