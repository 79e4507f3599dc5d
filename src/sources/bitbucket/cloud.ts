/**
 * Bitbucket Cloud: REST 2.0 (`api.bitbucket.org`) with an email/username and API token (Basic).
 * Pages follow the `next` URL. Repositories and members are read whole each run; pull requests per
 * repository with `q=updated_on >= "…"` sorted by `id` (page numbers over an `updated_on` order skip an
 * item whenever an earlier one is updated during the pass and moves to the end; an id never moves), and
 * for each changed pull request
 * its activity and build statuses; a closed pull request's `closed_date` is the time of the activity's
 * merge or decline, not `updated_on` (which later comments move). Commits come from a git mirror of
 * each repository (`commits.ts`), the REST listing only where a repository cannot be cloned.
 */
import type { Batch, Connector, Stream, StreamContext, SyncRecord, Sweep } from "../connector/connector.js";
import type { SourceConfig } from "../connector/source-config.js";
import { sourceError } from "../connector/source-error.js";
import { emailOf } from "./commit-pass.js";
import { commitStream, newerThan, type CommitSource } from "./commits.js";
import { bareUuid, hashId, uuidToId } from "./ids.js";
import { PR_STATES, pullRequestSweep, sinceMark, storedRepository } from "./pull-request-pass.js";

interface Paged<T> {
  pagelen?: number;
  size?: number;
  page?: number;
  next?: string;
  values: T[];
}

interface CloudUser {
  uuid?: string;
  account_id?: string;
  display_name?: string;
  nickname?: string;
}

interface CloudRepo {
  uuid: string;
  name: string;
  slug: string;
  full_name: string;
  description?: string;
  is_private: boolean;
  fork_policy?: string;
  parent?: { uuid: string; full_name?: string };
  project?: { uuid: string; key: string; name: string };
  links?: { html?: { href: string }; clone?: { href: string; name: string }[] };
}

interface CloudPullRequest {
  id: number;
  title: string;
  description?: string;
  state: string;
  author?: CloudUser;
  reviewers?: CloudUser[];
  source: { branch: { name: string }; repository?: { uuid: string }; commit?: { hash: string } };
  destination: { branch: { name: string }; repository?: { uuid: string } };
  created_on: string;
  updated_on: string;
  links?: { html?: { href: string } };
}

type CloudActivity = {
  update?: { state: string; date: string; author?: CloudUser; title?: string; source?: { commit?: { hash: string } } };
  approval?: { date: string; user?: CloudUser };
  changes_requested?: { date: string; user?: CloudUser };
  comment?: { id: number; created_on: string; user?: CloudUser; content?: { raw?: string }; inline?: unknown };
};

interface CloudStatus {
  key: string;
  name?: string;
  url?: string;
  state: string;
  description?: string;
  created_on: string;
  updated_on: string;
  refname?: string;
  commit?: { hash: string };
}

export function workspaceOf(config: SourceConfig): string {
  if (config.workspace) return config.workspace;
  const segment = new URL(config.url).pathname.split("/").filter(Boolean)[0];
  if (!segment) throw sourceError(`bitbucket-cloud needs a workspace: give --url https://bitbucket.org/<workspace>`, {}, "sluice.source.invalid");
  return segment;
}

async function* pages<T>(ctx: StreamContext, path: string, query: Record<string, string | number | readonly string[]> | undefined, entity: string): AsyncIterable<T[]> {
  let page = await ctx.http.get<Paged<T>>(path, { entity, query });
  for (;;) {
    yield page.values;
    if (!page.next) return;
    page = await ctx.http.get<Paged<T>>(page.next, { entity });
  }
}

const userId = (u: CloudUser | undefined | null): string | null => bareUuid(u?.uuid) ?? u?.account_id ?? null;

async function repositories(ctx: StreamContext): Promise<CloudRepo[]> {
  const cached = ctx.shared.get("bitbucket.repos") as CloudRepo[] | undefined;
  if (cached) return cached;
  const all: CloudRepo[] = [];
  for await (const values of pages<CloudRepo>(ctx, `/2.0/repositories/${workspaceOf(ctx.config)}`, { pagelen: 100 }, "repositories")) all.push(...values);
  ctx.shared.set("bitbucket.repos", all);
  return all;
}

