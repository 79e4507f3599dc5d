/**
 * Demo Confluence pages and blog posts: trees under each space's home page, created in id order,
 * in Zipf-skewed spaces by Zipf-skewed authors. What later entities need to know of each page lives
 * in typed arrays (a few bytes a page), so memory stays flat however many pages are written.
 */
import { PAGE_ID_BASE, LABELS, SPACES_PERIOD, type Space } from "./confluence-catalog.js";
import { DAY, type Timeline } from "./dates.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import type { Rng } from "./random.js";
import { EDGE_CASE_TEXT } from "./text.js";
import { scatter, Zipf } from "./zipf.js";

/** What later entities need to know of each page, a few bytes each. */
export interface PageFacts {
  readonly count: number;
  /** Home pages (one per space, created with it) come first; the others follow from `from`. */
  readonly homes: number;
  readonly from: number;
  readonly space: Uint32Array;
  /** Seconds since the timeline start. */
  readonly created: Uint32Array;
  readonly blog: Uint8Array;
  /** Zipf over pages for comments and views (popular pages scattered over the id range). */
  readonly popular: Zipf;
  readonly spread: (rank: number) => number;
}

export async function writePages(ctx: DemoContext, users: readonly User[], authors: Zipf, spaces: readonly Space[]): Promise<PageFacts> {
  const rng = ctx.rng.fork("confluence.pages");
  const { time, text } = ctx;
  const count = Math.max(spaces.length, ctx.count("pages", 400));
  const facts: PageFacts = {
    count,
    homes: spaces.length,
    from: time.start + SPACES_PERIOD,
    space: new Uint32Array(count),
    created: new Uint32Array(count),
    blog: new Uint8Array(count),
    popular: new Zipf(count, 0.9),
    spread: scatter(count),
  };
  const bySpace = new Zipf(spaces.length, 1.1);
  const treePages: number[][] = spaces.map(() => []);
  const sink = ctx.sink.entity("pages");
  for (let i = 0; i < count; i++) {
    const home = i < spaces.length;
    const s = home ? i : bySpace.sample(rng);
    const space = spaces[s] as Space;
    const tree = treePages[s] as number[];
    const blog = !home && rng.chance(0.1);
    let parent = -1;
    if (!home && !blog && tree.length > 0) parent = rng.chance(0.9) ? (tree[rng.int(tree.length)] as number) : (tree[0] as number);
    const created = home ? space.created : time.ordered(rng, i - facts.homes, count - facts.homes, facts.from);
    const edited = rng.chance(0.65);
    const updated = edited ? time.soonAfter(rng, created, 60 * DAY) : created;
    const creator = home || (space.personal && rng.chance(0.9)) ? space.owner : (users[authors.sample(rng)] as User);
    const modifier = edited && rng.chance(0.4) ? (users[authors.sample(rng)] as User) : creator;
    facts.space[i] = s;
    facts.created[i] = created - time.start;
    facts.blog[i] = blog ? 1 : 0;
    if (!blog) tree.push(i);
    const labels: string[] = [];
    if (rng.chance(0.6)) for (let n = rng.between(1, 3); n > 0; n--) labels.push(rng.pick(LABELS));
    const content = text.body(rng, ctx.contentBytes);
    const id = PAGE_ID_BASE + i;
    await sink.add({
      page_id: id,
      space_key: space.key,
      page_url: `/pages/viewpage.action?pageId=${id}`,
      page_type: blog ? "blogpost" : "page",
      page_title: home ? `${space.key} Home` : text.title(rng),
      page_status: "current",
      page_content: i === 0 ? EDGE_CASE_TEXT + content : content,
      page_parent_id: parent >= 0 ? PAGE_ID_BASE + parent : null,
      labels: [...new Set(labels)],
      page_version: edited ? rng.between(2, 2 + rng.int(12)) : 1,
      creator_id: creator.id,
      last_modifier_id: modifier.id,
      created_date: time.iso(created),
      updated_date: time.iso(updated),
      last_update_description: edited && rng.chance(0.3) ? text.sentence(rng) : null,
      scope_key: space.key,
    });
  }
  return facts;
}

/** How many pages exist at `t` (pages are created in id order, see `Timeline.ordered`). */
export function pagesAt(time: Timeline, pages: PageFacts, t: number): number {
  const span = time.end - pages.from;
  const u = span > 0 ? Math.min(1, Math.max(0, (t - pages.from) / span)) : 1;
  return Math.min(pages.count, pages.homes + Math.floor(u * u * (pages.count - pages.homes)));
}

/**
 * A page that exists when there are `existing` pages: mostly a recent one (comments and views follow
 * creation), sometimes one of the site's popular pages. Comments and events are generated in time
 * order this way, which keeps their cursor index appends cheap for the store.
 */
export function pageAt(rng: Rng, pages: PageFacts, existing: number): number {
  if (rng.chance(0.4)) {
    for (let tries = 0; tries < 4; tries++) {
      const p = pages.spread(pages.popular.sample(rng));
      if (p < existing) return p;
    }
  }
  for (let tries = 0; tries < 8; tries++) {
    const back = pages.popular.sample(rng);
    if (back < existing) return existing - 1 - back;
  }
  return rng.int(existing);
}
