/**
 * Every user of a Data Center site, although a user search answers at most the first matches:
 * Jira 10 the first 100 whatever `startAt` and `maxResults` (JRASERVER-78520, JRASERVER-78660),
 * Jira 9 and earlier the first 1,000. `username=.` lists everyone up to that cap; when it may have
 * been cut (its count is a multiple of 100), the site is listed again by prefix (`a`, `b`, … the
 * search matches the start of the user name, the display name's words and the email address), each
 * prefix that may have been cut refined by one more character, down to `MAX_PREFIX` characters.
 * A user no prefix reaches but an issue refers to is fetched by `referenced-users.ts`.
 */
import type { StreamContext } from "../connector/connector.js";
import type { JiraUser } from "./api-types.js";
import type { JiraVariant } from "./variant.js";

/** What a search is cut at, in every version: a count that is a multiple of it may be cut. */
const CAP = 100;
const PAGE = 1000;
const MAX_PREFIX = 24;
const ALPHABET = [..."abcdefghijklmnopqrstuvwxyz0123456789._-@'"];

const mayBeCut = (count: number) => count > 0 && count % CAP === 0;

/** One search, paged with `startAt` until an empty page (a short page is not the end: a cut is). */
async function search(ctx: StreamContext, variant: JiraVariant, username: string): Promise<JiraUser[]> {
  const found: JiraUser[] = [];
  const ids = new Set<string>();
  for (let startAt = 0; ; ) {
    const page = await ctx.http.get<JiraUser[]>(`${variant.api}/user/search`, {
      entity: "users",
      query: { username, includeActive: true, includeInactive: true, startAt, maxResults: PAGE },
    });
    // A server that ignores `startAt` answers the first page again: nothing new ends it too.
    const fresh = (Array.isArray(page) ? page : []).filter((u) => {
      const id = variant.userId(u);
      return id !== null && !ids.has(id) && ids.add(id);
    });
    if (fresh.length === 0) return found;
    found.push(...fresh);
    startAt += page.length;
  }
}

/** Pages of users not listed before (each user once), until every reachable user is listed. */
export async function* dcUsers(ctx: StreamContext, variant: JiraVariant): AsyncIterable<JiraUser[]> {
  const seen = new Set<string>();
  const unseen = (users: JiraUser[]) =>
    users.filter((u) => {
      const id = variant.userId(u)!;
      return !seen.has(id) && seen.add(id);
    });
  const all = await search(ctx, variant, ".");
  yield unseen(all);
  if (!mayBeCut(all.length)) return;
  // `.` alone is the search for everyone, already read.
  const prefixes = ALPHABET.filter((c) => c !== ".");
  while (prefixes.length > 0) {
    const prefix = prefixes.shift()!;
    const users = await search(ctx, variant, prefix);
    const fresh = unseen(users);
    if (fresh.length > 0) yield fresh;
    if (mayBeCut(users.length) && prefix.length < MAX_PREFIX) prefixes.unshift(...ALPHABET.map((c) => prefix + c));
  }
}
