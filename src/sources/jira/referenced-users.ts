/**
 * Users an issue or a worklog refers to (creator, reporter, assignee, changelog and worklog authors)
 * are exported even when no user listing showed them: a Data Center search cut at its cap, a Cloud
 * user the token may not list. The issue and worklog streams note them as they go; this stream,
 * after them, fetches those the store does not have (`/user?key=` or `?username=` on Data Center,
 * `?accountId=` on Cloud) and keeps the issue's own copy of a user the site no longer answers for.
 */
import type { Batch, Stream, StreamContext } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import type { JiraUser } from "./api-types.js";
import { userRecord } from "./user-stream.js";
import type { JiraVariant } from "./variant.js";

const KEY = "jira.users.referenced";
const CHUNK = 200;

function referenced(ctx: StreamContext): Map<string, JiraUser> {
  let users = ctx.shared.get(KEY) as Map<string, JiraUser> | undefined;
  if (!users) ctx.shared.set(KEY, (users = new Map()));
  return users;
}

/** Notes the users a record refers to (embedded user objects; anything else is ignored). */
export function noteUsers(ctx: StreamContext, variant: JiraVariant, users: readonly unknown[]): void {
  const seen = referenced(ctx);
  for (const u of users) {
    if (!u || typeof u !== "object") continue;
    const id = variant.userId(u);
    if (id !== null && !seen.has(id)) seen.set(id, u);
  }
}

function byIdQuery(variant: JiraVariant, u: JiraUser): Record<string, string> {
  if (variant.cloud) return { accountId: u.accountId! };
  return u.key !== undefined ? { key: u.key } : { username: u.name! };
}

export function referencedUserStream(variant: JiraVariant): Stream {
  return {
    name: "referenced-users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      const ids = [...referenced(ctx).keys()];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const stored = new Set((await ctx.lookup("users", "user_id", chunk, ["user_id"])).map((r) => String(r.user_id)));
        const missing = chunk.filter((id) => !stored.has(id)).map((id) => referenced(ctx).get(id)!);
        if (missing.length === 0) continue;
        const users = await mapLimit(missing, 4, async (u) => {
          const found = await ctx.http.request<JiraUser>(`${variant.api}/user`, { entity: "users", query: byIdQuery(variant, u), allow: [404] });
          return found && variant.userId(found) !== null ? found : u;
        });
        const records = users.map((u) => userRecord(variant, u));
        yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}
