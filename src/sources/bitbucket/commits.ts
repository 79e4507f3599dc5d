/**
 * The commits stream of both Bitbucket connectors. Each repository's commits come from its git mirror
 * (`git-mirror.ts`): every commit on every branch and tag, a rebased-away commit removed, exactly
 * `git rev-list --all` of the repository. Only where a repository cannot be cloned (no http(s) clone
 * link, a link on another host, git missing, the fetch refused) — or where the site says
 * `commitsFrom: "api"` — are its commits read through the REST listing (`commit-pass.ts`: newest
 * first down to the last pass's newest commit less a day, so a commit rebased in later than that is
 * missed and one rebased away stays), and the run record says so (`skipped`, entity `repositories`).
 *
 * Checkpoint `{ tips?, since?, high?, done? }`: per repository id the ref tips its commits were read
 * at, the REST window, and the repositories finished in this pass.
 */
import { join } from "node:path";
import type { Batch, Stream, StreamContext, SyncRecord } from "../connector/connector.js";
import { commitPass, type CommitCheckpoint } from "./commit-pass.js";
import { addedCommits, cloneTarget, MirrorError, pruneMirrors, removedCommits, unreachableCommits, updateMirror } from "./git-mirror.js";

/** One repository as the commits stream needs it. */
export interface CommitRepository {
  /** `repository_id`. */
  id: number;
  /** `PROJECT/slug`, for the run record. */
  name: string;
  /** The http(s) clone link, when the listing gives one. */
  cloneLink: string | undefined;
  /** The commit's page (`url` column). */
  commitUrl(hash: string): string;
  /** The REST listing's commits committed since `since` (epoch ms; all when undefined), a page at a time. */
  rest(ctx: StreamContext, since: number | undefined): AsyncIterable<SyncRecord[]>;
}

export interface CommitSource {
  repositories(ctx: StreamContext): Promise<CommitRepository[]>;
  /** What the REST listing covers, for the run record (`every branch`, …). */
  readonly restCovers: string;
  /** The Authorization header git sends (Bitbucket Cloud: a fixed user name with the API token). */
  gitAuthorization(ctx: StreamContext): string;
}

interface Checkpoint extends CommitCheckpoint {
  tips?: Record<string, string[]>;
}

const BATCH = 2000;

const msOf = (v: unknown): number => (typeof v === "number" ? v : Date.parse(String(v)));

/** Pages of a newest-first commit listing, cut at the first commit committed before `since`. */
export async function* newerThan(pages: AsyncIterable<SyncRecord[]>, since: number | undefined): AsyncIterable<SyncRecord[]> {
  for await (const records of pages) {
    const fresh = since === undefined ? records : records.filter((r) => msOf(r.committer_timestamp) >= since);
    if (fresh.length > 0) yield fresh;
    if (fresh.length < records.length) return;
  }
}

