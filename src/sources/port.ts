/**
 * The `Source` port: where a site's data comes from besides the store itself. A source may
 * - report readiness (pre-validation of an export: not ready → 422 unless forced), and
 * - read an entity itself instead of the store (git commits are read from git, not from a table).
 */
import type { EntityDef } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";

export interface ReadinessProblem {
  /** Stable key, e.g. `export.pre.validation.failed`. */
  key: string;
  /** Plain message naming the thing that is not ready and what to do. */
  message: string;
}

/** Options every entity reader receives from the export engine. */
export interface ReadOptions {
  /** ISO-8601 UTC lower bound of the entity's cursor column. */
  since: string;
  /** Scope keys (space keys, project keys, repository ids) opted out of the export. */
  excludeScopes: readonly string[];
  batchSize: number;
  /** Aborted when the export is cancelled or fails: stop reading and release resources. */
  signal: AbortSignal;
  /** Export settings (timeouts, toggles) as configured. */
  settings: Readonly<Record<string, unknown>>;
}

/**
 * Reads one entity for one site, yielding rows in `storedColumns(def)` order (scope key last),
 * in batches, with backpressure (the engine awaits each batch before pulling the next).
 */
export interface EntityReader {
  /** An estimate for progress; undefined when unknown. */
  estimate?(site: Site, def: EntityDef, options: ReadOptions): Promise<number | undefined>;
  rows(site: Site, def: EntityDef, options: ReadOptions): AsyncIterable<unknown[][]>;
  /** Warnings to attach to the job (e.g. a repository skipped under forceExport). */
  warnings?(): { key: string; message: string }[];
}

export interface Source {
  readonly name: string;
  /** Does this source concern the site? */
  appliesTo(site: Site): Promise<boolean>;
  readiness(site: Site): Promise<ReadinessProblem[]>;
  /** Entity readers by entity name (`commits`); entities not listed are read from the store. */
  readonly readers?: Readonly<Record<string, EntityReader>>;
  /**
   * Brings the store's copy of what this source reads itself up to date, for readers of the store
   * (SQL); warnings for what could not be copied. Cheap when nothing changed.
   */
  refresh?(site: Site): Promise<string[]>;
}

export interface SourceContext {
  store: Store;
}
