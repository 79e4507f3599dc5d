/**
 * Checkpoints of listings read newest change first. `high`: the newest change of the last finished
 * pass; a pass reads down to `high − overlap`. Within a pass, `next` is the page to read and
 * `passHigh` the newest change seen so far, which becomes `high` when the pass ends.
 */
import type { Checkpoint } from "../connector/connector.js";

export const OVERLAP_MS = 5 * 60_000;

export interface DescendingCheckpoint {
  high?: number;
  passHigh?: number;
  next?: string;
  /** The pass's lower bound (the previous `high`). */
  since?: number;
}

export function descendingCheckpoint(cp: Checkpoint | undefined): DescendingCheckpoint {
  const c = (cp ?? {}) as DescendingCheckpoint;
  return { high: c.high, passHigh: c.next ? c.passHigh : undefined, next: c.next, since: c.high };
}
