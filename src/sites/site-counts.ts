/**
 * Row counts of a site's entities, as the console and `GET /rest/admin/v1/sites` show them. Counting a
 * table of a million rows costs the thread that answers the API tens of milliseconds, and the console
 * asks for every site's counts on every visit: so counts are kept for `maxAgeMs` (10 s), one count of
 * a site at a time however many ask, and an answer older than that is given at once while a fresh one
 * is counted (never older than two periods).
 */
import { entitiesOf } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";

type Counts = Record<string, number>;

interface Entry {
  at: number;
  counts: Promise<Counts>;
  refreshing?: Promise<Counts>;
}

export class SiteCounts {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly store: Store,
    private readonly maxAgeMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The site's counts, at most `maxAgeMs` old (or, while a fresh count runs, twice that). */
  async of(site: Site): Promise<Counts> {
    const entry = this.entries.get(site.id);
    const now = this.now();
    if (!entry || now - entry.at > 2 * this.maxAgeMs) return this.count(site, now).counts;
    if (now - entry.at > this.maxAgeMs && !entry.refreshing) {
      const next = this.countAll(site);
      entry.refreshing = next;
      next.then(
        () => this.entries.set(site.id, { at: this.now(), counts: next }),
        () => (entry.refreshing = undefined),
      );
    }
    return entry.counts;
  }

  /** Forgets a site's counts (its data changed here: a sync, a demo, a restore). */
  forget(siteId: number): void {
    this.entries.delete(siteId);
  }

  private count(site: Site, now: number): Entry {
    const entry: Entry = { at: now, counts: this.countAll(site) };
    this.entries.set(site.id, entry);
    entry.counts.catch(() => this.entries.delete(site.id));
    return entry;
  }

  private async countAll(site: Site): Promise<Counts> {
    const counts: Counts = {};
    for (const def of entitiesOf(site.product)) counts[def.name] = await this.store.data.count(site.id, def);
    return counts;
  }
}
