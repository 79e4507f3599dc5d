/**
 * Bitbucket Data Center / Server: REST 1.0 with a personal access token (Bearer), paged with
 * `start`/`limit` until `isLastPage` (next page at `nextPageStart`). Repositories and users are read
 * whole each run; pull requests of every repository oldest first, with pages that overlap (an update
 * during the pass moves a pull request and shifts the others: `overlappingPages`), and for those
 * updated since the cursor their activities and the build statuses of their latest commit. Commits
 * come from a git mirror of each repository, every branch and tag (`commits.ts`).
 */
import type { Batch, Connector, Stream, StreamContext, SyncRecord, Sweep } from "../connector/connector.js";
import { commitStream, newerThan, type CommitSource } from "./commits.js";
import { overlappingPages, PR_STATES, pullRequestSweep, sinceMark, storedRepository } from "./pull-request-pass.js";

interface DcPage<T> {
  size: number;
  limit: number;
  isLastPage: boolean;
  start: number;
  nextPageStart?: number | null;
  values: T[];
}

interface DcUser {
  name: string;
  emailAddress?: string;
  id: number;
  displayName: string;
  active?: boolean;
  slug: string;
  type?: string;
}

interface DcRepo {
  id: number;
  slug: string;
  name: string;
  description?: string;
  hierarchyId: string;
  forkable: boolean;
  origin?: { id: number };
  project: { key: string; id: number; name: string; type: string };
  public: boolean;
  links?: { self?: { href: string }[]; clone?: { href: string; name: string }[] };
}

interface DcRef {
  id: string;
  displayId: string;
  latestCommit: string;
  repository: { id: number; slug: string; project: { key: string } };
}

interface DcPullRequest {
  id: number;
  title: string;
  description?: string;
  state: string;
  createdDate: number;
  updatedDate: number;
  closedDate?: number;
  fromRef: DcRef;
  toRef: DcRef;
  author: { user: DcUser };
  reviewers: { user: DcUser }[];
  links?: { self?: { href: string }[] };
}

interface DcActivity {
  id: number;
  createdDate: number;
  user: DcUser;
  action: string;
  commentAction?: string;
  comment?: { id: number; text: string };
  addedReviewers?: DcUser[];
  removedReviewers?: DcUser[];
  fromHash?: string;
  toHash?: string;
}

interface DcBuildStatus {
  state: string;
  key: string;
  name?: string;
  url: string;
  description?: string;
  dateAdded: number;
  buildNumber?: string;
  duration?: number;
  parent?: string;
  ref?: string;
}

async function* pages<T>(ctx: StreamContext, path: string, query: Record<string, string | number>, entity: string): AsyncIterable<T[]> {
  for (let start = 0; ; ) {
    const page = await ctx.http.get<DcPage<T>>(path, { entity, query: { ...query, start, limit: 100 } });
    yield page.values;
    if (page.isLastPage || page.nextPageStart === undefined || page.nextPageStart === null) return;
    start = page.nextPageStart;
  }
}

const userId = (u: DcUser | undefined): string | null => (u ? String(u.id) : null);

async function repositories(ctx: StreamContext): Promise<DcRepo[]> {
  const cached = ctx.shared.get("bitbucket.repos") as DcRepo[] | undefined;
  if (cached) return cached;
  const all: DcRepo[] = [];
  for await (const values of pages<DcRepo>(ctx, "/rest/api/1.0/repos", {}, "repositories")) all.push(...values);
  ctx.shared.set("bitbucket.repos", all);
  return all;
}

