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

/** A page of an offset listing (Bitbucket DC's `start`/`limit`). */
export interface OffsetPage<T> {
  values: T[];
  isLastPage: boolean;
  nextPageStart?: number | null;
}

/** Items re-read at the start of each page at most. */
const OVERLAP = 10;

/**
 * Pages through an offset listing that a move can disturb (DC's pull requests, ordered by a date that
 * changes): each page starts `OVERLAP` items before the previous one ended, and must hold one of the
 * previous page's last items; when none is there (more items moved before it than the overlap), it
 * steps back a page at a time until one is, down to the start. Items seen again with the same `version`
 * are left out, so a pass yields each version once and never skips one that stayed listed.
 */
export async function* overlappingPages<T>(
  fetch: (start: number) => Promise<OffsetPage<T>>,
  idOf: (item: T) => string,
  versionOf: (item: T) => string | number,
): AsyncIterable<T[]> {
  const seen = new Set<string>();
  let tail: string[] = [];
  let start = 0;
  for (;;) {
    let page = await fetch(start);
    let back = start;
    while (tail.length > 0 && back > 0 && !page.values.some((v) => tail.includes(idOf(v)))) {
      back = Math.max(0, back - Math.max(1, page.values.length));
      page = await fetch(back);
    }
    const fresh = page.values.filter((v) => {
      const key = `${idOf(v)}@${versionOf(v)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (fresh.length > 0) yield fresh;
    const next = page.nextPageStart;
    if (page.isLastPage || next === undefined || next === null || page.values.length === 0) return;
    const overlap = Math.min(OVERLAP, page.values.length - 1);
    tail = overlap > 0 ? page.values.slice(page.values.length - overlap).map(idOf) : [];
    start = Math.max(back + 1, next - overlap);
  }
}
