/** What a demo generation is asked for, and how each generator reads its row counts from it. */
import type { Site } from "../../store/port.js";
import { Timeline } from "./dates.js";
import { Rng } from "./random.js";
import type { SiteSink } from "./sink.js";
import { TextPools } from "./text.js";

export interface DemoOptions {
  /** 1 = the small default site; row counts scale linearly. */
  scale: number;
  /** Same seed + same `now` + same scale (and counts) => byte-identical data. */
  seed: number;
  /** Epoch ms; every date falls in the two years before it. */
  now: number;
  /**
   * Row counts of "driver" entities (users, spaces, pages, comments, analytics_events, projects,
   * issues, sprints, repositories, commits, pull_requests), replacing the scaled defaults.
   */
  counts?: Partial<Record<string, number>>;
  /** Approximate length of page content and issue/PR descriptions (default 1,500 characters). */
  contentBytes?: number;
  /**
   * Generate in a worker thread while this thread writes to the store, so that both use a core. By
   * default only for big runs (scale >= 10 or a count >= 50,000), where it pays for the thread's start
   * and the copying of batches. The rows are the same either way.
   */
  worker?: boolean;
}

/** Whether a run is big enough to generate in a worker thread when `worker` is not given. */
export function prefersWorker(options: DemoOptions): boolean {
  if (options.worker !== undefined) return options.worker;
  return options.scale >= 10 || Object.values(options.counts ?? {}).some((n) => (n ?? 0) >= 50_000);
}

export const DEFAULT_CONTENT_BYTES = 1_500;

/** Everything a product generator needs, built once per call. */
export class DemoContext {
  readonly rng: Rng;
  readonly time: Timeline;
  readonly text: TextPools;
  readonly contentBytes: number;

  constructor(
    readonly site: Site,
    readonly options: DemoOptions,
    readonly sink: SiteSink,
  ) {
    this.rng = new Rng(options.seed);
    this.time = new Timeline(options.now);
    this.text = new TextPools(this.rng.fork("text"));
    this.contentBytes = Math.max(1, Math.round(options.contentBytes ?? DEFAULT_CONTENT_BYTES));
  }

  /** The row count of a driver entity: the override if given, else `base × scale` (at least `min`). */
  count(name: string, base: number, min = 1): number {
    const override = this.options.counts?.[name];
    if (override !== undefined) return Math.max(min, Math.floor(override));
    return Math.max(min, Math.round(base * this.options.scale));
  }

  /** Whether a driver count was given explicitly. */
  overridden(name: string): boolean {
    return this.options.counts?.[name] !== undefined;
  }
}