function userStream(): Stream {
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      for await (const values of pages<DcUser>(ctx, "/rest/api/1.0/users", {}, "users")) {
        const records: SyncRecord[] = values.map((u) => ({
          user_id: String(u.id),
          user_name: u.name,
          user_fullname: u.displayName,
          user_email: u.emailAddress ?? "",
        }));
        yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}

function repoStream(): Stream {
  return {
    name: "repositories",
    entities: ["repositories"],
    async *read(ctx): AsyncIterable<Batch> {
      const all: DcRepo[] = [];
      for await (const values of pages<DcRepo>(ctx, "/rest/api/1.0/repos", {}, "repositories")) {
        all.push(...values);
        const records: SyncRecord[] = values.map((r) => ({
          repository_id: r.id,
          url: r.links?.self?.[0]?.href ?? `${ctx.config.url}/projects/${r.project.key}/repos/${r.slug}/browse`,
          repository_name: r.name,
          description: r.description ?? null,
          hierarchy_id: r.hierarchyId,
          origin: r.origin?.id ?? null,
          project_id: r.project.id,
          project_key: r.project.key,
          project_name: r.project.name,
          project_type: r.project.type,
          forkable: r.forkable,
          fork: r.origin !== undefined,
          public: r.public,
          slug: r.slug,
          scope_key: String(r.id),
        }));
        yield { records: { repositories: records }, checkpoint: {}, items: records.length };
      }
      ctx.shared.set("bitbucket.repos", all);
    },
  };
}

interface PrCheckpoint {
  since?: number;
  high?: number;
  done?: number[];
}

function pullRequestStream(): Stream {
  return {
    name: "pull_requests",
    entities: ["pull_requests", "pull_request_activities", "build_statuses"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as PrCheckpoint;
      const resuming = cp.done !== undefined;
      const since = resuming ? cp.since : cp.high;
      const done = new Set(resuming ? cp.done : []);
      let high = cp.high;
      for (const repo of await repositories(ctx)) {
        if (done.has(repo.id)) continue;
        const scope = String(repo.id);
        const base = `/rest/api/1.0/projects/${repo.project.key}/repos/${repo.slug}/pull-requests`;
        const fetch = (start: number) => ctx.http.get<DcPage<DcPullRequest>>(base, { entity: "pull_requests", query: { state: PR_STATES.dc, order: "OLDEST", start, limit: 100 } });
        for await (const prs of overlappingPages(fetch, (pr) => String(pr.id), (pr) => pr.updatedDate)) {
          const changed = prs.filter((pr) => since === undefined || pr.updatedDate >= since);
          const pullRequests: SyncRecord[] = [];
          const activities: SyncRecord[] = [];
          const statuses: SyncRecord[] = [];
          for (const pr of changed) {
            const prId = `${pr.toRef.repository.id}-${pr.id}`;
            const mark = sinceMark(pr.updatedDate, ctx.now);
            if (high === undefined || mark > high) high = mark;
            pullRequests.push({
              pull_request_id: prId,
              url: pr.links?.self?.[0]?.href,
              scoped_id: pr.id,
              from_repository_id: pr.fromRef.repository.id,
              to_repository_id: pr.toRef.repository.id,
              from_branch: pr.fromRef.displayId,
              to_branch: pr.toRef.displayId,
              title: pr.title,
              description: pr.description ?? null,
              state: pr.state,
              author_id: userId(pr.author.user),
              reviewer_ids: pr.reviewers.map((r) => String(r.user.id)),
              created_date: pr.createdDate,
              updated_date: pr.updatedDate,
              closed_date: pr.closedDate ?? null,
              scope_key: scope,
            });
            for await (const values of pages<DcActivity>(ctx, `${base}/${pr.id}/activities`, {}, "pull_request_activities")) {
              for (const a of values) {
                const info: Record<string, unknown> = {};
                if (a.comment) Object.assign(info, { comment_id: a.comment.id, text: a.comment.text, comment_action: a.commentAction });
                if (a.addedReviewers?.length) info.added_reviewers = a.addedReviewers.map((u) => String(u.id));
                if (a.removedReviewers?.length) info.removed_reviewers = a.removedReviewers.map((u) => String(u.id));
                if (a.fromHash) Object.assign(info, { from_hash: a.fromHash, to_hash: a.toHash });
                activities.push({
                  activity_id: a.id,
                  pull_request_id: prId,
                  author_id: userId(a.user),
                  created_date: a.createdDate,
                  action: a.action,
                  additional_information: info,
                  scope_key: scope,
                });
              }
            }
            for await (const values of pages<DcBuildStatus>(ctx, `/rest/build-status/1.0/commits/${pr.fromRef.latestCommit}`, {}, "build_statuses")) {
              for (const s of values) {
                statuses.push({
                  commit_hash: pr.fromRef.latestCommit,
                  repository_id: repo.id,
                  build_key: s.key,
                  build_url: s.url,
                  build_name: s.name ?? null,
                  build_number: s.buildNumber ?? null,
                  build_description: s.description ?? null,
                  build_duration: s.duration ?? null,
                  build_created_date: s.dateAdded,
                  build_updated_date: s.dateAdded,
                  build_state: s.state,
                  parent_build_key: s.parent ?? null,
                  ref: s.ref ?? pr.fromRef.id,
                  scope_key: scope,
                });
              }
            }
          }
          yield {
            records: { pull_requests: pullRequests, pull_request_activities: activities, build_statuses: statuses },
            checkpoint: { ...(since !== undefined ? { since } : {}), ...(high !== undefined ? { high } : {}), done: [...done] },
            items: pullRequests.length,
          };
        }
        done.add(repo.id);
        yield { records: {}, checkpoint: { ...(since !== undefined ? { since } : {}), ...(high !== undefined ? { high } : {}), done: [...done] }, items: 0 };
      }
    },
    complete(cp) {
      const high = (cp as PrCheckpoint).high;
      return high === undefined ? undefined : { high };
    },
  };
}

interface DcCommit {
  id: string;
  author?: { name?: string; emailAddress?: string };
  authorTimestamp: number;
  committer?: { name?: string; emailAddress?: string };
  committerTimestamp?: number;
  message?: string;
}

interface DcBranchOrTag {
  id: string;
  displayId: string;
  latestCommit?: string;
  isDefault?: boolean;
}

/**
 * A repository's commits through `/commits`, which without `until` reads the default branch only: the
 * history of every branch (the default first) and every tag, each walk newest first and stopped at the
 * first page whose commits were all met already in this pass (or at `since`).
 */
async function* restCommits(ctx: StreamContext, repo: DcRepo, since: number | undefined): AsyncIterable<SyncRecord[]> {
  const base = `/rest/api/1.0/projects/${repo.project.key}/repos/${repo.slug}`;
  const page = `${ctx.config.url}/projects/${repo.project.key}/repos/${repo.slug}/commits/`;
  const tips: string[] = [];
  for (const kind of ["branches", "tags"]) {
    const refs: DcBranchOrTag[] = [];
    for await (const values of pages<DcBranchOrTag>(ctx, `${base}/${kind}`, {}, "commits")) refs.push(...values);
    refs.sort((a, b) => Number(b.isDefault === true) - Number(a.isDefault === true));
    tips.push(...refs.map((r) => r.latestCommit ?? r.id));
  }
  const seen = new Set<string>();
  for (const tip of new Set(tips)) {
    const listing = async function* (): AsyncIterable<SyncRecord[]> {
      for await (const commits of pages<DcCommit>(ctx, `${base}/commits`, { until: tip }, "commits")) {
        yield commits.map((commit) => ({
          commit_hash: commit.id,
          url: page + commit.id,
          message: commit.message ?? null,
          repository_id: repo.id,
          author_email: commit.author?.emailAddress ?? null,
          author_timestamp: commit.authorTimestamp,
          committer_email: commit.committer?.emailAddress ?? commit.author?.emailAddress ?? null,
          committer_timestamp: commit.committerTimestamp ?? commit.authorTimestamp,
          scope_key: String(repo.id),
        }));
      }
    };
    for await (const records of newerThan(listing(), since)) {
      const fresh = records.filter((r) => !seen.has(r.commit_hash as string));
      for (const r of fresh) seen.add(r.commit_hash as string);
      if (fresh.length > 0) yield fresh;
      else break; // a page of commits all met from another ref: the rest of this history was read with it
    }
  }
}

/** Commits from each repository's git mirror; through `/commits` of every branch and tag where it cannot be cloned. */
function dcCommits(): CommitSource {
  return {
    async repositories(ctx) {
      return (await repositories(ctx)).map((repo) => {
        const page = `${ctx.config.url}/projects/${repo.project.key}/repos/${repo.slug}/commits/`;
        return {
          id: repo.id,
          name: `${repo.project.key}/${repo.slug}`,
          cloneLink: repo.links?.clone?.find((l) => l.name === "http" || /^https?:/.test(l.href))?.href,
          commitUrl: (hash: string) => page + hash,
          rest: (c: StreamContext, since: number | undefined) => restCommits(c, repo, since),
        };
      });
    },
    restCovers: "every branch and tag, within a day of the last sync's newest commit",
    gitAuthorization: (ctx) => ctx.authorization(),
  };
}

function repoSweep(): Sweep {
  return {
    entity: "repositories",
    async *ids(ctx) {
      for await (const values of pages<DcRepo>(ctx, "/rest/api/1.0/repos", {}, "repositories")) yield values.map((r) => r.id);
    },
    async exists(ctx, id) {
      const stored = await storedRepository(ctx, id);
      if (!stored) return false;
      const repo = await ctx.http.get<DcRepo>(repoPath(stored), { entity: "repositories", allow: [404] });
      return repo !== undefined && String(repo.id) === id;
    },
  };
}

const repoPath = (repo: { projectKey: string; slug: string }) => `/rest/api/1.0/projects/${encodeURIComponent(repo.projectKey)}/repos/${encodeURIComponent(repo.slug)}`;

/** Every pull request of every repository, in every state, by id. */
function prSweep(): Sweep {
  return pullRequestSweep({
    async *ids(ctx) {
      // Read afresh: a sweep must not trust a listing cached before the streams ran.
      for await (const values of pages<DcRepo>(ctx, "/rest/api/1.0/repos", {}, "repositories")) {
        for (const repo of values) {
          const base = `${repoPath({ projectKey: repo.project.key, slug: repo.slug })}/pull-requests`;
          const fetch = (start: number) => ctx.http.get<DcPage<DcPullRequest>>(base, { entity: "pull_requests", query: { state: PR_STATES.dc, order: "OLDEST", start, limit: 100 } });
          for await (const prs of overlappingPages(fetch, (pr) => String(pr.id), () => 0)) {
            yield prs.map((pr) => `${pr.toRef?.repository?.id ?? repo.id}-${pr.id}`);
          }
        }
      }
    },
    async exists(ctx, repo, scopedId) {
      return (await ctx.http.get(`${repoPath(repo)}/pull-requests/${scopedId}`, { entity: "pull_requests", allow: [404] })) !== undefined;
    },
  });
}

export function bitbucketDcConnector(): Connector {
  return {
    kind: "bitbucket-dc",
    product: "bitbucket",
    authHint: "the personal access token in --api-token-env/--token-file",
    streams: [userStream(), repoStream(), pullRequestStream(), commitStream(dcCommits())],
    sweeps: [repoSweep(), prSweep()],
  };
}
