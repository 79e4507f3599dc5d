/**
 * Every user: Cloud `/users/search` (accountId; an email hidden by the user's privacy settings is
 * exported empty, the user is kept), Data Center `/user/search?username=.` (user key, login name).
 */
import type { Batch, Stream, SyncRecord } from "../connector/connector.js";
import type { JiraUser } from "./api-types.js";
import type { JiraVariant } from "./variant.js";

export function userStream(variant: JiraVariant): Stream {
  const pageSize = variant.cloud ? 1000 : 1000;
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      for (let startAt = 0; ; ) {
        const users = variant.cloud
          ? await ctx.http.get<JiraUser[]>(`${variant.api}/users/search`, { entity: "users", query: { startAt, maxResults: pageSize } })
          : await ctx.http.get<JiraUser[]>(`${variant.api}/user/search`, {
              entity: "users",
              query: { username: ".", includeInactive: true, startAt, maxResults: pageSize },
            });
        const records: SyncRecord[] = users.map((u) => ({
          user_id: variant.userId(u),
          user_name: variant.cloud ? u.displayName : u.name,
          user_fullname: u.displayName,
          user_email: u.emailAddress ?? "",
          active: u.active,
        }));
        if (records.length > 0) yield { records: { users: records }, checkpoint: {}, items: records.length };
        startAt += users.length;
        // Cloud may return short pages before the end: only an empty page ends it there.
        if (users.length === 0 || (!variant.cloud && users.length < pageSize)) return;
      }
    },
  };
}
