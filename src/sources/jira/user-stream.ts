/**
 * Every user: Cloud `/users/search` (accountId; an email hidden by the user's privacy settings is
 * exported empty, the user is kept), Data Center `/user/search` (user key, login name; see
 * `user-search-dc.ts` for the cap on its answers). Users an issue or a worklog refers to that no
 * listing showed are fetched one by one afterwards (`referenced-users.ts`).
 */
import type { Batch, Stream, StreamContext, SyncRecord } from "../connector/connector.js";
import type { JiraUser } from "./api-types.js";
import { dcUsers } from "./user-search-dc.js";
import type { JiraVariant } from "./variant.js";

const CLOUD_PAGE = 1000;

export function userRecord(variant: JiraVariant, u: JiraUser): SyncRecord {
  return {
    user_id: variant.userId(u),
    user_name: variant.cloud ? u.displayName : u.name,
    user_fullname: u.displayName,
    user_email: u.emailAddress ?? "",
    active: u.active,
  };
}

/** Cloud pages may be short before the end (users the token may not see are left out): only an empty page ends it. */
async function* cloudUsers(ctx: StreamContext, variant: JiraVariant): AsyncIterable<JiraUser[]> {
  for (let startAt = 0; ; ) {
    const users = await ctx.http.get<JiraUser[]>(`${variant.api}/users/search`, { entity: "users", query: { startAt, maxResults: CLOUD_PAGE } });
    if (users.length === 0) return;
    yield users;
    startAt += users.length;
  }
}

export function userStream(variant: JiraVariant): Stream {
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      for await (const users of variant.cloud ? cloudUsers(ctx, variant) : dcUsers(ctx, variant)) {
        const records = users.map((u) => userRecord(variant, u));
        if (records.length > 0) yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}
