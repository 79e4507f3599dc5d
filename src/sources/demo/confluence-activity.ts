/**
 * Demo Confluence activity after the pages: threaded comments and analytics events, generated in
 * time order on pages that exist by then (mostly recent ones, sometimes the popular ones).
 */
import { PAGE_ID_BASE, type Space } from "./confluence-catalog.js";
import { pageAt, pagesAt, type PageFacts } from "./confluence-pages.js";
import { DAY } from "./dates.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import { EDGE_CASE_TEXT } from "./text.js";
import { Zipf } from "./zipf.js";

export async function writeComments(
  ctx: DemoContext,
  users: readonly User[],
  authors: Zipf,
  spaces: readonly Space[],
  pages: PageFacts,
): Promise<void> {
  const rng = ctx.rng.fork("confluence.comments");
  const { time, text } = ctx;
  const count = ctx.overridden("comments") ? ctx.count("comments", 0, 0) : Math.round(pages.count * 3);
  const firstId = PAGE_ID_BASE + pages.count;
  const lastComment = new Int32Array(pages.count).fill(-1);
  const lastCreated = new Uint32Array(pages.count);
  const chars = Math.max(40, Math.round(ctx.contentBytes / 8));
  const sink = ctx.sink.entity("comments");
  for (let j = 0; j < count; j++) {
    const at = time.ordered(rng, j, count, pages.from);
    const p = pageAt(rng, pages, pagesAt(time, pages, at));
    const previous = lastComment[p] as number;
    const reply = previous >= 0 && rng.chance(0.4);
    const after = time.start + (reply ? (lastCreated[p] as number) : (pages.created[p] as number));
    const created = Math.max(at, after);
    const updated = rng.chance(0.15) ? time.soonAfter(rng, created, 2 * DAY) : created;
    const creator = users[authors.sample(rng)] as User;
    lastComment[p] = j;
    lastCreated[p] = created - time.start;
    const id = firstId + j;
    const pageId = PAGE_ID_BASE + p;
    const space = spaces[pages.space[p] as number] as Space;
    const content = text.body(rng, chars);
    await sink.add({
      comment_id: id,
      comment_url: `/pages/viewpage.action?pageId=${pageId}&focusedCommentId=${id}#comment-${id}`,
      page_id: pageId,
      parent_comment_id: reply ? firstId + previous : null,
      comment_content: j === 0 ? EDGE_CASE_TEXT + content : content,
      creator_id: creator.id,
      last_modifier_id: updated !== created && rng.chance(0.2) ? (users[authors.sample(rng)] as User).id : creator.id,
      created_date: time.iso(created),
      updated_date: time.iso(updated),
      scope_key: space.key,
    });
  }
}

const PAGE_EVENTS = ["page_viewed", "page_updated", "page_created", "comment_created", "space_viewed", "attachment_viewed"];
const PAGE_EVENT_WEIGHTS = [70, 8, 4, 8, 6, 4];
const BLOG_EVENTS = ["blogpost_viewed", "blogpost_created", "comment_created", "space_viewed"];
const BLOG_EVENT_WEIGHTS = [80, 5, 10, 5];

export async function writeEvents(ctx: DemoContext, users: readonly User[], spaces: readonly Space[], pages: PageFacts): Promise<void> {
  const rng = ctx.rng.fork("confluence.events");
  const { time } = ctx;
  const count = ctx.count("analytics_events", 3000, 0);
  // Readers are many and less skewed than writers.
  const readers = new Zipf(users.length, 0.7);
  const sink = ctx.sink.entity("analytics_events");
  for (let e = 0; e < count; e++) {
    const at = time.ordered(rng, e, count, pages.from);
    const p = pageAt(rng, pages, pagesAt(time, pages, at));
    const blog = pages.blog[p] === 1;
    const name = blog ? rng.weighted(BLOG_EVENTS, BLOG_EVENT_WEIGHTS) : rng.weighted(PAGE_EVENTS, PAGE_EVENT_WEIGHTS);
    const pageCreated = time.start + (pages.created[p] as number);
    const created = name.endsWith("_created") && name !== "comment_created" ? pageCreated : Math.max(at, pageCreated);
    const space = spaces[pages.space[p] as number] as Space;
    await sink.add({
      event_id: e + 1,
      event_name: name,
      created_date: time.iso(created),
      event_author_id: (users[readers.sample(rng)] as User).id,
      event_space_key: space.key,
      event_container_id: space.id,
      event_content_id: name === "space_viewed" ? null : PAGE_ID_BASE + p,
      scope_key: space.key,
    });
  }
}
