/**
 * What Bitbucket Cloud and DC share about pull requests: the states synced, the high-water mark of a
 * pass, and the id sweep that lets a reconcile delete pull requests removed upstream (their activities
 * go with them: the registry's parents).
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

/** One repository's pull requests as the sweep sees them. */
export interface SweptRepository {
  /** The repository's `scope_key`. */
  scope: string;
  /** Pull request ids (`<to repository id>-<scoped id>`) in pages. */
  ids(): AsyncIterable<readonly string[]>;
  /** Whether the API still answers for this scoped id (404: gone). */
  exists(scopedId: string): Promise<boolean>;
}

/**
 * Pull requests by id, every repository, every synced state. A listing pages by offset and can skip an
 * item if another is deleted during the pass, so a stored pull request the listing left out is asked
 * for by id before it counts as gone: one the API still has is never deleted.
 */
export function pullRequestSweep(source: { repositories(ctx: StreamContext): AsyncIterable<SweptRepository> }): Sweep {
  return {
    entity: "pull_requests",
    async *ids(ctx) {
      for await (const repo of source.repositories(ctx)) {
        const listed = new Set<string>();
        for await (const ids of repo.ids()) {
          for (const id of ids) listed.add(id);
          yield ids;
        }
        const stored = await ctx.lookup("pull_requests", "scope_key", [repo.scope], ["pull_request_id", "scoped_id"]);
        const missing = stored.filter((r) => !listed.has(String(r.pull_request_id)));
        const kept: string[] = [];
        for (const row of missing) if (await repo.exists(String(row.scoped_id))) kept.push(String(row.pull_request_id));
        if (kept.length > 0) yield kept;
      }
    },
  };
}

export type { OffsetPage } from "../connector/overlapping-pages.js";
export { overlappingPages } from "../connector/overlapping-pages.js";