export function commitStream(source: CommitSource): Stream {
  return {
    name: "commits",
    entities: ["commits"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as Checkpoint;
      const pass = commitPass(cp);
      const tips: Record<string, string[]> = { ...cp.tips };
      let high = pass.high;
      const checkpoint = () => ({
        ...(pass.since !== undefined ? { since: pass.since } : {}),
        ...(high !== undefined ? { high } : {}),
        done: [...pass.done],
        tips,
      });
      const repos = await source.repositories(ctx);
      const siteDir = ctx.mirrorDir;
      const origin = new URL(ctx.config.url).origin;
      for (const repo of repos) {
        const key = String(repo.id);
        if (pass.done.has(key)) continue;
        let viaGit = false;
        if (ctx.config.commitsFrom === "api") {
          ctx.skip("repositories", `not cloned: the site reads commits through the REST API (commitsFrom: api), ${source.restCovers}`, [repo.name]);
        } else if (siteDir === undefined) {
          ctx.skip("repositories", `not cloned: this process has no folder for git mirrors; commits were read through the REST API, ${source.restCovers}`, [repo.name]);
        } else {
          try {
            const url = cloneTarget(repo.cloneLink, origin);
            const dir = join(siteDir, `${key}.git`);
            const now = await updateMirror(dir, url, source.gitAuthorization(ctx), ctx.signal);
            viaGit = true;
            for await (const batch of fromMirror(ctx, repo, dir, tips[key] ?? [])) yield { ...batch, checkpoint: checkpoint() };
            tips[key] = now;
          } catch (error) {
            if (!(error instanceof MirrorError)) throw error;
            if (viaGit) throw error;
            ctx.skip("repositories", `not cloned: ${error.reason}; commits were read through the REST API, ${source.restCovers}`, [`${repo.name} (${error.message.slice(0, 300)})`]);
          }
        }
        if (!viaGit) {
          delete tips[key]; // read whole from git next time it can be cloned
          for await (const records of repo.rest(ctx, pass.since)) {
            for (const r of records) {
              const at = msOf(r.committer_timestamp);
              if (high === undefined || at > high) high = at;
            }
            yield { records: { commits: records }, checkpoint: checkpoint(), items: records.length };
          }
        }
        pass.done.add(key);
        yield { records: {}, checkpoint: checkpoint(), items: 0 };
      }
      if (siteDir !== undefined && repos.length > 0) {
        // Mirrors of repositories gone from the listing, and their tips, go (not on an empty listing:
        // a token that lost its rights must not cost every clone again).
        const listed = new Set(repos.map((r) => String(r.id)));
        for (const id of Object.keys(tips)) if (!listed.has(id)) delete tips[id];
        await pruneMirrors(siteDir, listed);
        yield { records: {}, checkpoint: checkpoint(), items: 0 };
      }
    },
    complete(cp) {
      const c = cp as Checkpoint;
      return { ...(c.high !== undefined ? { high: c.high } : {}), ...(c.tips ? { tips: c.tips } : {}) };
    },
  };
}

/**
 * What changed in one repository since `oldTips`: commits removed from every ref (deletes), then the
 * commits added (records). With no usable old tips the repository is read whole, and stored commits
 * git no longer reaches are deleted.
 */
async function* fromMirror(ctx: StreamContext, repo: CommitRepository, dir: string, oldTips: readonly string[]): AsyncIterable<Omit<Batch, "checkpoint">> {
  let since = oldTips;
  const removed = await removedCommits(dir, oldTips, ctx.signal);
  if (removed === undefined) since = [];
  if (removed && removed.length > 0) {
    for (let i = 0; i < removed.length; i += BATCH) {
      yield { records: {}, deletes: { commits: removed.slice(i, i + BATCH).map((h) => [repo.id, h]) }, items: 0 };
    }
  } else if (since.length === 0 && !ctx.firstSync) {
    // Read whole (first time from git, or an old tip was collected away): what was stored before —
    // through the REST API, or from an older history — and git no longer reaches goes.
    const stored = async function* () {
      for await (const rows of ctx.stored("commits", "repository_id", repo.id, ["commit_hash"])) yield rows.map((r) => String(r.commit_hash));
    };
    const gone = await unreachableCommits(dir, stored(), ctx.signal);
    for (let i = 0; i < gone.length; i += BATCH) {
      yield { records: {}, deletes: { commits: gone.slice(i, i + BATCH).map((h) => [repo.id, h]) }, items: 0 };
    }
  }
  const scope = String(repo.id);
  for await (const commits of addedCommits(dir, since, BATCH, ctx.signal)) {
    const records: SyncRecord[] = commits.map((c) => ({
      commit_hash: c.hash,
      url: repo.commitUrl(c.hash),
      message: c.message,
      repository_id: repo.id,
      author_email: c.authorEmail,
      author_timestamp: c.authorMs,
      committer_email: c.committerEmail,
      committer_timestamp: c.committerMs,
      scope_key: scope,
    }));
    yield { records: { commits: records }, items: records.length };
  }
}
