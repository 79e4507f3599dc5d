/**
 * Offset listings that a change during a pass can disturb. Paged by position (`start`/`startAt`), a
 * listing ordered by a date that moves (last update) shifts every item after one that moves, and one
 * item is skipped at the next page; one deleted before the position does the same in any order.
 *
 * - `overlappingPages`: pages that overlap and step back until they meet the previous page, so a
 *   shift cannot hide an item (Bitbucket DC's pull requests, the id sweeps).
 * - `PassWatch` and `outdatedKeys`, for a listing that keeps its order and its pages (Jira DC's issue
 *   search, Confluence DC's CQL): the watch tells whether anything changed while a pass was read (a
 *   total that changed, an item changed after the pass began); only then is the range listed again,
 *   light and in an order that no update moves, with overlapping pages, and what the store lacks or
 *   holds older is read in full. A pass during which nothing changed costs nothing more.
 */
import type { StreamContext } from "./connector.js";

/** A page of an offset listing (Bitbucket DC's `start`/`limit`). */
export interface OffsetPage<T> {
  values: T[];
  isLastPage: boolean;
  nextPageStart?: number | null;
}

/** Items re-read at the start of each page at most. */
const OVERLAP = 10;

/**
 * Pages through an offset listing that a move can disturb (DC's pull requests, ordered by a date that
 * changes): each page starts `OVERLAP` items before the previous one ended, and must hold one of the
 * previous page's last items; when none is there (more items moved before it than the overlap), it
 * steps back a page at a time until one is, down to the start. Items seen again with the same `version`
 * are left out, so a pass yields each version once and never skips one that stayed listed.
 */
export async function* overlappingPages<T>(
  fetch: (start: number) => Promise<OffsetPage<T>>,
  idOf: (item: T) => string,
  versionOf: (item: T) => string | number,
): AsyncIterable<T[]> {
  const seen = new Set<string>();
  let tail: string[] = [];
  let start = 0;
  for (;;) {
    let page = await fetch(start);
    let back = start;
    while (tail.length > 0 && back > 0 && !page.values.some((v) => tail.includes(idOf(v)))) {
      back = Math.max(0, back - Math.max(1, page.values.length));
      page = await fetch(back);
    }
    const fresh = page.values.filter((v) => {
      const key = `${idOf(v)}@${versionOf(v)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (fresh.length > 0) yield fresh;
    const next = page.nextPageStart;
    if (page.isLastPage || next === undefined || next === null || page.values.length === 0) return;
    const overlap = Math.min(OVERLAP, page.values.length - 1);
    tail = overlap > 0 ? page.values.slice(page.values.length - overlap).map(idOf) : [];
    start = Math.max(back + 1, next - overlap);
  }
}

/** How far the vendor's clock may run behind ours. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What a watch keeps in a checkpoint, so a resumed pass still knows what happened before the kill. */
export interface PassWatchState {
  /** Epoch ms when the pass began. */
  at: number;
  /** The listing's total on the pass's first page, when the API gives one. */
  total?: number;
  /** Something changed while the pass was read: it may have skipped an item. */
  changed?: boolean;
}

/**
 * Watches one pass of an offset listing for a change that can shift its items: a total that is not
 * the first page's (an item deleted, hidden or added), or an item changed after the pass began (it
 * moved to the end, or came into the listing; deleted together with one added, the total stays but
 * the added one shows). A pass of one page cannot skip anything.
 */
export class PassWatch {
  private state: PassWatchState;
  private pages = 0;

  constructor(state: PassWatchState, resumed: boolean) {
    this.state = { ...state };
    if (resumed) this.pages = 1;
  }

  /** Notes a page: its total (if the API gives one) and the change times (epoch ms) of its items. */
  page(total: number | undefined, changed: readonly number[]): void {
    this.pages++;
    if (total !== undefined) {
      if (this.state.total === undefined) this.state.total = total;
      else if (total !== this.state.total) this.state.changed = true;
    }
    const since = this.state.at - CLOCK_SKEW_MS;
    if (changed.some((ms) => !Number.isFinite(ms) || ms >= since)) this.state.changed = true;
  }

  /** Whether the pass must be settled: it had more than one page and something changed meanwhile. */
  get unsettled(): boolean {
    return this.pages > 1 && this.state.changed === true;
  }

  get checkpoint(): PassWatchState {
    return { ...this.state };
  }
}

/** Epoch seconds of a datetime as an API or a store gives it (`…+0200`, ISO text, a `Date`). */
export function epochSeconds(value: unknown): number | undefined {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "number") return Math.floor(value / 1000);
  if (typeof value !== "string" || value === "") return undefined;
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/** One item of a light listing: its key and when it last changed. */
export interface ListedItem {
  key: string;
  changed: unknown;
}

/**
 * The keys of listed items the store does not hold, or holds as changed earlier than listed (compared
 * to the second: the store keeps datetimes to the second).
 */
export async function outdatedKeys(ctx: StreamContext, entity: string, keyColumn: string, listed: readonly ListedItem[], changedColumn = "updated_date"): Promise<string[]> {
  if (listed.length === 0) return [];
  const rows = await ctx.lookup(entity, keyColumn, listed.map((l) => l.key), [keyColumn, changedColumn]);
  const stored = new Map(rows.map((r) => [String(r[keyColumn]), epochSeconds(r[changedColumn])]));
  return listed
    .filter((l) => {
      if (!stored.has(l.key)) return true;
      const was = stored.get(l.key);
      const now = epochSeconds(l.changed);
      return was === undefined || now === undefined || now > was;
    })
    .map((l) => l.key);
}
