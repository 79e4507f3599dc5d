/**
 * Demo time: everything happens in whole seconds inside a window of about two years that ends at
 * `now`, and is written the way the store keeps row dates (`2021-01-03T20:57:10Z`, `2021-01-03`).
 */
import type { Rng } from "./random.js";

export const DAY = 86_400;
const WINDOW_DAYS = 730;

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));

export class Timeline {
  /** Epoch seconds. */
  readonly end: number;
  readonly start: number;
  /** `yyyy-mm-dd` of every day of the window, by day number since the epoch minus `firstDay`. */
  private readonly days: string[] = [];
  private readonly firstDay: number;

  constructor(nowMs: number) {
    this.end = Math.floor(nowMs / 1000);
    this.start = this.end - WINDOW_DAYS * DAY;
    this.firstDay = Math.floor(this.start / DAY);
    for (let d = this.firstDay; d <= Math.floor(this.end / DAY); d++) this.days.push(isoDay(d * DAY));
  }

  /** `2021-01-03T20:57:10Z`, without a Date per call (millions of rows format two dates each). */
  iso(epochSeconds: number): string {
    const dayNumber = Math.floor(epochSeconds / DAY);
    const day = this.days[dayNumber - this.firstDay];
    if (day === undefined) return isoSeconds(epochSeconds);
    const r = epochSeconds - dayNumber * DAY;
    const h = Math.floor(r / 3600);
    const m = Math.floor((r - h * 3600) / 60);
    return `${day}T${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[r - h * 3600 - m * 60]}Z`;
  }

  /** `2021-01-03` */
  day(epochSeconds: number): string {
    return this.days[Math.floor(epochSeconds / DAY) - this.firstDay] ?? isoDay(epochSeconds);
  }

  /** Uniform in [from, to] (clamped to the window). */
  between(rng: Rng, from: number, to: number = this.end): number {
    const lo = Math.max(this.start, Math.min(from, this.end));
    const hi = Math.max(lo, Math.min(to, this.end));
    return lo + Math.floor(rng.float() * (hi - lo + 1));
  }

  /**
   * In [from, now], most often soon after `from` (edits, replies and builds cluster early): an
   * exponential gap of mean `scale` seconds, or uniform up to now when that would pass now.
   */
  soonAfter(rng: Rng, from: number, scale: number = 30 * DAY): number {
    const lo = Math.max(this.start, Math.min(from, this.end));
    const at = lo + Math.floor(-Math.log(1 - rng.float()) * scale);
    return at <= this.end ? at : this.between(rng, lo);
  }

  /**
   * The creation time of item `index` of `count` created since `from`: increasing with the index (ids
   * follow creation order, as in the real products) and denser towards now (a site that grows).
   */
  ordered(rng: Rng, index: number, count: number, from: number = this.start): number {
    const lo = Math.max(this.start, Math.min(from, this.end));
    const u = Math.min(1, (index + rng.float()) / Math.max(1, count));
    return lo + Math.floor(Math.sqrt(u) * (this.end - lo));
  }

  /** In the window, denser towards `now` (a site that grows). */
  growing(rng: Rng, from: number = this.start): number {
    const lo = Math.max(this.start, Math.min(from, this.end));
    return lo + Math.floor(Math.sqrt(rng.float()) * (this.end - lo));
  }
}

/** `2021-01-03T20:57:10Z` */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19) + "Z";
}

/** `2021-01-03` */
export function isoDay(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

/** `n` sorted instants in [from, to]. */
export function sortedInstants(rng: Rng, n: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(from + Math.floor(rng.float() * (to - from + 1)));
  return out.sort((a, b) => a - b);
}
