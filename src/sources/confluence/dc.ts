/**
 * Confluence Data Center / Server: REST v1 with a personal access token. Pages, blog posts and
 * comments come from CQL (`lastmodified >= "…" order by lastmodified`), paged with `start`/`limit`
 * while `_links.next` is present; users from the keys met, one `/rest/api/user?key=` each.
 * CQL dates carry no zone (the server's), so the cursor is moved back by a 15-hour overlap.
 *
 * Paged by position over `order by lastmodified`, a pass can skip an item when another moves (it is
 * edited) or goes meanwhile; CQL has no range on content ids, so there is no keyset paging. The pass is
 * watched (`PassWatch`): when it had more than one page and something changed meanwhile, its range is
 * listed again, ids and versions only, ordered by creation (no edit moves an item there) with
 * overlapping pages, and what the store lacks or holds older is read by id.
 *
 * DC has no archived status for a page: what it archives is a space, and CQL leaves the content of
 * archived spaces out unless asked (`includeArchivedSpaces`). Every listing and the sweep ask for it:
 * a page of an archived space is kept, not deleted by the reconcile.
 */
import { DateTime } from "luxon";
import type { Batch, Checkpoint, Connector, Stream, StreamContext, SyncRecord, Sweep } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import { outdatedKeys, overlappingPages, PassWatch, type OffsetPage as Overlapping, type PassWatchState } from "../connector/overlapping-pages.js";
import type { OffsetPage, V1Content, V1Space, V1User } from "./api-types.js";
import { readListed } from "./unreadable.js";

const OVERLAP_MS = 15 * 3_600_000;
const PAGE = 50;
/** Items per page when a pass's range is listed again (ids and versions only), and in the sweep. */
const LIGHT_PAGE = 500;
/** Content of archived spaces too (CQL's default leaves it out). */
const ARCHIVED_SPACES = { includeArchivedSpaces: true } as const;

/** One page of a CQL search, as `overlappingPages` reads it. */
async function cqlPage<T>(ctx: StreamContext, entity: string, cql: string, start: number, limit: number, expand?: string): Promise<Overlapping<T>> {
  const page = await ctx.http.get<OffsetPage<T>>("/rest/api/content/search", { entity, query: { cql, start, limit, ...(expand ? { expand } : {}), ...ARCHIVED_SPACES } });
  return { values: page.results, isLastPage: !page._links?.next || page.results.length === 0, nextPageStart: start + page.results.length };
}

const seenUsers = (ctx: StreamContext): Set<string> => {
  let set = ctx.shared.get("confluence.userKeys") as Set<string> | undefined;
  if (!set) ctx.shared.set("confluence.userKeys", (set = new Set()));
  return set;
};

const note = (ctx: StreamContext, user: V1User | undefined): string | null => {
  const key = user?.userKey ?? null;
  if (key) seenUsers(ctx).add(key);
  return key;
};

function cqlDate(ms: number): string {
  return DateTime.fromMillis(ms, { zone: "utc" }).toFormat("yyyy-MM-dd HH:mm");
}

function spaceStream(): Stream {
  return {
    name: "spaces",
    entities: ["spaces"],
    async *read(ctx): AsyncIterable<Batch> {
      const base = ctx.config.url;
      for (let start = 0; ; ) {
        const page = await ctx.http.get<OffsetPage<V1Space>>("/rest/api/space", { entity: "spaces", query: { start, limit: PAGE, expand: "homepage" } });
        const records: SyncRecord[] = page.results.map((s) => ({
          space_key: s.key,
          space_url: `${base}${s._links?.webui ?? `/display/${s.key}`}`,
          homepage_url: s.homepage?._links?.webui ? `${base}${s.homepage._links.webui}` : s.homepage ? `${base}/pages/viewpage.action?pageId=${s.homepage.id}` : null,
          space_name: s.name,
          space_type: s.type,
          space_status: (s.status ?? "current").toUpperCase(),
          creator_id: note(ctx, s.history?.createdBy),
          created_date: s.history?.createdDate,
          scope_key: s.key,
        }));
        yield { records: { spaces: records }, checkpoint: {}, items: records.length };
        start += page.results.length;
        if (!page._links?.next || page.results.length === 0) return;
      }
    },
  };
}

