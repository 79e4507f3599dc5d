/**
 * The issues stream: pages through the issues updated since the cursor (Cloud `search/jql` with
 * `nextPageToken`, Data Center `search` with `startAt`), completes every changelog cut off in the
 * search response, and yields issues, custom fields, history and links per page (with the users they
 * refer to that no user listing showed: `referenced-users.ts`). The next page is
 * fetched while the current one is being stored.
 *
 * Checkpoint: `{ since, next?, high? }` — the pass's JQL lower bound, the page to read next, and the
 * newest `updated` seen. A finished pass keeps only `high`; the next pass starts at `high − overlap`.
 */
import type { Batch, Checkpoint, Stream, StreamContext, SyncRecord } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import { sourceError } from "../connector/source-error.js";
import type { ChangelogPage, JiraHistory, JiraIssue, JqlSearchPage, OffsetSearchPage } from "./api-types.js";
import { loadCatalog, userZone } from "./catalog.js";
import { EPOCH_JQL, jqlDate, OVERLAP_MS, updatedSinceJql } from "./jql.js";
import { mapIssue } from "./map-issue.js";
import { missingUsers } from "./referenced-users.js";
import type { JiraVariant } from "./variant.js";

interface IssuePage {
  issues: JiraIssue[];
  next: string | number | undefined;
  total?: number;
}

const ENTITY = "issues";

async function searchPage(ctx: StreamContext, variant: JiraVariant, jql: string, next: string | number | undefined, pageSize: number): Promise<IssuePage> {
  if (variant.cloud) {
    const page = await ctx.http.get<JqlSearchPage>(`${variant.api}/search/jql`, {
      entity: ENTITY,
      query: { jql, maxResults: pageSize, fields: "*all", expand: "changelog", nextPageToken: next === undefined ? undefined : String(next) },
    });
    if (!Array.isArray(page?.issues)) throw sourceError(`reading issues: ${variant.api}/search/jql answered without an issues list`, { entity: ENTITY, path: `${variant.api}/search/jql` });
    // The last page has `isLast: true` and no `nextPageToken` (the key is absent, not null).
    return { issues: page.issues, next: page.isLast === true ? undefined : (page.nextPageToken ?? undefined) };
  }
  const startAt = typeof next === "number" ? next : 0;
  const page = await ctx.http.get<OffsetSearchPage>(`${variant.api}/search`, {
    entity: ENTITY,
    query: { jql, startAt, maxResults: pageSize, fields: "*all", expand: "changelog" },
  });
  if (!Array.isArray(page?.issues)) throw sourceError(`reading issues: ${variant.api}/search answered without an issues list`, { entity: ENTITY, path: `${variant.api}/search` });
  const after = startAt + page.issues.length;
  return { issues: page.issues, next: page.issues.length > 0 && after < page.total ? after : undefined, total: page.total };
}

/** The whole changelog of an issue, paging `/issue/{id}/changelog` when the embedded one is cut off. */
async function fullChangelog(ctx: StreamContext, variant: JiraVariant, issue: JiraIssue): Promise<JiraHistory[]> {
  const embedded = issue.changelog;
  if (!embedded) return [];
  if (embedded.histories.length >= embedded.total && embedded.startAt === 0) return embedded.histories;
  if (!variant.cloud) {
    const full = await ctx.http.get<JiraIssue>(`${variant.api}/issue/${issue.id}`, {
      entity: "issue_history",
      query: { fields: "created", expand: "changelog" },
    });
    return full.changelog?.histories ?? [];
  }
  const histories: JiraHistory[] = [];
  for (let startAt = 0; ; ) {
    const page = await ctx.http.get<ChangelogPage>(`${variant.api}/issue/${issue.id}/changelog`, {
      entity: "issue_history",
      query: { startAt, maxResults: 100 },
    });
    histories.push(...page.values);
    startAt += page.values.length;
    if (page.isLast === true || page.values.length === 0 || startAt >= page.total) break;
  }
  return histories;
}

/**
 * Custom fields cleared and links removed since an issue was last stored: rows the store has for the
 * page's issues that the page no longer lists. (A link always shows on both of its issues.)
 */
