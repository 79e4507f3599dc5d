/**
 * Commits through the REST API (when no git mirror is configured): each repository's commits newest
 * first, down to the previous pass's newest commit time minus an overlap (merges bring older commits
 * onto a branch). Checkpoint `{ since?, high?, done? }`: the pass's lower bound (epoch ms), the newest
 * commit time seen, and the repositories finished in this pass.
 */
export const COMMIT_OVERLAP_MS = 24 * 3_600_000;

export interface CommitCheckpoint {
  since?: number;
  high?: number;
  done?: string[];
}

export function commitPass(cp: CommitCheckpoint | undefined): { since: number | undefined; high: number | undefined; done: Set<string> } {
  const c = cp ?? {};
  const resuming = c.done !== undefined;
  return {
    since: resuming ? c.since : c.high !== undefined ? c.high - COMMIT_OVERLAP_MS : undefined,
    high: c.high,
    done: new Set(resuming ? c.done : []),
  };
}

/** `Jo Park <jo@acme.com>` → `jo@acme.com`. */
export function emailOf(raw: string | undefined): string | null {
  const m = raw ? /<([^>]*)>/.exec(raw) : null;
  return m ? m[1]! : null;
}