function lastAncestor(c: V1Content, type: string): string | null {
  const list = (c.ancestors ?? []).filter((a) => a.type === type);
  return list.length > 0 ? list[list.length - 1]!.id : null;
}

interface CqlCheckpoint {
  since?: string;
  next?: number;
  high?: number;
  watch?: PassWatchState;
  settle?: boolean;
}

/** What a CQL stream reads: content types, the entity it fills and its key column, the expansions. */
interface CqlListing {
  name: string;
  entity: "pages" | "comments";
  key: "page_id" | "comment_id";
  types: string;
  expand: string;
  /** In words, for the run record: "the page", "the comment". */
  what: string;
}

/** A CQL listing read oldest change first, resumable at `start`, settled when it moved meanwhile. */
function cqlStream(listing: CqlListing, map: (ctx: StreamContext, c: V1Content) => SyncRecord): Stream {
  const { entity, types, expand } = listing;
  return {
    name: listing.name,
    entities: [entity],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as CqlCheckpoint;
      const resuming = cp.since !== undefined && (cp.next !== undefined || cp.settle === true);
      const since = resuming ? cp.since! : cp.high !== undefined ? cqlDate(cp.high - OVERLAP_MS) : "1970-01-01 00:00";
      let high = cp.high;
      const mapAll = (list: readonly V1Content[]) =>
        list.map((c) => {
          const changed = Date.parse(c.version?.when ?? "");
          if (Number.isFinite(changed) && (high === undefined || changed > high)) high = changed;
          return map(ctx, c);
        });
      const watch = new PassWatch(resuming && cp.watch ? cp.watch : { at: ctx.now }, resuming);
      const settling = (): Checkpoint => ({ since, ...(high !== undefined ? { high } : {}), settle: true });

      if (!(resuming && cp.settle === true)) {
        let start = resuming ? cp.next! : 0;
        const cql = `type in (${types}) and lastmodified >= "${since}" order by lastmodified asc`;
        const limit = ctx.config.pageSize ?? PAGE;
        for (;;) {
          const page = await ctx.http.get<OffsetPage<V1Content>>("/rest/api/content/search", { entity, query: { cql, start, limit, expand, ...ARCHIVED_SPACES } });
          watch.page(page.totalSize, page.results.map((c) => Date.parse(c.version?.when ?? "")));
          const records = mapAll(page.results);
          start += page.results.length;
          const more = Boolean(page._links?.next) && page.results.length > 0;
          const checkpoint = !more && watch.unsettled ? settling() : { since, ...(more ? { next: start } : {}), ...(high !== undefined ? { high } : {}), watch: watch.checkpoint };
          yield { records: { [entity]: records }, checkpoint, items: records.length };
          if (!more) break;
        }
        if (!watch.unsettled) return;
      }

      // The range again, in creation order: what a move hid, or what changed since, is read by id.
      const cql = `type in (${types}) and lastmodified >= "${since}" order by created asc`;
      const fetch = (start: number) => cqlPage<V1Content>(ctx, entity, cql, start, LIGHT_PAGE, "version");
      for await (const listed of overlappingPages(fetch, (c) => c.id, (c) => c.version?.when ?? "")) {
        const stale = new Set(await outdatedKeys(ctx, entity, listing.key, listed.map((c) => ({ key: c.id, changed: c.version?.when }))));
        const wanted = listed.filter((c) => stale.has(c.id));
        if (wanted.length === 0) continue;
        const got = await mapLimit(wanted, 4, (c) =>
          readListed(ctx, entity, c.id, listing.what, () => ctx.http.get<V1Content>(`/rest/api/content/${c.id}`, { entity, query: { expand } })),
        );
        const records = mapAll(got.flatMap((r) => (r ? [r.value] : [])));
        if (records.length > 0) yield { records: { [entity]: records }, checkpoint: settling(), items: records.length };
      }
    },
    complete(cp) {
      const high = (cp as CqlCheckpoint).high;
      return high === undefined ? undefined : { high };
    },
  };
}

