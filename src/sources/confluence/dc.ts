/**
 * Confluence Data Center / Server: REST v1 with a personal access token. Pages, blog posts and
 * comments come from CQL (`lastmodified >= "…" order by lastmodified`), paged with `start`/`limit`
 * while `_links.next` is present; users from the keys met, one `/rest/api/user?key=` each.
 * CQL dates carry no zone (the server's), so the cursor is moved back by a 15-hour overlap.
 */
import { DateTime } from "luxon";
import type { Batch, Connector, Stream, StreamContext, SyncRecord, Sweep } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import type { OffsetPage, V1Content, V1Space, V1User } from "./api-types.js";

const OVERLAP_MS = 15 * 3_600_000;
const PAGE = 50;

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
}

/** A CQL listing read oldest change first, resumable at `start`. */
function cqlStream(name: string, entityName: "pages" | "comments", types: string, expand: string, map: (ctx: StreamContext, c: V1Content) => SyncRecord): Stream {
  return {
    name,
    entities: [entityName],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = (ctx.checkpoint ?? {}) as CqlCheckpoint;
      const resuming = cp.since !== undefined && cp.next !== undefined;
      const since = resuming ? cp.since! : cp.high !== undefined ? cqlDate(cp.high - OVERLAP_MS) : "1970-01-01 00:00";
      let start = resuming ? cp.next! : 0;
      let high = cp.high;
      const cql = `type in (${types}) and lastmodified >= "${since}" order by lastmodified asc`;
      for (;;) {
        const page = await ctx.http.get<OffsetPage<V1Content>>("/rest/api/content/search", { entity: entityName, query: { cql, start, limit: PAGE, expand } });
        const records = page.results.map((c) => {
          const changed = Date.parse(c.version?.when ?? "");
          if (Number.isFinite(changed) && (high === undefined || changed > high)) high = changed;
          return map(ctx, c);
        });
        start += page.results.length;
        const more = Boolean(page._links?.next) && page.results.length > 0;
        yield {
          records: { [entityName]: records },
          checkpoint: { since, ...(more ? { next: start } : {}), ...(high !== undefined ? { high } : {}) },
          items: records.length,
        };
        if (!more) return;
      }
    },
    complete(cp) {
      const high = (cp as CqlCheckpoint).high;
      return high === undefined ? undefined : { high };
    },
  };
}

function contentStream(): Stream {
  return cqlStream("pages", "pages", "page,blogpost", "space,history,version,ancestors,body.storage,metadata.labels", (ctx, c) => ({
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
  return cqlStream("comments", "comments", "comment", "space,history,version,container,ancestors,body.storage", (ctx, c) => ({
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

function pageSweep(): Sweep {
  return {
    entity: "pages",
    async *ids(ctx) {
      for (let start = 0; ; ) {
        const page = await ctx.http.get<OffsetPage<{ id: string }>>("/rest/api/content/search", {
          entity: "pages",
          query: { cql: "type in (page,blogpost) order by id", start, limit: 500 },
        });
        yield page.results.map((p) => p.id);
        start += page.results.length;
        if (!page._links?.next || page.results.length === 0) return;
      }
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
