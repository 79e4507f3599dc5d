/**
 * Confluence Cloud: REST v2 (spaces, pages, blog posts, footer comments, labels, users-bulk), email +
 * API token. v2 has no "modified since" filter, so pages, blog posts and comments are listed newest
 * change first (`sort=-modified-date`) and a pass stops at the previous high-water mark. A comment's
 * listing shows its latest version: an edited one's creator and creation time come from its version 1.
 * A page whose labels (a comment whose versions) the API refuses (403) or no longer finds (404) is
 * recorded as skipped in the run record, not stored half-read.
 */
import type { Batch, Connector, Stream, StreamContext, SyncRecord, Sweep } from "../connector/connector.js";
import { mapLimit } from "../connector/map-limit.js";
import { sourceError } from "../connector/source-error.js";
import type { CursorPage, V2CommentVersion, V2Content, V2FooterComment, V2Label, V2Space, V2User, V2Version } from "./api-types.js";
import { descendingCheckpoint, OVERLAP_MS, type DescendingCheckpoint } from "./descending.js";
import { readListed } from "./unreadable.js";

const API = "/wiki/api/v2";

async function* cursorPages<T>(ctx: StreamContext, first: string, query: Record<string, string | number | readonly string[]> | undefined, entity: string, start?: string): AsyncIterable<{ results: T[]; next: string | undefined }> {
  let next: string | undefined = start;
  let page = await ctx.http.get<CursorPage<T>>(next ?? first, { entity, query: next ? undefined : query });
  for (;;) {
    const previous = next;
    next = page._links?.next ? wikiPath(page._links.next) : undefined;
    if (next !== undefined && next === previous) throw sourceError(`reading ${entity}: ${first} returned the same next link twice`, { entity, path: first });
    yield { results: page.results, next };
    if (!next) return;
    page = await ctx.http.get<CursorPage<T>>(next, { entity });
  }
}

/** v2 `next` links are relative to the site (`/wiki/api/v2/…`); some proxies drop the `/wiki`. */
function wikiPath(link: string): string {
  return link.startsWith("/api/v2/") ? `/wiki${link}` : link;
}

const seenUsers = (ctx: StreamContext): Set<string> => {
  let set = ctx.shared.get("confluence.users") as Set<string> | undefined;
  if (!set) ctx.shared.set("confluence.users", (set = new Set()));
  return set;
};

async function spaceKeys(ctx: StreamContext): Promise<Map<string, string>> {
  const cached = ctx.shared.get("confluence.spaceKeys") as Map<string, string> | undefined;
  if (cached) return cached;
  const map = new Map<string, string>();
  for await (const page of cursorPages<V2Space>(ctx, `${API}/spaces`, { limit: 250 }, "spaces")) for (const s of page.results) map.set(s.id, s.key);
  ctx.shared.set("confluence.spaceKeys", map);
  return map;
}

/**
 * The spec knows `global` and `personal` only; Cloud also has `collaboration`, `knowledge_base` and
 * newer team types, all of them shared spaces: everything but a personal space is `global`.
 */
export function specSpaceType(type: string): "global" | "personal" {
  return type === "personal" ? "personal" : "global";
}

function spaceStream(): Stream {
  return {
    name: "spaces",
    entities: ["spaces"],
    async *read(ctx): AsyncIterable<Batch> {
      const keys = new Map<string, string>();
      const base = ctx.config.url;
      for await (const page of cursorPages<V2Space>(ctx, `${API}/spaces`, { limit: 250 }, "spaces")) {
        const records: SyncRecord[] = page.results.map((s) => {
          keys.set(s.id, s.key);
          if (s.authorId) seenUsers(ctx).add(s.authorId);
          return {
            space_key: s.key,
            space_url: `${base}/wiki${s._links?.webui ?? `/spaces/${s.key}`}`,
            homepage_url: s.homepageId ? `${base}/wiki/spaces/${s.key}/pages/${s.homepageId}` : null,
            space_name: s.name,
            space_type: specSpaceType(s.type),
            space_status: s.status.toUpperCase(),
            creator_id: s.authorId,
            created_date: s.createdAt,
            scope_key: s.key,
          };
        });
        yield { records: { spaces: records }, checkpoint: {}, items: records.length };
      }
      ctx.shared.set("confluence.spaceKeys", keys);
    },
  };
}

