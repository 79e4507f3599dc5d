/**
 * The `Store` port: everything Sluice keeps, behind one narrow interface per concern. Adapters live in
 * `store/<kind>/` with the same file set (sqlite, postgres). All methods are async so that a network
 * database drops in beside the embedded one.
 */
import type { EncodedChunk, RecordEncoding } from "../core/csv.js";
import type { Viewer } from "../core/access.js";
import type { EntityDef, Product } from "../core/entities/registry.js";
import type { Job, JobFilter, JobPatch, JobStatus, NewJob } from "../core/job.js";
import type { Recurrence } from "../core/recurrence.js";
import type { ChartSpec, DashboardItem, Visibility } from "../core/saved-sql.js";
import type { ReportDefinition } from "../core/report.js";
import type { EntityQuery, QueryTarget } from "../core/query.js";
import type { SqlRows, SqlStatement } from "../core/sql-catalog.js";

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
  byUsername(username: string): Promise<Account | undefined>;
  /** Stores only the hash of the token. */
  addToken(accountId: number, name: string, tokenHash: string): Promise<number>;
  findToken(tokenHash: string): Promise<TokenInfo | undefined>;
  countTokens(): Promise<number>;
  /** Every account, by user name. */
  list(): Promise<Account[]>;
}

/** Per-site configuration values (export path, schedule, opt-outs), JSON-encoded. */
export interface SettingsRepo {
  get<T>(siteId: number, key: string): Promise<T | undefined>;
  set(siteId: number, key: string, value: unknown): Promise<void>;
  delete(siteId: number, key: string): Promise<void>;
  /** Atomically replaces `key` when its current value equals `expected` (schedule claims). */
  compareAndSet(siteId: number, key: string, expected: unknown, value: unknown): Promise<boolean>;
}

export type ClaimResult = { ok: true; job: Job } | { ok: false; running: Job };

export interface JobsRepo {
  /**
   * Creates a job with the next number (`seq`) of its site and kind. A running job (STARTED or
   * CANCELLATION_REQUESTED) with a lock key is created only when no running job holds that key:
   * otherwise the holder is returned. QUEUED and finished jobs never claim. Atomic across processes and
   * nodes (a unique index on running lock keys is the last word).
   */
  create(job: NewJob): Promise<ClaimResult>;
  get(id: number): Promise<Job | undefined>;
  /** A job by its number within its site and kind (the Data pipeline's job id). */
  bySeq(siteId: number, kind: string, seq: number): Promise<Job | undefined>;
  /** The site's newest job of a kind. */
  latest(siteId: number, kind: string): Promise<Job | undefined>;
  /** The running job holding a lock key. */
  holder(lockKey: string): Promise<Job | undefined>;
  /** A queued or running job with this lock key (to coalesce repeated requests). */
  active(lockKey: string): Promise<Job | undefined>;
  /** Every running job of every kind and site (lease checks). */
  running(): Promise<Job[]>;
  /** Jobs matching the filter, newest first, and how many match. */
  list(filter: JobFilter, offset: number, limit: number): Promise<{ jobs: Job[]; total: number }>;
  /** Applies a patch to a running job held by this instance; false when it no longer holds it. */
  update(id: number, instanceId: string, patch: JobPatch): Promise<boolean>;
  /** Applies a patch only when the job is in one of `from` (lost leases, cancellation). */
  transition(id: number, from: readonly JobStatus[], patch: JobPatch): Promise<boolean>;
  /** Extends the lease of every running job of an instance; says which it still holds and their status. */
  renew(instanceId: string, leaseExpiresAt: number): Promise<{ id: number; status: JobStatus }[]>;
  /**
   * Starts the oldest queued job of one of `kinds` that is due and whose lock key is free, for this
   * node; undefined when there is none. Several nodes claiming at once each get a different job
   * (PostgreSQL `FOR UPDATE SKIP LOCKED`).
   */
  claimQueued(kinds: readonly string[], claim: QueueClaim): Promise<Job | undefined>;
}