function repoStream(): Stream {
  return {
    name: "repositories",
    entities: ["repositories"],
    async *read(ctx): AsyncIterable<Batch> {
      const all: CloudRepo[] = [];
      for await (const values of pages<CloudRepo>(ctx, `/2.0/repositories/${workspaceOf(ctx.config)}`, { pagelen: 100 }, "repositories")) {
        all.push(...values);
        const records: SyncRecord[] = values.map((r) => {
          const id = uuidToId(r.uuid);
          return {
            repository_id: id,
            url: r.links?.html?.href,
            repository_name: r.name,
            description: r.description || null,
            hierarchy_id: bareUuid(r.parent?.uuid ?? r.uuid),
            origin: uuidToId(r.parent?.uuid),
            project_id: uuidToId(r.project?.uuid),
            project_key: r.project?.key,
            project_name: r.project?.name,
            project_type: "NORMAL",
            forkable: r.fork_policy !== "no_forks",
            fork: r.parent !== undefined,
            public: !r.is_private,
            slug: r.slug,
            scope_key: String(id),
          };
        });
        yield { records: { repositories: records }, checkpoint: {}, items: records.length };
      }
      ctx.shared.set("bitbucket.repos", all);
    },
  };
}

function activityRecord(prId: string, a: CloudActivity, scope: string): SyncRecord | undefined {
  let action: string;
  let date: string;
  let user: CloudUser | undefined;
  let info: Record<string, unknown> = {};
  if (a.comment) {
    action = "COMMENTED";
    date = a.comment.created_on;
    user = a.comment.user;
    info = { comment_id: a.comment.id, text: a.comment.content?.raw ?? "" };
  } else if (a.approval) {
    action = "APPROVED";
    date = a.approval.date;
    user = a.approval.user;
  } else if (a.changes_requested) {
    action = "REVIEWED";
    date = a.changes_requested.date;
    user = a.changes_requested.user;
    info = { status: "NEEDS_WORK" };
  } else if (a.update) {
    action = a.update.state === "MERGED" ? "MERGED" : a.update.state === "DECLINED" ? "DECLINED" : "UPDATED";
    date = a.update.date;
    user = a.update.author;
    if (a.update.source?.commit?.hash) info = { commit: a.update.source.commit.hash };
  } else {
    return undefined;
  }
  return {
    activity_id: hashId(`${prId}|${action}|${date}|${userId(user) ?? ""}`),
    pull_request_id: prId,
    author_id: userId(user),
    created_date: date,
    action,
    additional_information: info,
    scope_key: scope,
  };
}

/**
 * When a closed pull request closed: 2.0 has no close time, and `updated_on` moves with every later
 * comment or approval, so the time is the activity's last `update` into the pull request's state
 * (MERGED, DECLINED, SUPERSEDED). `updated_on` stands in only when the activity shows no such update.
 */
export function closedAt(pr: Pick<CloudPullRequest, "state" | "updated_on">, activity: readonly CloudActivity[]): string | null {
  if (pr.state === "OPEN") return null;
  let at: string | undefined;
  for (const a of activity) {
    const u = a.update;
    if (u?.state === pr.state && (at === undefined || Date.parse(u.date) > Date.parse(at))) at = u.date;
  }
  return at ?? pr.updated_on;
}

