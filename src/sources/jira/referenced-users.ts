/**
 * Users an issue or a worklog refers to (creator, reporter, assignee, changelog and worklog authors)
 * are exported even when no user listing showed them: a Data Center search cut at its cap, a Cloud
 * user the token may not list. The issue and worklog streams ask, page by page, for the records of
 * those the store does not have (the users stream ran before them): fetched by `/user?key=` (or
 * `?username=`) on Data Center, `?accountId=` on Cloud; a user the site no longer answers for keeps
 * the copy the issue or worklog carries.
 */
import type { StreamContext, SyncRecord } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import type { JiraUser } from "./api-types.js";
import { userRecord } from "./user-stream.js";
import type { JiraVariant } from "./variant.js";

function byIdQuery(variant: JiraVariant, u: JiraUser): Record<string, string> {
  if (variant.cloud) return { accountId: u.accountId! };
  return u.key !== undefined ? { key: u.key } : { username: u.name! };
}

/** `users` records for the embedded user objects in `refs` the store lacks (anything not a user is ignored). */
export async function missingUsers(ctx: StreamContext, variant: JiraVariant, refs: readonly unknown[]): Promise<SyncRecord[]> {
  const byId = new Map<string, JiraUser>();
  for (const u of refs) {
    if (!u || typeof u !== "object") continue;
    const id = variant.userId(u);
    if (id !== null && !byId.has(id)) byId.set(id, u);
  }
  if (byId.size === 0) return [];
  const stored = new Set((await ctx.lookup("users", "user_id", [...byId.keys()], ["user_id"])).map((r) => String(r.user_id)));
  const missing = [...byId].filter(([id]) => !stored.has(id)).map(([, u]) => u);
  const users = await mapLimit(missing, 4, async (u) => {
    const found = await ctx.http.request<JiraUser>(`${variant.api}/user`, { entity: "users", query: byIdQuery(variant, u), allow: [404] });
    return found && variant.userId(found) !== null ? found : u;
  });
  return users.map((u) => userRecord(variant, u));
}