async function staleChildren(ctx: StreamContext, ids: readonly string[], fields: readonly SyncRecord[], links: readonly SyncRecord[]) {
  const keepFields = new Set(fields.map((f) => `${f.issue_id}|${f.field_id}`));
  const keepLinks = new Set(links.map((l) => String(l.link_id)));
  const oldFields = await ctx.lookup("issue_fields", "issue_id", ids, ["issue_id", "field_id"]);
  const oldLinks = [
    ...(await ctx.lookup("issue_links", "source_issue_id", ids, ["link_id"])),
    ...(await ctx.lookup("issue_links", "destination_issue_id", ids, ["link_id"])),
  ];
  return {
    issue_fields: oldFields.filter((r) => !keepFields.has(`${r.issue_id}|${r.field_id}`)).map((r) => [r.issue_id, r.field_id]),
    issue_links: [...new Set(oldLinks.map((r) => String(r.link_id)).filter((id) => !keepLinks.has(id)))].map((id) => [Number(id)]),
  };
}

export function issueStream(variant: JiraVariant): Stream {
  return {
    name: "issues",
    entities: ["issues", "issue_fields", "issue_history", "issue_links", "users"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = ctx.checkpoint as { since?: string; next?: string | number; high?: number } | undefined;
      const catalog = await loadCatalog(ctx, variant);
      const zone = await userZone(ctx, variant);
      let since: string;
      let next: string | number | undefined;
      if (cp?.since !== undefined && cp.next !== undefined) {
        since = cp.since;
        next = cp.next;
      } else {
        since = cp?.high !== undefined ? jqlDate(cp.high - OVERLAP_MS, zone) : EPOCH_JQL;
      }
      let high = cp?.high;
      const jql = updatedSinceJql(since);
      const pageSize = ctx.config.pageSize ?? 100;
      if (variant.cloud) {
        const count = await ctx.http.request<{ count: number }>(`${variant.api}/search/approximate-count`, {
          entity: ENTITY,
          body: { jql: jql.replace(/ ORDER BY.*$/, "") },
          allow: [404],
        });
        ctx.setEstimate(count?.count);
      }
      let pending: Promise<IssuePage> | undefined = searchPage(ctx, variant, jql, next, pageSize);
      while (pending) {
        const page: IssuePage = await pending;
        if (page.total !== undefined) ctx.setEstimate(page.total);
        pending = page.next !== undefined ? searchPage(ctx, variant, jql, page.next, pageSize) : undefined;
        // A prefetch that fails while this page is stored is reported when awaited, not as unhandled.
        pending?.catch(() => undefined);
        const histories = await mapLimit(page.issues, 4, (issue) => fullChangelog(ctx, variant, issue));
        const issues: SyncRecord[] = [];
        const fields: SyncRecord[] = [];
        const history: SyncRecord[] = [];
        const links: SyncRecord[] = [];
        page.issues.forEach((issue, i) => {
          const r = mapIssue(issue, histories[i]!, catalog, variant, ctx.config.url);
          issues.push(r.issue);
          fields.push(...r.fields);
          history.push(...r.history);
          links.push(...r.links);
          const updated = Date.parse(String(issue.fields.updated ?? "").replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
          if (Number.isFinite(updated) && (high === undefined || updated > high)) high = updated;
        });
        const users = await missingUsers(
          ctx,
          variant,
          page.issues.flatMap((issue, i) => [issue.fields.creator, issue.fields.reporter, issue.fields.assignee, ...histories[i]!.map((h) => h.author)]),
        );
        const deletes = ctx.firstSync ? {} : await staleChildren(ctx, page.issues.map((i) => i.id), fields, links);
        const checkpoint: Checkpoint = { since, ...(page.next !== undefined ? { next: page.next } : {}), ...(high !== undefined ? { high } : {}) };
        yield {
          records: { issues, issue_fields: fields, issue_history: history, issue_links: links, users },
          deletes,
          checkpoint,
          items: page.issues.length,
        };
      }
    },
    complete(cp) {
      const high = (cp as { high?: number }).high;
      return high === undefined ? undefined : { high };
    },
  };
}
