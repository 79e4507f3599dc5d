/**
 * The connector contract. A connector kind (`jira-cloud`, `confluence-dc`, …) reads a source through
 * streams. A stream pages through one API listing with its own checkpoint and yields batches; a batch
 * carries records for one or more entities (a Jira issue page gives issues, fields, history and links)
 * and the checkpoint to commit once they are stored. Records are plain objects keyed by registry
 * column name; the engine turns them into store rows, so a new registry column needs no connector change.
 */
import type { Product } from "../../core/entities/registry.js";
import type { HttpClient } from "./http-client.js";
import type { SourceConfig, SourceKind } from "./source-config.js";

export type SyncRecord = Record<string, unknown>;

/** A stream's position, JSON-serialisable. `undefined`: never synced. */
export type Checkpoint = Readonly<Record<string, unknown>>;

export interface Batch {
  /** Records by entity name (`issues`, `issue_history`, …). */
  records: Readonly<Record<string, readonly SyncRecord[]>>;
  /** Committed right after the records are stored. */
  checkpoint: Checkpoint;
  /** Primary items (issues, pages, …) this batch accounts for, for progress. */
  items: number;
  /** Keys (in `def.key` order) the source reports deleted, by entity name. */
  deletes?: Readonly<Record<string, readonly (readonly unknown[])[]>>;
}

export interface StreamContext {
  config: SourceConfig;
  http: HttpClient;
  /** The checkpoint committed last for this stream (resume or incremental), undefined on a full sync. */
  checkpoint: Checkpoint | undefined;
  /** Epoch ms at the start of the run. */
  now: number;
  signal: AbortSignal;
  /** No sync of this site has succeeded yet: nothing stored can be stale (skip clean-up lookups). */
  firstSync: boolean;
  /** Values shared between the streams of one run (e.g. space ids → keys, user ids seen). */
  shared: Map<string, unknown>;
  /** Items expected in this stream when the API can tell (for the ETA). */
  setEstimate(total: number | undefined): void;
  /**
   * Stored rows of an entity whose `column` is one of `values`, with `columns` (default: `column` and
   * `scope_key`) — e.g. the project of an issue already synced, or the fields an issue had before.
   */
  lookup(entity: string, column: string, values: readonly string[], columns?: readonly string[]): Promise<Record<string, unknown>[]>;
  /** Stored rows of an entity whose `column` equals `value`, `columns` only, streamed in batches (memory flat). */
  stored(entity: string, column: string, value: string | number, columns: readonly string[]): AsyncIterable<Record<string, unknown>[]>;
  /**
   * Records items the source named but did not give (a worklog the token cannot see, a user no longer
   * found): counted and named in the run record's `skipped`, never dropped in silence.
   */
  skip(entity: string, reason: string, names: readonly string[]): void;
  /** This site's folder for git mirrors (`<home>/git/mirrors/<site id>`); undefined: this process has none. */
  mirrorDir: string | undefined;
  /**
   * The Authorization header of the source's credentials, for git (Basic with `user` in place of the
   * configured one when given). Passed to git in its environment only.
   */
  authorization(user?: string): string;
}

export interface Stream {
  /** Stream name, also the checkpoint key (`issues`, `worklogs`). */
  readonly name: string;
  /** Entities this stream writes. */
  readonly entities: readonly string[];
  read(ctx: StreamContext): AsyncIterable<Batch>;
  /**
   * Turns the checkpoint of a finished pass into the start of the next incremental pass (e.g. keep the
   * high-water mark, drop the page token). Absent: the stream re-reads everything each run.
   */
  complete?(checkpoint: Checkpoint): Checkpoint | undefined;
}

/** An id-only sweep: every id the source still has, to delete what it no longer has. */
export interface Sweep {
  /** Entity whose rows are swept (single-column key). */
  readonly entity: string;
  /** (Rows that belong to a deleted one go with it: the registry's `EntityDef.parents`, `sync/reconcile.ts`.) */
  ids(ctx: StreamContext): AsyncIterable<readonly (string | number)[]>;
  /**
   * Asked for each stored id the listing left out, before it counts as gone: whether the source still
   * has it (a listing that pages by offset can skip an item when another goes during the pass). false
   * only on the vendor's "not found"; any other failure throws and nothing is deleted.
   */
  exists?(ctx: StreamContext, id: string): Promise<boolean>;
}

export interface Connector {
  readonly kind: SourceKind;
  readonly product: Product;
  /** What to check when the token is rejected. */
  readonly authHint: string;
  /** Where the REST API answers when not at the site's URL (Bitbucket Cloud: api.bitbucket.org). */
  apiBase?(config: SourceConfig): string;
  /** The prefix stripped from `url` columns when not the site's URL (Bitbucket Cloud: bitbucket.org). */
  linkBase?(config: SourceConfig): string;
  /** Streams in the order they run. */
  readonly streams: readonly Stream[];
  readonly sweeps: readonly Sweep[];
}