/** Who takes a queued job, and until when its first lease runs. */
export interface QueueClaim {
  nodeId: string;
  instanceId: string;
  pid: number;
  now: number;
  leaseExpiresAt: number;
}

export interface ScheduleRecord {
  id: number;
  siteId: number | null;
  /** The job kind it starts. */
  kind: string;
  /** Unique per site and kind (`data-pipeline`, `source`, a report's id). */
  name: string;
  /** The params of the jobs it starts. */
  params: Record<string, unknown>;
  recurrence: Recurrence;
  enabled: boolean;
  /** null: no next run (an ended series or a disabled schedule). */
  nextRunAt: number | null;
  lastFiredAt: number | null;
  lastJobId: number | null;
  /** The account it runs for (reports), when not the system. */
  owner: string | null;
  /** Runs that failed in a row (a schedule may pause itself after several). */
  failures: number;
  createdAt: number;
  updatedAt: number;
}

export type NewSchedule = Omit<ScheduleRecord, "id" | "lastFiredAt" | "lastJobId" | "failures" | "createdAt" | "updatedAt">;

export type SchedulePatch = Partial<Pick<ScheduleRecord, "params" | "recurrence" | "enabled" | "nextRunAt" | "owner" | "failures" | "lastJobId">>;

export interface SchedulesRepo {
  /** Creates a schedule, or replaces the one with the same site, kind and name. */
  put(schedule: NewSchedule, now: number): Promise<ScheduleRecord>;
  get(id: number): Promise<ScheduleRecord | undefined>;
  byName(siteId: number | null, kind: string, name: string): Promise<ScheduleRecord | undefined>;
  list(filter: { siteId?: number; kind?: string }): Promise<ScheduleRecord[]>;
  update(id: number, patch: SchedulePatch, now: number): Promise<boolean>;
  delete(id: number): Promise<boolean>;
  /** Enabled schedules whose next run is at or before `now`. */
  due(now: number): Promise<ScheduleRecord[]>;
  /**
   * Moves the next run of a due schedule from `expected` to `next` (null: none) and records the firing;
   * true for exactly one caller in the cluster (the one that fires it).
   */
  claim(id: number, expected: number, next: number | null, firedAt: number): Promise<boolean>;
}

/** A SQL query someone saved on a site, with how to draw its rows. */
export interface SavedQuery {
  id: number;
  siteId: number;
  /** The account that saved it (the only one who may change it). */
  ownerId: number;
  /** That account's user name. */
  ownerName: string;
  name: string;
  sql: string;
  chart: ChartSpec;
  visibility: Visibility;
  createdAt: number;
  updatedAt: number;
}

export type NewSavedQuery = Pick<SavedQuery, "siteId" | "ownerId" | "name" | "sql" | "chart" | "visibility">;
export type SavedQueryPatch = Partial<Pick<SavedQuery, "name" | "sql" | "chart" | "visibility">>;

/** Saved queries of a site on one page, in order. */
export interface Dashboard {
  id: number;
  siteId: number;
  ownerId: number;
  ownerName: string;
  name: string;
  visibility: Visibility;
  items: DashboardItem[];
  createdAt: number;
  updatedAt: number;
}

export type NewDashboard = Pick<Dashboard, "siteId" | "ownerId" | "name" | "visibility" | "items">;
export type DashboardPatch = Partial<Pick<Dashboard, "name" | "visibility" | "items">>;

/**
 * Saved queries and dashboards. Lists take a `reader`: an account id sees its own and the public ones,
 * null sees every one. Who may change what is the service's business (`src/sql/saved/`), not the store's.
 */
