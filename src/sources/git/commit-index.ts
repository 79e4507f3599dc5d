/**
 * The store's copy of the commits of git-backed repositories, for what reads the store rather than
 * git (SQL). The export never reads it: git's commits replace the store's for those repositories
 * (`commit-reader.ts`). A repository is brought up to date when its refs moved since the last time:
 * - first time (or when git can no longer walk from the tips it was indexed at): every commit;
 * - otherwise the commits reachable now and not from the old tips are added, and those reachable from
 *   the old tips and from no ref any more (a rewritten or deleted branch) are removed.
 * The tips indexed are kept per repository in the site's settings (`git.commitIndex.<id>`).
 */
import { createHash } from "node:crypto";
import { entity } from "../../core/entities/registry.js";
import type { Site, Store } from "../../store/port.js";
import { commitRow } from "./commit-reader.js";
import { CommitStream, LOG_FORMAT } from "./commit-stream.js";
import { runGit } from "./git-process.js";
import { listRepositories } from "./registry.js";
import { describeRepository, type Repository } from "./repository.js";

const COMMITS = entity("bitbucket", "commits");
const BATCH = 2000;
const GIT_TIMEOUT_MS = 600_000;
/** Hashes of removed commits read at most (a bigger rewrite re-indexes the repository whole). */
const MAX_REMOVED_OUTPUT = 64 << 20;

interface Indexed {
  /** Sorted `<sha> <ref>` lines of the tips indexed, hashed. */
  signature: string;
  tips: string[];
}

export interface CommitIndexResult {
  repositories: number;
  indexed: number;
  added: number;
  removed: number;
  warnings: string[];
}

const settingKey = (repo: Repository) => `git.commitIndex.${repo.id}`;

/** The objects the refs of a repository point at (sorted, unique), and a hash of its `<sha> <ref>` lines. */
export async function refTips(path: string): Promise<{ signature: string; tips: string[] } | undefined> {
  const r = await runGit(["-C", path, "--no-replace-objects", "for-each-ref", "--format=%(objectname) %(refname)"], { timeoutMs: 60_000, maxOutput: 64 << 20 });
  if (r.code !== 0) return undefined;
  const lines = r.stdout.split("\n").filter(Boolean).sort();
  const tips = [...new Set(lines.map((l) => l.slice(0, l.indexOf(" "))))].sort();
  return { signature: createHash("sha256").update(lines.join("\n")).digest("hex"), tips };
}

/** Streams `git log <walk>` of a repository into the store, in batches; the number of rows written. */
async function addCommits(store: Store, site: Site, repo: Repository, walk: readonly string[]): Promise<number> {
  const stream = new CommitStream({
    describe: describeRepository(repo),
    args: ["-C", repo.path!, "--no-replace-objects", "-c", "log.showSignature=false", "log", "--no-mailmap", "--no-color", "--encoding=UTF-8", "-z", LOG_FORMAT, ...walk],
    toRow: commitRow(repo, -Infinity),
    highWater: 2 * BATCH,
    pollingTimeoutMs: GIT_TIMEOUT_MS,
    executionTimeoutMs: GIT_TIMEOUT_MS,
    stallMs: 0,
    yieldCpu: true,
  });
  stream.start();
  let written = 0;
  try {
    for (;;) {
      const rows = await stream.take(BATCH);
      if (rows === null) break;
      await store.data.upsert(site.id, COMMITS, rows);
      written += rows.length;
    }
  } finally {
    stream.stop();
  }
  return written;
}

/** Every stored commit of a repository, removed (before a whole re-index). */
async function removeAll(store: Store, site: Site, repo: Repository): Promise<number> {
  const at = COMMITS.key.indexOf("repository_id");
  let removed = 0;
  let doomed: unknown[][] = [];
  for await (const keys of store.data.keys(site.id, COMMITS, BATCH)) {
    for (const key of keys) if (Number(key[at]) === repo.id) doomed.push(key);
    if (doomed.length >= BATCH) {
      removed += await store.data.deleteByKey(site.id, COMMITS, doomed);
      doomed = [];
    }
  }
  if (doomed.length > 0) removed += await store.data.deleteByKey(site.id, COMMITS, doomed);
  return removed;
}

async function indexRepository(store: Store, site: Site, repo: Repository, result: CommitIndexResult): Promise<void> {
  const now = await refTips(repo.path!);
  if (!now) {
    result.warnings.push(`Commits of repository ${describeRepository(repo)} could not be indexed: git cannot list its refs.`);
    return;
  }
  const before = await store.settings.get<Indexed>(site.id, settingKey(repo));
  if (before?.signature === now.signature) return;
  result.indexed++;
  let incremental = before !== undefined && before.tips.length > 0;
  if (incremental) {
    // Gone from every ref: reachable from the old tips, not from any ref now.
    const gone = await runGit(["-C", repo.path!, "--no-replace-objects", "rev-list", ...before!.tips, "--not", "--all"], { timeoutMs: GIT_TIMEOUT_MS, maxOutput: MAX_REMOVED_OUTPUT });
    if (gone.code === 0) {
      const hashes = gone.stdout.split("\n").filter(Boolean);
      for (let i = 0; i < hashes.length; i += BATCH) {
        result.removed += await store.data.deleteByKey(site.id, COMMITS, hashes.slice(i, i + BATCH).map((h) => [repo.id, h]));
      }
      result.added += await addCommits(store, site, repo, ["--all", "--not", ...before!.tips]);
    } else {
      incremental = false; // an old tip is gone from the object store (a rewrite, then gc): start over
    }
  }
  if (!incremental) {
    result.removed += await removeAll(store, site, repo);
    result.added += await addCommits(store, site, repo, ["--all"]);
  }
  await store.settings.set(site.id, settingKey(repo), { signature: now.signature, tips: now.tips } satisfies Indexed);
}

/** Brings the store's commits of every git-backed repository of a Bitbucket site up to date. */
export async function indexGitCommits(store: Store, site: Site): Promise<CommitIndexResult> {
  const result: CommitIndexResult = { repositories: 0, indexed: 0, added: 0, removed: 0, warnings: [] };
  if (site.product !== "bitbucket") return result;
  for (const repo of await listRepositories(store, site)) {
    if (!repo.path) continue;
    result.repositories++;
    try {
      await indexRepository(store, site, repo, result);
    } catch (error) {
      result.warnings.push(`Commits of repository ${describeRepository(repo)} could not be indexed: ${(error as Error).message}`);
    }
  }
  return result;
}