interface PrCheckpoint {
  since?: string;
  high?: string;
  done?: string[];
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
      const ws = workspaceOf(ctx.config);
      for (const repo of await repositories(ctx)) {
        if (done.has(repo.uuid)) continue;
        const repoId = uuidToId(repo.uuid)!;
        const scope = String(repoId);
        const base = `/2.0/repositories/${ws}/${repo.slug}`;
        const query = {
          state: PR_STATES.cloud,
          sort: "id",
          pagelen: 50,
          fields: "+values.reviewers",
          ...(since ? { q: `updated_on >= ${since}` } : {}),
        };
        for await (const prs of pages<CloudPullRequest>(ctx, `${base}/pullrequests`, query, "pull_requests")) {
          const pullRequests: SyncRecord[] = [];
          const activities: SyncRecord[] = [];
          const statuses: SyncRecord[] = [];
          for (const pr of prs) {
            const toRepo = uuidToId(pr.destination.repository?.uuid) ?? repoId;
            const prId = `${toRepo}-${pr.id}`;
            const mark = sinceMark(pr.updated_on, ctx.now);
            if (!high || Date.parse(mark) > Date.parse(high)) high = mark;
            const prActivities: CloudActivity[] = [];
            for await (const values of pages<CloudActivity>(ctx, `${base}/pullrequests/${pr.id}/activity`, { pagelen: 50 }, "pull_request_activities")) {
              for (const a of values) {
                prActivities.push(a);
                const r = activityRecord(prId, a, scope);
                if (r) activities.push(r);
              }
            }
            pullRequests.push({
              pull_request_id: prId,
              url: pr.links?.html?.href,
              scoped_id: pr.id,
              from_repository_id: uuidToId(pr.source.repository?.uuid),
              to_repository_id: toRepo,
              from_branch: pr.source.branch.name,
              to_branch: pr.destination.branch.name,
              title: pr.title,
              description: pr.description || null,
              state: pr.state === "SUPERSEDED" ? "DECLINED" : pr.state,
              author_id: userId(pr.author),
              reviewer_ids: (pr.reviewers ?? []).map(userId).filter((u): u is string => u !== null),
              created_date: pr.created_on,
              updated_date: pr.updated_on,
              closed_date: closedAt(pr, prActivities),
              scope_key: scope,
            });
            for await (const values of pages<CloudStatus>(ctx, `${base}/pullrequests/${pr.id}/statuses`, { pagelen: 50 }, "build_statuses")) {
              for (const s of values) {
                statuses.push({
                  commit_hash: s.commit?.hash,
                  repository_id: repoId,
                  build_key: s.key,
                  build_url: s.url,
                  build_name: s.name,
                  build_description: s.description || null,
                  build_created_date: s.created_on,
                  build_updated_date: s.updated_on,
                  build_state: s.state === "STOPPED" ? "FAILED" : s.state,
                  ref: s.refname ?? null,
                  scope_key: scope,
                });
              }
            }
          }
          yield {
            records: { pull_requests: pullRequests, pull_request_activities: activities, build_statuses: statuses },
            checkpoint: { ...(since ? { since } : {}), ...(high ? { high } : {}), done: [...done] },
            items: pullRequests.length,
          };
        }
        done.add(repo.uuid);
        yield { records: {}, checkpoint: { ...(since ? { since } : {}), ...(high ? { high } : {}), done: [...done] }, items: 0 };
      }
    },
    complete(cp) {
      const high = (cp as PrCheckpoint).high;
      return high ? { high } : undefined;
    },
  };
}

interface CloudCommit {
  hash: string;
  date: string;
  message?: string;
  author?: { raw?: string; user?: CloudUser };
  links?: { html?: { href: string } };
}

/** A repository's commits through `/commits`: every branch, newest first. */
async function* restCommits(ctx: StreamContext, repo: CloudRepo): AsyncIterable<SyncRecord[]> {
  const id = uuidToId(repo.uuid)!;
  for await (const commits of pages<CloudCommit>(ctx, `/2.0/repositories/${workspaceOf(ctx.config)}/${repo.slug}/commits`, { pagelen: 100 }, "commits")) {
    yield commits.map((commit) => {
      // 2.0 gives the author only: the committer is reported as the author.
      const email = emailOf(commit.author?.raw);
      return {
        commit_hash: commit.hash,
        url: commit.links?.html?.href,
        message: commit.message ?? null,
        repository_id: id,
        author_email: email,
        author_timestamp: commit.date,
        committer_email: email,
        committer_timestamp: commit.date,
        scope_key: String(id),
      };
    });
  }
}

