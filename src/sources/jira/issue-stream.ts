/**
 * The issues stream: pages through the issues updated since the cursor (Cloud `search/jql` with
 * `nextPageToken`, Data Center `search` with `startAt`), completes every changelog cut off in the
 * search response, and yields issues, custom fields, history and links per page (with the users they
 * refer to that no user listing showed: `referenced-users.ts`). The next page is
 * fetched while the current one is being stored.
 *
 * Data Center pages by position over `ORDER BY updated`: an issue updated during the pass moves to the
 * end and shifts the others, so the next page would skip one. The pass is watched (`PassWatch`): when
 * it had more than one page and something changed meanwhile, its range is listed again, ids and
 * update times only, ordered by creation (no update moves an issue there) with overlapping pages, and
 * every issue the store lacks or holds older is read by id. A quiet pass costs nothing more.
 *
 * Checkpoint: `{ since, next?, high?, watch?, settle? }` — the pass's JQL lower bound, the page to read
 * next, the newest `updated` seen, what the watch saw so far, and whether the range is being listed
 * again. A finished pass keeps only `high`; the next pass starts at `high − overlap`.
 */
import type { Batch, Checkpoint, Stream, StreamContext, SyncRecord } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import { outdatedKeys, overlappingPages, PassWatch, type OffsetPage, type PassWatchState } from "../connector/overlapping-pages.js";
import { sourceError } from "../connector/source-error.js";
import type { ChangelogPage, JiraHistory, JiraIssue, JqlSearchPage, OffsetSearchPage } from "./api-types.js";
import { loadCatalog, userZone } from "./catalog.js";
import { createdOrderJql, EPOCH_JQL, jqlDate, OVERLAP_MS, updatedSinceJql } from "./jql.js";
import { mapIssue, type FieldCatalog } from "./map-issue.js";
import { missingUsers } from "./referenced-users.js";
import type { JiraVariant } from "./variant.js";

interface IssuePage {
  issues: JiraIssue[];
  next: string | number | undefined;
  total?: number;
}

interface IssueCheckpoint {
  since?: string;
  next?: string | number;
  high?: number;
  watch?: PassWatchState;
  settle?: boolean;
}

const ENTITY = "issues";
/** Issues per page when a pass's range is listed again (ids and update times only). */
const SETTLE_PAGE = 1000;

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