export interface SavedSqlRepo {
  addQuery(query: NewSavedQuery, now: number): Promise<SavedQuery>;
  query(id: number): Promise<SavedQuery | undefined>;
  /** The site's queries `reader` may see, by name. */
  queries(siteId: number, reader: number | null): Promise<SavedQuery[]>;
  /** The query after the patch; undefined when there is none. */
  updateQuery(id: number, patch: SavedQueryPatch, now: number): Promise<SavedQuery | undefined>;
  /** Removes the query and takes it off every dashboard (one transaction). */
  deleteQuery(id: number, now: number): Promise<boolean>;
  addDashboard(dashboard: NewDashboard, now: number): Promise<Dashboard>;
  dashboard(id: number): Promise<Dashboard | undefined>;
  dashboards(siteId: number, reader: number | null): Promise<Dashboard[]>;
  updateDashboard(id: number, patch: DashboardPatch, now: number): Promise<Dashboard | undefined>;
  deleteDashboard(id: number): Promise<boolean>;
}

/**
 * A report (issue 15): a saved query over one entity of one site that schedules deliver, with an owner
 * and a visibility. The store keeps its definition as given (`src/reports/report-model.ts` checks it).
 */
export interface SavedReport {
  id: number;
  siteId: number;
  ownerId: number;
  ownerName: string;
  name: string;
  visibility: Visibility;
  definition: ReportDefinition;
  createdAt: number;
  updatedAt: number;
}

export type NewSavedReport = Pick<SavedReport, "siteId" | "ownerId" | "name" | "visibility" | "definition">;
export type SavedReportPatch = Partial<Pick<SavedReport, "name" | "visibility" | "definition">>;

/** Reports, and the server-wide secrets every node shares (the key that signs download links). */
export interface ReportsRepo {
  add(report: NewSavedReport, now: number): Promise<SavedReport>;
  get(id: number): Promise<SavedReport | undefined>;
  /** The site's reports `reader` may see (own and public; null: every one), by name. */
  list(siteId: number, reader: number | null): Promise<SavedReport[]>;
  update(id: number, patch: SavedReportPatch, now: number): Promise<SavedReport | undefined>;
  delete(id: number): Promise<boolean>;
  /** A random secret of 32 bytes by name: made by the first node that asks, the same for every node after. */
  secret(name: string): Promise<Buffer>;
}

/** An external storage of an organisation (issue 16): where backups are exported and imported. */
export interface BackupStorage {
  id: string;
  orgId: string;
  name: string;
  /** `s3` or `filesystem`. */
  type: string;
  region: string;
  prefix: string;
  /** How to reach it (`src/storage/index.ts` `storageSpec`); credentials only as environment variable names. */
  spec: Record<string, unknown>;
  createdAt: number;
}

/** A backup policy: what to back up of one site, and where. */
export interface BackupPolicy {
  id: string;
  orgId: string;
  siteId: number;
  product: Product;
  /** null: the built-in storage. */
  storageId: string | null;
  includeAttachments: boolean;
  includePersonalSpaces: boolean;
  /** How long its backups are kept; null: `backup.retentionDays` from config. */
  retention: BackupRetention | null;
  createdAt: number;
  updatedAt: number;
}