function contentStream(): Stream {
  const listing: CqlListing = { name: "pages", entity: "pages", key: "page_id", types: "page,blogpost", expand: "space,history,version,ancestors,body.storage,metadata.labels", what: "the page" };
  return cqlStream(listing, (ctx, c) => ({
    page_id: c.id,
    space_key: c.space?.key,
    page_url: `${ctx.config.url}${c._links?.webui ?? `/pages/viewpage.action?pageId=${c.id}`}`,
    page_type: c.type,
    page_title: c.title,
    page_status: c.status,
    page_content: c.body?.storage?.value ?? null,
    page_parent_id: c.type === "page" ? lastAncestor(c, "page") : null,
    labels: (c.metadata?.labels?.results ?? []).map((l) => (l.prefix && l.prefix !== "global" ? `${l.prefix}:${l.name}` : l.name)),
    page_version: c.version?.number,
    creator_id: note(ctx, c.history?.createdBy),
    last_modifier_id: note(ctx, c.version?.by),
    created_date: c.history?.createdDate,
    updated_date: c.version?.when,
    last_update_description: c.version?.message || null,
    scope_key: c.space?.key,
  }));
}

function commentStream(): Stream {
  const listing: CqlListing = { name: "comments", entity: "comments", key: "comment_id", types: "comment", expand: "space,history,version,container,ancestors,body.storage", what: "the comment" };
  return cqlStream(listing, (ctx, c) => ({
    comment_id: c.id,
    comment_url: c._links?.webui ? `${ctx.config.url}${c._links.webui}` : null,
    page_id: c.container?.id,
    parent_comment_id: lastAncestor(c, "comment"),
    comment_content: c.body?.storage?.value ?? null,
    creator_id: note(ctx, c.history?.createdBy),
    last_modifier_id: note(ctx, c.version?.by),
    created_date: c.history?.createdDate,
    updated_date: c.version?.when,
    scope_key: c.space?.key,
  }));
}

function userStream(): Stream {
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      const keys = [...seenUsers(ctx)].sort();
      for (let i = 0; i < keys.length; i += 50) {
        const asked = keys.slice(i, i + 50);
        const users = await mapLimit(asked, 4, (key) => ctx.http.request<V1User>("/rest/api/user", { entity: "users", query: { key }, allow: [404] }));
        ctx.skip("users", "named by content but not found by key (deleted from the directory)", asked.filter((_, j) => users[j] === undefined));
        const records: SyncRecord[] = users
          .filter((u): u is V1User => u !== undefined)
          .map((u) => ({ user_id: u.userKey, user_name: u.username, user_fullname: u.displayName, user_email: u.email ?? "" }));
        yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}

/**
 * Every page and blog post by id, archived spaces' too; pages overlap and step back until they meet
 * the previous one, so one deleted during the sweep cannot hide a live one (which would be deleted).
 */
function pageSweep(): Sweep {
  return {
    entity: "pages",
    async *ids(ctx) {
      const fetch = (start: number) => cqlPage<{ id: string }>(ctx, "pages", "type in (page,blogpost) order by id", start, LIGHT_PAGE);
      for await (const pages of overlappingPages(fetch, (p) => p.id, () => 0)) yield pages.map((p) => p.id);
    },
  };
}

export function confluenceDcConnector(): Connector {
  return {
    kind: "confluence-dc",
    product: "confluence",
    authHint: "the personal access token in --api-token-env/--token-file",
    streams: [spaceStream(), contentStream(), commentStream(), userStream()],
    sweeps: [pageSweep()],
  };
}
