/**
 * What Bitbucket Cloud and DC share about pull requests: the states synced, the high-water mark of a
 * pass, and the id sweep that lets a reconcile delete pull requests removed upstream (their activities
 * go with them: the registry's parents); a stored repository by id, for the sweeps' checks by id.
 */
import type { StreamContext, Sweep } from "../connector/connector.js";

/** Every state the streams sync: a pull request in one of these is listed, so never swept. */
export const PR_STATES = {
  cloud: ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"] as const,
  dc: "ALL",
};

/** How far the vendor's clock may run ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The high-water mark an item read in this pass may set: its update time, but never later than the
 * start of the run (less the clock skew). An item updated during the pass after its page was read
 * has a later update time than the run's start, so the next pass (`updated >= mark`) reads it again,
 * whatever else this pass saw later.
 */
export function sinceMark<T extends string | number>(updated: T, now: number): T {
  const cap = now - CLOCK_SKEW_MS;
  if (typeof updated === "number") return (updated > cap ? cap : updated) as T;
  const at = Date.parse(updated);
  return (Number.isFinite(at) && at > cap ? new Date(cap).toISOString() : updated) as T;
}

/** A repository as the store holds it, by id (its `project_key` and `slug`); undefined when it has none. */
export async function storedRepository(ctx: StreamContext, id: string): Promise<{ projectKey: string; slug: string } | undefined> {
  const [row] = await ctx.lookup("repositories", "repository_id", [id], ["project_key", "slug"]);
  return row ? { projectKey: String(row.project_key), slug: String(row.slug) } : undefined;
}

/**
 * Pull requests by id, every repository, every synced state. A stored pull request the listing left
 * out is asked for by id before it counts as gone (`Sweep.exists`, as for every sweep): one the API
 * still has is never deleted.
 */
export function pullRequestSweep(source: {
  /** Pull request ids (`<to repository id>-<scoped id>`) of every repository, in pages. */
  ids(ctx: StreamContext): AsyncIterable<readonly string[]>;
  /** Whether the API still answers for pull request `scopedId` into `repo` (404: gone). */
  exists(ctx: StreamContext, repo: { projectKey: string; slug: string }, scopedId: string): Promise<boolean>;
}): Sweep {
  return {
    entity: "pull_requests",
    ids: (ctx) => source.ids(ctx),
    async exists(ctx, id) {
      const [pr] = await ctx.lookup("pull_requests", "pull_request_id", [id], ["to_repository_id", "scoped_id"]);
      if (!pr) return false;
      // A pull request into a repository the store no longer has went with it.
      const repo = await storedRepository(ctx, String(pr.to_repository_id));
      return repo !== undefined && (await source.exists(ctx, repo, String(pr.scoped_id)));
    },
  };
}

export type { OffsetPage } from "../connector/overlapping-pages.js";
export { overlappingPages } from "../connector/overlapping-pages.js";