async function labelsOf(ctx: StreamContext, kind: "pages" | "blogposts", id: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of cursorPages<V2Label>(ctx, `${API}/${kind}/${id}/labels`, { limit: 250 }, "pages")) {
    for (const l of page.results) names.push(l.prefix && l.prefix !== "global" ? `${l.prefix}:${l.name}` : l.name);
  }
  return names;
}

function contentStream(kind: "pages" | "blogposts"): Stream {
  return {
    name: kind,
    entities: ["pages"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = descendingCheckpoint(ctx.checkpoint);
      const keys = await spaceKeys(ctx);
      const base = ctx.config.url;
      let passHigh = cp.passHigh;
      // Archived pages are pages still (read-only, restorable): listed, kept, never swept away.
      const query = { "body-format": "storage", sort: "-modified-date", status: LIVE_STATUSES, limit: 250 };
      for await (const page of cursorPages<V2Content>(ctx, `${API}/${kind}`, query, "pages", cp.next)) {
        const fresh = page.results.filter((c) => cp.since === undefined || Date.parse(c.version.createdAt) >= cp.since - OVERLAP_MS);
        const read = await mapLimit(fresh, 4, (c) => readListed(ctx, "pages", c.id, "its labels", () => labelsOf(ctx, kind, c.id)));
        const records: SyncRecord[] = fresh.flatMap((c, i) => {
          const labels = read[i];
          if (!labels) return [];
          const changed = Date.parse(c.version.createdAt);
          if (passHigh === undefined || changed > passHigh) passHigh = changed;
          if (c.authorId) seenUsers(ctx).add(c.authorId);
          if (c.version.authorId) seenUsers(ctx).add(c.version.authorId);
          const spaceKey = keys.get(c.spaceId) ?? null;
          const record: SyncRecord = {
            page_id: c.id,
            space_key: spaceKey,
            page_url: `${base}/wiki${c._links?.webui ?? `/pages/viewpage.action?pageId=${c.id}`}`,
            page_type: kind === "pages" ? "page" : "blogpost",
            page_title: c.title,
            page_status: c.status,
            page_content: c.body?.storage?.value ?? null,
            page_parent_id: c.parentType === "page" ? c.parentId : null,
            labels: labels.value,
            page_version: c.version.number,
            creator_id: c.authorId,
            last_modifier_id: c.version.authorId,
            created_date: c.createdAt,
            updated_date: c.version.createdAt,
            last_update_description: c.version.message || null,
            scope_key: spaceKey,
          };
          return [record];
        });
        // Newest change first: once a page is older than the previous pass's high-water mark, stop.
        const done = fresh.length < page.results.length || !page.next;
        yield {
          records: { pages: records },
          checkpoint: { ...(cp.high !== undefined ? { high: cp.high } : {}), ...(passHigh !== undefined ? { passHigh } : {}), ...(done ? {} : { next: page.next }) },
          items: records.length,
        };
        if (done) return;
      }
    },
    complete(cp) {
      const c = cp as DescendingCheckpoint;
      const high = c.passHigh ?? c.high;
      return high === undefined ? undefined : { high };
    },
  };
}

/**
 * A comment's first version (its creator and creation time): the listing carries the latest version
 * only. Asked for oldest first, so version 1 is on the first page; only edited comments are asked.
 */
async function firstVersion(ctx: StreamContext, c: V2FooterComment): Promise<V2Version | undefined> {
  if (c.version.number === 1) return c.version;
  for await (const page of cursorPages<V2CommentVersion>(ctx, `${API}/footer-comments/${c.id}/versions`, { sort: "modified-date", limit: 25 }, "comments")) {
    const first = page.results.find((v) => v.number === 1);
    if (first) return first;
  }
  return undefined;
}

