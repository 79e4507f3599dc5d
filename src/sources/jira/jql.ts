/**
 * JQL for incremental reads. JQL dates have minute precision and are read in the time zone of the
 * user the token belongs to, so the cursor is rendered in that zone and moved back by an overlap.
 */
import { DateTime } from "luxon";

export const OVERLAP_MS = 5 * 60_000;
export const EPOCH_JQL = "1970-01-01 00:00";

export function jqlDate(epochMs: number, zone: string): string {
  const dt = DateTime.fromMillis(epochMs, { zone });
  return (dt.isValid ? dt : DateTime.fromMillis(epochMs, { zone: "utc" })).toFormat("yyyy-MM-dd HH:mm");
}

export function updatedSinceJql(since: string): string {
  return `updated >= "${since}" ORDER BY updated ASC, id ASC`;
}

/**
 * The same issues in an order no update moves (creation), for listing a pass's range again. JQL has no
 * range on issue ids across projects (`issuekey > X` compares numbers within X's project), so there is
 * no keyset paging: positions it is, with pages that overlap.
 */
export function createdOrderJql(since: string): string {
  return `updated >= "${since}" ORDER BY created ASC, id ASC`;
}

/** Every issue, for the id sweep (Cloud rejects unbounded JQL). */
export const ALL_ISSUES_JQL = `created >= "${EPOCH_JQL}" ORDER BY id ASC`;
