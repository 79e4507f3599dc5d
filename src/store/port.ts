/**
 * The `Store` port: everything Sluice keeps, behind one narrow interface per concern. Adapters live in
 * `store/<kind>/` with the same file set (sqlite, postgres). All methods are async so that a network
 * database drops in beside the embedded one.
 */
import type { EncodedChunk, RecordEncoding } from "../core/csv.js";
import type { EntityDef, Product } from "../core/entities/registry.js";
import type { JobPatch, JobRecord, JobStatus } from "../core/job.js";
import type { EntityQuery, QueryTarget } from "../core/query.js";

export interface Organisation {
  orgId: string;
  name: string;
}

export type SiteState = "ready" | "loading";

export interface Site {
  id: number;
  orgId: string;
  cloudId: string;
  product: Product;
  /** The path segment the site is mounted at, without slashes (`wiki`); empty for `/`. */
  key: string;
  contextPath: string;
  baseUrl: string;
  plan: string;
  region: string;
  state: SiteState;
  createdAt: number;
}

export interface NewSite {
  product: Product;
  contextPath: string;
  baseUrl: string;
  plan?: string;
  region?: string;
  state?: SiteState;
}

export interface Account {
  id: number;
  username: string;
  displayName: string;
  sysadmin: boolean;
}

export interface TokenInfo {
  id: number;
  name: string;
  account: Account;
  createdAt: number;
}

/**
 * Rows handed to the store: values in `storedColumns(def)` order (the scope key last for scoped
 * entities). Dates are ISO-8601 UTC strings, lists are arrays (an empty list is stored as null),
 * booleans are booleans.
 */
export type RowValues = readonly unknown[];

export type { QueryTarget };

export interface SitesRepo {
  ensureOrganisation(orgId: string, name: string): Promise<Organisation>;
  listOrganisations(): Promise<Organisation[]>;
  create(orgId: string, site: NewSite): Promise<Site>;
  list(): Promise<Site[]>;
  byKey(key: string): Promise<Site | undefined>;
  byId(id: number): Promise<Site | undefined>;
  setState(siteId: number, state: SiteState): Promise<void>;
}

export interface AccountsRepo {
  ensureAccount(username: string, displayName: string, sysadmin: boolean): Promise<Account>;
  /** Stores only the hash of the token. */
  addToken(accountId: number, name: string, tokenHash: string): Promise<number>;
  findToken(tokenHash: string): Promise<TokenInfo | undefined>;
  countTokens(): Promise<number>;
}

/** Per-site configuration values (export path, schedule, opt-outs), JSON-encoded. */
export interface SettingsRepo {
  get<T>(siteId: number, key: string): Promise<T | undefined>;
  set(siteId: number, key: string, value: unknown): Promise<void>;
  delete(siteId: number, key: string): Promise<void>;
  /** Atomically replaces `key` when its current value equals `expected` (schedule claims). */
  compareAndSet(siteId: number, key: string, expected: unknown, value: unknown): Promise<boolean>;
}

export type ClaimResult = { ok: true; job: JobRecord } | { ok: false; running: JobRecord };

export interface JobsRepo {
  /**
   * Creates a job with the next id of the site. A running job (`STARTED`/`CANCELLATION_REQUESTED`) is
   * claimed only when no other one holds the site: otherwise the holder is returned. Atomic across
   * processes and nodes.
   */
  create(job: Omit<JobRecord, "jobId">): Promise<ClaimResult>;
  get(siteId: number, jobId: number): Promise<JobRecord | undefined>;
  latest(siteId: number): Promise<JobRecord | undefined>;
  running(siteId: number): Promise<JobRecord | undefined>;
  /** All running jobs of every site (lease checks). */
  allRunning(): Promise<JobRecord[]>;
  /** Newest first. */
  history(siteId: number, offset: number, limit: number): Promise<{ jobs: JobRecord[]; total: number }>;
  /** Applies a patch to a job held by this instance; false when it no longer holds it. */
  update(siteId: number, jobId: number, instanceId: string, patch: JobPatch): Promise<boolean>;
  /** Applies a patch only when the job is in one of `from` (lost leases, cancellation). */
  transition(siteId: number, jobId: number, from: readonly JobStatus[], patch: JobPatch): Promise<boolean>;
}

/**
 * A consistent read of one site's data, for the length of an export (or backup). Queries are checked
 * (`checkQuery`) and compiled by `src/query/`; rows stream in batches with backpressure.
 */
export interface Snapshot {
  count(query: QueryTarget): Promise<number>;
  /**
   * The query's columns (default: the stored columns in declaration order), in its order (default: key
   * order), in batches. Values of `text` columns may come as UTF-8 Buffers (writers copy them without
   * decoding); everything else as JS values in the shapes both stores share.
   */
  rows(query: QueryTarget, batchSize: number): AsyncIterable<unknown[][]>;
  /**
   * Optional: the store renders the records itself in `encoding`, byte for byte as the writer would
   * (header excluded). Undefined when it cannot for these options or this data; the caller then writes
   * `rows`. The query selects every stored column in key order.
   */
  encode?(query: EntityQuery, encoding: RecordEncoding): Promise<AsyncIterable<EncodedChunk> | undefined>;
  /**
   * Optional: up to `parts - 1` keys, ascending, that cut the entity's rows into about equal parts
   * (for `keyFrom`/`keyBefore`), so that one big file can be written by several lanes.
   */
  keyBoundaries?(def: EntityDef, parts: number): Promise<unknown[][]>;
  close(): Promise<void>;
}

/** Where a worker thread opens a snapshot: plain data, sent to the worker. */
export type SnapshotLocation = { kind: "sqlite"; file: string; siteId: number };

export interface SharedSnapshot {
  location: SnapshotLocation;
  release(): Promise<void>;
}

export interface DataRepo {
  /** Inserts or replaces (by key) a batch of rows in one transaction. */
  upsert(siteId: number, def: EntityDef, rows: readonly RowValues[]): Promise<void>;
  /** Deletes rows by key (values in `def.key` order); returns how many went. */
  deleteByKey(siteId: number, def: EntityDef, keys: readonly (readonly unknown[])[]): Promise<number>;
  /** Every key of the entity in the site, in key order, in batches (reconcile sweeps). */
  keys(siteId: number, def: EntityDef, batchSize: number): AsyncIterable<unknown[][]>;
  count(siteId: number, query: QueryTarget): Promise<number>;
  /**
   * Distinct values of some columns where `where.column` is one of `in` or contains `contains`
   * (case-insensitive) — opt-out lookups and pickers (spaces, projects, repositories).
   */
  distinct(
    siteId: number,
    def: EntityDef,
    columns: readonly string[],
    where: { column: string; in?: readonly string[]; contains?: string },
    limit: number,
  ): Promise<Record<string, unknown>[]>;
  snapshot(siteId: number): Promise<Snapshot>;
  /**
   * Optional, for parallel exports: holds writers off and returns where worker threads open their own
   * snapshots (`openWorkerSnapshot`). Snapshots opened before `release()` all see the same data.
   */
  shareSnapshot?(siteId: number): Promise<SharedSnapshot>;
  clearSite(siteId: number): Promise<void>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly sites: SitesRepo;
  readonly accounts: AccountsRepo;
  readonly settings: SettingsRepo;
  readonly jobs: JobsRepo;
  readonly data: DataRepo;
  close(): Promise<void>;
}