/** Commits from each repository's git mirror; through the REST listing where it cannot be cloned. */
function cloudCommits(): CommitSource {
  return {
    async repositories(ctx) {
      const site = new URL(ctx.config.url).origin;
      return (await repositories(ctx)).map((repo) => ({
        id: uuidToId(repo.uuid)!,
        name: repo.full_name,
        cloneLink: repo.links?.clone?.find((l) => l.name === "https")?.href,
        commitUrl: (hash: string) => `${site}/${repo.full_name}/commits/${hash}`,
        rest: (c: StreamContext, since: number | undefined) => newerThan(restCommits(c, repo), since),
      }));
    },
    restCovers: "every branch, within a day of the last sync's newest commit",
    // Git over https takes an API token with this fixed user name (Atlassian, "Using API tokens").
    gitAuthorization: (ctx) => ctx.authorization("x-bitbucket-api-token-auth"),
  };
}

function memberStream(): Stream {
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      for await (const values of pages<{ user: CloudUser }>(ctx, `/2.0/workspaces/${workspaceOf(ctx.config)}/members`, { pagelen: 100 }, "users")) {
        const records: SyncRecord[] = values.map((m) => ({
          user_id: userId(m.user),
          user_name: m.user.nickname ?? m.user.display_name,
          user_fullname: m.user.display_name,
          // Bitbucket Cloud never shows members' emails.
          user_email: "",
        }));
        yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}

function repoSweep(): Sweep {
  return {
    entity: "repositories",
    async *ids(ctx) {
      for await (const values of pages<{ uuid: string }>(ctx, `/2.0/repositories/${workspaceOf(ctx.config)}`, { pagelen: 100, fields: "next,values.uuid" }, "repositories")) {
        yield values.map((r) => uuidToId(r.uuid)!);
      }
    },
    async exists(ctx, id) {
      const stored = await storedRepository(ctx, id);
      if (!stored) return false;
      const repo = await ctx.http.get<CloudRepo>(`/2.0/repositories/${workspaceOf(ctx.config)}/${encodeURIComponent(stored.slug)}`, { entity: "repositories", allow: [404] });
      return repo !== undefined && String(uuidToId(repo.uuid)) === id;
    },
  };
}

/** Every pull request of every repository, in every state the stream syncs, by id. */
function prSweep(): Sweep {
  return pullRequestSweep({
    async *ids(ctx) {
      const ws = workspaceOf(ctx.config);
      // Read afresh: a sweep must not trust a listing cached before the streams ran.
      for await (const values of pages<CloudRepo>(ctx, `/2.0/repositories/${ws}`, { pagelen: 100 }, "repositories")) {
        for (const repo of values) {
          const repoId = uuidToId(repo.uuid)!;
          const query = { state: PR_STATES.cloud, sort: "id", pagelen: 50, fields: "next,values.id,values.destination.repository.uuid" };
          for await (const prs of pages<Pick<CloudPullRequest, "id" | "destination">>(ctx, `/2.0/repositories/${ws}/${repo.slug}/pullrequests`, query, "pull_requests")) {
            yield prs.map((pr) => `${uuidToId(pr.destination?.repository?.uuid) ?? repoId}-${pr.id}`);
          }
        }
      }
    },
    async exists(ctx, repo, scopedId) {
      const path = `/2.0/repositories/${workspaceOf(ctx.config)}/${encodeURIComponent(repo.slug)}/pullrequests/${scopedId}`;
      return (await ctx.http.get(path, { entity: "pull_requests", allow: [404], query: { fields: "id" } })) !== undefined;
    },
  });
}

export function bitbucketCloudConnector(): Connector {
  return {
    kind: "bitbucket-cloud",
    product: "bitbucket",
    authHint: "--email and the API token in --api-token-env/--token-file",
    apiBase: (config) => {
      const url = new URL(config.url);
      return url.hostname === "bitbucket.org" ? "https://api.bitbucket.org" : url.origin;
    },
    linkBase: (config) => new URL(config.url).origin,
    streams: [memberStream(), repoStream(), pullRequestStream(), commitStream(cloudCommits())],
    sweeps: [repoSweep(), prSweep()],
  };
}