/** Keep a backup while it is within `days`, or one of the newest `keepLast`, or the newest of one of the last `daily` days, `weekly` weeks or `monthly` months. */
export interface BackupRetention {
  days?: number;
  keepLast?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export type BackupPolicyPatch = Partial<Pick<BackupPolicy, "storageId" | "includeAttachments" | "includePersonalSpaces" | "retention">>;

/** A failing validation check of a restore, with the consent that lets it go on (the seed's codes). */
export interface RestoreCheck {
  code: string;
  consent: string;
  message: string;
  /** What the check is about: the conflicting spaces, the groups to merge… */
  items: string[];
}

/** A request to restore a backup into a site; its job (once every check has its consent) does the work. */
export interface BackupRestore {
  id: string;
  orgId: string;
  /** The destination site. */
  siteId: number;
  backupId: number;
  product: Product;
  request: Record<string, unknown>;
  checks: RestoreCheck[];
  consents: string[];
  /** `AWAITING_CONSENT` until every check has its consent, then `STARTED` with its job. */
  status: string;
  jobId: number | null;
  createdAt: number;
  updatedAt: number;
}

export type BackupRestorePatch = Partial<Pick<BackupRestore, "checks" | "consents" | "status" | "jobId">>;

/** Storages and backup policies (backups, exports, imports and restores are jobs of their own kinds). */
export interface BackupsRepo {
  addStorage(storage: Omit<BackupStorage, "createdAt">, now: number): Promise<BackupStorage>;
  storage(id: string): Promise<BackupStorage | undefined>;
  storages(orgId: string): Promise<BackupStorage[]>;
  addPolicy(policy: Omit<BackupPolicy, "createdAt" | "updatedAt">, now: number): Promise<BackupPolicy>;
  policy(id: string): Promise<BackupPolicy | undefined>;
  policies(orgId: string): Promise<BackupPolicy[]>;
  updatePolicy(id: string, patch: BackupPolicyPatch, now: number): Promise<BackupPolicy | undefined>;
  addRestore(restore: Omit<BackupRestore, "createdAt" | "updatedAt">, now: number): Promise<BackupRestore>;
  restore(id: string): Promise<BackupRestore | undefined>;
  /** The organisation's restores, newest first. */
  restores(orgId: string): Promise<BackupRestore[]>;
  updateRestore(id: string, patch: BackupRestorePatch, now: number): Promise<BackupRestore | undefined>;
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
  /**
   * The scope keys (space keys, project keys, repository ids) `viewer` may browse on the site, sorted;
   * the same set queries filter on (`src/query/access-scopes.ts`). Undefined for a viewer who sees all.
   */
  browsable(siteId: number, product: Product, viewer: Viewer): Promise<string[] | undefined>;
  snapshot(siteId: number): Promise<Snapshot>;
  /**
   * Optional, for parallel exports: holds writers off and returns where worker threads open their own
   * snapshots (`openWorkerSnapshot`). Snapshots opened before `release()` all see the same data.
   */
  shareSnapshot?(siteId: number): Promise<SharedSnapshot>;
  clearSite(siteId: number): Promise<void>;
  /**
   * Moves every row of `defs` from `fromSiteId` (a restore's staging area) to `toSiteId` in one
   * transaction — all or nothing; a row whose key the destination has already stays as it was there
   * (merged groups and memberships). Returns the rows added per entity name.
   */
  promote(fromSiteId: number, toSiteId: number, defs: readonly EntityDef[]): Promise<Record<string, number>>;
}

/** A PostgreSQL login role that sees one site's schema of views as one site user (`sluice sql grant`). */
export interface SqlLogin {
  role: string;
  siteId: number;
  siteUser: string;
}

/** The site a statement or a login role is about. */
export type SqlSite = Pick<SqlStatement, "siteId" | "siteKey" | "product" | "instanceUrl">;

/**
 * User SQL, run inside the store where it cannot write (src/sql/ explains the two walls). `run` resolves
 * once the column names and types are known, and rejects with a `SluiceError` for a statement that is
 * refused, invalid, timed out or cancelled before its first row.
 */
export interface SqlRepo {
  run(statement: SqlStatement, viewer: Viewer, signal: AbortSignal): Promise<SqlRows>;
  /** Creates or updates a login role (PostgreSQL only; the embedded store refuses). */
  grantLogin(login: SqlLogin, site: SqlSite, password: string): Promise<void>;
  revokeLogin(role: string): Promise<boolean>;
  listLogins(): Promise<SqlLogin[]>;
  close(): Promise<void>;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  readonly sql: SqlRepo;
  readonly sites: SitesRepo;
  readonly accounts: AccountsRepo;
  readonly settings: SettingsRepo;
  readonly jobs: JobsRepo;
  readonly schedules: SchedulesRepo;
  readonly savedSql: SavedSqlRepo;
  readonly reports: ReportsRepo;
  readonly backups: BackupsRepo;
  readonly data: DataRepo;
  close(): Promise<void>;
}
