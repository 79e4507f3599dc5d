/**
 * Worklogs without one call per issue: `/worklog/deleted` and `/worklog/updated` list the ids changed
 * since the cursor (epoch ms), `/worklog/list` fetches them 1,000 at a time. Checkpoint:
 * `{ since, deletedSince }`, moved to each page's `until` as soon as the page is stored.
 */
import type { Batch, Stream, SyncRecord } from "../connector/connector.js";
import type { JiraWorklog, WorklogChangePage } from "./api-types.js";
import { missingUsers } from "./referenced-users.js";
import type { JiraVariant } from "./variant.js";

const LIST_MAX = 1000;

export function worklogStream(variant: JiraVariant): Stream {
  return {
    name: "worklogs",
    entities: ["worklogs", "users"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as { since?: number; deletedSince?: number };
      let since = cp.since ?? 0;
      let deletedSince = cp.deletedSince ?? 0;
      // Deletions first (only when there is an earlier pass to correct).
      if (cp.since !== undefined) {
        for (;;) {
          const page = await ctx.http.get<WorklogChangePage>(`${variant.api}/worklog/deleted`, { entity: "worklogs", query: { since: deletedSince } });
          deletedSince = page.lastPage ? Math.max(deletedSince, page.until) : page.until;
          yield { records: {}, deletes: { worklogs: page.values.map((v) => [v.worklogId]) }, checkpoint: { since, deletedSince }, items: 0 };
          if (page.lastPage || page.values.length === 0) break;
        }
      }
      for (;;) {
        const page = await ctx.http.get<WorklogChangePage>(`${variant.api}/worklog/updated`, { entity: "worklogs", query: { since } });
        const ids = page.values.map((v) => v.worklogId);
        const records: SyncRecord[] = [];
        const users: SyncRecord[] = [];
        for (let i = 0; i < ids.length; i += LIST_MAX) {
          const asked = ids.slice(i, i + LIST_MAX);
          const worklogs = await ctx.http.get<JiraWorklog[]>(`${variant.api}/worklog/list`, {
            entity: "worklogs",
            method: "POST",
            body: { ids: asked },
          });
          // `/worklog/list` leaves out, without a word, the worklogs of issues the token cannot browse.
          const given = new Set(worklogs.map((w) => String(w.id)));
          ctx.skip("worklogs", "not visible to the token (listed as updated, not returned by /worklog/list)", asked.map(String).filter((id) => !given.has(id)));
          const issueIds = [...new Set(worklogs.map((w) => String(w.issueId)))];
          const projects = new Map(
            (await ctx.lookup("issues", "id", issueIds)).map((row) => [String(row.id), row.scope_key as string | null]),
          );
          users.push(...(await missingUsers(ctx, variant, worklogs.flatMap((w) => [w.author, w.updateAuthor]))));
          for (const w of worklogs) {
            records.push({
              worklog_id: w.id,
              issue_id: w.issueId,
              author_id: variant.userId(w.author),
              time_spent_seconds: w.timeSpentSeconds,
              started: w.started,
              created_date: w.created,
              updated_date: w.updated,
              comment: variant.text(w.comment),
              scope_key: projects.get(String(w.issueId)) ?? null,
            });
          }
        }
        since = page.lastPage ? Math.max(since, page.until) : page.until;
        if (cp.since === undefined) deletedSince = since;
        yield { records: { worklogs: records, users }, checkpoint: { since, deletedSince }, items: records.length };
        if (page.lastPage || page.values.length === 0) break;
      }
    },
    complete: (cp) => cp,
  };
}