function commentStream(): Stream {
  return {
    name: "comments",
    entities: ["comments"],
    async *read(ctx): AsyncIterable<Batch> {
      const cp = descendingCheckpoint(ctx.checkpoint);
      const base = ctx.config.url;
      let passHigh = cp.passHigh;
      const query = { "body-format": "storage", sort: "-modified-date", limit: 250 };
      for await (const page of cursorPages<V2FooterComment>(ctx, `${API}/footer-comments`, query, "comments", cp.next)) {
        const fresh = page.results.filter((c) => cp.since === undefined || Date.parse(c.version.createdAt) >= cp.since - OVERLAP_MS);
        const containers = [...new Set(fresh.map((c) => c.pageId ?? c.blogPostId).filter((id): id is string => id !== undefined))];
        const spaces = new Map((await ctx.lookup("pages", "page_id", containers)).map((r) => [String(r.page_id), r.scope_key as string | null]));
        const firsts = await mapLimit(fresh, 4, (c) => readListed(ctx, "comments", c.id, "its versions", () => firstVersion(ctx, c)));
        const records: SyncRecord[] = fresh.flatMap((c, i) => {
          const read = firsts[i];
          if (!read) return [];
          const changed = Date.parse(c.version.createdAt);
          if (passHigh === undefined || changed > passHigh) passHigh = changed;
          if (c.version.authorId) seenUsers(ctx).add(c.version.authorId);
          const first = read.value;
          if (first?.authorId) seenUsers(ctx).add(first.authorId);
          const container = c.pageId ?? c.blogPostId;
          const record: SyncRecord = {
            comment_id: c.id,
            comment_url: c._links?.webui ? `${base}/wiki${c._links.webui}` : null,
            page_id: container,
            parent_comment_id: c.parentCommentId ?? null,
            comment_content: c.body?.storage?.value ?? null,
            creator_id: first?.authorId ?? null,
            last_modifier_id: c.version.authorId,
            created_date: first?.createdAt ?? null,
            updated_date: c.version.createdAt,
            scope_key: container ? (spaces.get(container) ?? null) : null,
          };
          return [record];
        });
        const done = fresh.length < page.results.length || !page.next;
        yield {
          records: { comments: records },
          checkpoint: { ...(cp.high !== undefined ? { high: cp.high } : {}), ...(passHigh !== undefined ? { passHigh } : {}), ...(done ? {} : { next: page.next }) },
          items: records.length,
        };
        if (done) return;
      }
    },
    complete(cp) {
      const c = cp as DescendingCheckpoint;
      const high = c.passHigh ?? c.high;
      return high === undefined ? undefined : { high };
    },
  };
}

/** Users met in this run, 100 at a time through `users-bulk` (email empty when hidden). */
function userStream(): Stream {
  return {
    name: "users",
    entities: ["users"],
    async *read(ctx): AsyncIterable<Batch> {
      const ids = [...seenUsers(ctx)].sort();
      for (let i = 0; i < ids.length; i += 100) {
        const page = await ctx.http.get<CursorPage<V2User>>(`${API}/users-bulk`, { entity: "users", method: "POST", body: { accountIds: ids.slice(i, i + 100) } });
        const records: SyncRecord[] = page.results.map((u) => ({
          user_id: u.accountId,
          user_name: u.publicName ?? u.displayName,
          user_fullname: u.displayName,
          user_email: u.email ?? "",
        }));
        yield { records: { users: records }, checkpoint: {}, items: records.length };
      }
    },
  };
}

/** The statuses of pages and blog posts that exist (not trashed or deleted). */
const LIVE_STATUSES = ["current", "archived"];

function pageSweep(): Sweep {
  return {
    entity: "pages",
    async *ids(ctx) {
      for (const kind of ["pages", "blogposts"] as const) {
        for await (const page of cursorPages<{ id: string }>(ctx, `${API}/${kind}`, { status: LIVE_STATUSES, limit: 250 }, "pages")) yield page.results.map((p) => p.id);
      }
    },
  };
}

export function confluenceCloudConnector(): Connector {
  return {
    kind: "confluence-cloud",
    product: "confluence",
    authHint: "--email and the API token in --api-token-env/--token-file",
    streams: [spaceStream(), contentStream("pages"), contentStream("blogposts"), commentStream(), userStream()],
    sweeps: [pageSweep()],
  };
}