/** When an issue last changed, epoch ms (NaN when the API gave no date). */
function updatedMs(issue: JiraIssue): number {
  return Date.parse(String(issue.fields.updated ?? "").replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
}

/** Records (and clean-up deletes) of some issues read in full; `high` moves to the newest update. */
async function issueBatch(ctx: StreamContext, variant: JiraVariant, catalog: FieldCatalog, list: readonly JiraIssue[], mark: (updated: number) => void) {
  const histories = await mapLimit(list, 4, (issue) => fullChangelog(ctx, variant, issue));
  const issues: SyncRecord[] = [];
  const fields: SyncRecord[] = [];
  const history: SyncRecord[] = [];
  const links: SyncRecord[] = [];
  list.forEach((issue, i) => {
    const r = mapIssue(issue, histories[i]!, catalog, variant, ctx.config.url);
    issues.push(r.issue);
    fields.push(...r.fields);
    history.push(...r.history);
    links.push(...r.links);
    const updated = updatedMs(issue);
    if (Number.isFinite(updated)) mark(updated);
  });
  const users = await missingUsers(
    ctx,
    variant,
    list.flatMap((issue, i) => [issue.fields.creator, issue.fields.reporter, issue.fields.assignee, ...histories[i]!.map((h) => h.author)]),
  );
  const deletes = ctx.firstSync ? {} : await staleChildren(ctx, list.map((i) => i.id), fields, links);
  return { records: { issues, issue_fields: fields, issue_history: history, issue_links: links, users }, deletes, items: list.length };
}

/**
 * Data Center: the pass's range listed again by creation, ids and update times only, in overlapping
 * pages; the issues the store lacks or holds older (skipped by a shift, or changed since) are read by
 * id. One the API no longer gives (deleted or hidden since it was listed) is recorded as skipped.
 */
async function* settlePass(ctx: StreamContext, variant: JiraVariant, since: string, read: (issues: readonly JiraIssue[]) => Promise<Omit<Batch, "checkpoint">>, checkpoint: () => Checkpoint): AsyncIterable<Batch> {
  const jql = createdOrderJql(since);
  const path = `${variant.api}/search`;
  const fetch = async (startAt: number): Promise<OffsetPage<JiraIssue>> => {
    const page = await ctx.http.get<OffsetSearchPage>(path, { entity: ENTITY, query: { jql, startAt, maxResults: SETTLE_PAGE, fields: "updated" } });
    if (!Array.isArray(page?.issues)) throw sourceError(`reading issues: ${path} answered without an issues list`, { entity: ENTITY, path });
    const after = startAt + page.issues.length;
    return { values: page.issues, isLastPage: page.issues.length === 0 || after >= page.total, nextPageStart: after };
  };
  for await (const listed of overlappingPages(fetch, (i) => i.id, (i) => String(i.fields.updated ?? ""))) {
    const stale = new Set(await outdatedKeys(ctx, "issues", "id", listed.map((i) => ({ key: i.id, changed: i.fields.updated }))));
    const wanted = listed.filter((i) => stale.has(i.id));
    if (wanted.length === 0) continue;
    const got = await mapLimit(wanted, 4, (i) =>
      ctx.http.request<JiraIssue>(`${variant.api}/issue/${i.id}`, { entity: ENTITY, query: { fields: "*all", expand: "changelog" }, allow: [403, 404] }),
    );
    ctx.skip(ENTITY, "listed, but not returned when read by id (deleted or hidden from the token since)", wanted.filter((_, j) => got[j] === undefined).map((i) => i.key));
    const issues = got.filter((i): i is JiraIssue => i !== undefined);
    if (issues.length > 0) yield { ...(await read(issues)), checkpoint: checkpoint() };
  }
}

export function issueStream(variant: JiraVariant): Stream {
  return {
    name: "issues",
    entities: ["issues", "issue_fields", "issue_history", "issue_links", "users"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as IssueCheckpoint;
      const catalog = await loadCatalog(ctx, variant);
      const zone = await userZone(ctx, variant);
      const resuming = cp.since !== undefined && (cp.next !== undefined || cp.settle === true);
      const since = resuming ? cp.since! : cp.high !== undefined ? jqlDate(cp.high - OVERLAP_MS, zone) : EPOCH_JQL;
      let high = cp.high;
      const mark = (updated: number) => {
        if (high === undefined || updated > high) high = updated;
      };
      const read = (issues: readonly JiraIssue[]) => issueBatch(ctx, variant, catalog, issues, mark);
      const watch = variant.cloud ? undefined : new PassWatch(resuming && cp.watch ? cp.watch : { at: ctx.now }, resuming);
      const settling = () => ({ since, ...(high !== undefined ? { high } : {}), settle: true });

      if (!(resuming && cp.settle === true)) {
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
        let pending: Promise<IssuePage> | undefined = searchPage(ctx, variant, jql, resuming ? cp.next : undefined, pageSize);
        while (pending) {
          const page: IssuePage = await pending;
          if (page.total !== undefined) ctx.setEstimate(page.total);
          pending = page.next !== undefined ? searchPage(ctx, variant, jql, page.next, pageSize) : undefined;
          // A prefetch that fails while this page is stored is reported when awaited, not as unhandled.
          pending?.catch(() => undefined);
          watch?.page(page.total, page.issues.map(updatedMs));
          const batch = await read(page.issues);
          const settle = page.next === undefined && watch?.unsettled === true;
          const checkpoint: Checkpoint = settle
            ? settling()
            : { since, ...(page.next !== undefined ? { next: page.next } : {}), ...(high !== undefined ? { high } : {}), ...(watch ? { watch: watch.checkpoint } : {}) };
          yield { ...batch, checkpoint };
        }
        if (watch?.unsettled !== true) return;
      }
      yield* settlePass(ctx, variant, since, read, settling);
    },
    complete(cp) {
      const high = (cp as IssueCheckpoint).high;
      return high === undefined ? undefined : { high };
    },
  };
}
