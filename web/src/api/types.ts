/** Shapes of the HTTP API the console reads (Data pipeline REST API and Sluice's admin API). */

/** A job's status; `QUEUED` only in the jobs view (the Data pipeline's own jobs start at once). */
export type JobStatus = "QUEUED" | "STARTED" | "COMPLETED" | "FAILED" | "CANCELLATION_REQUESTED" | "CANCELLED";

export interface ApiMessage {
  key: string;
  message: string;
}

export interface JobProgress {
  file: string;
  entity?: string;
  rowsWritten: number;
  rowsEstimated: number;
  filesDone?: number;
  filesTotal?: number;
  totalRowsWritten?: number;
  totalRowsEstimated?: number;
  rowsPerSecond?: number;
  etaSeconds?: number | null;
}

export interface JobFile {
  name: string;
  entity?: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface OptedOutEntity {
  type: ScopeType;
  identifier: string;
  key: string;
  displayName: string;
  uri?: string;
}

export interface Job {
  jobId: number;
  status: JobStatus;
  startTime: string;
  completedTime?: string;
  cancelledTime?: string;
  nodeId?: string;
  schema?: { version: number; status: string };
  config?: { exportFrom?: string; forcedExport?: boolean };
  statistics?: { exportedEntities: number; writtenRows: number };
  warnings?: ApiMessage[];
  errors?: ApiMessage[];
  rootExportPath?: string;
  optedOutEntities?: OptedOutEntity[];
  progress?: JobProgress;
  files?: JobFile[];
}

export interface HistoryPage {
  values: Job[];
  offset: number;
  limit: number;
  size: number;
  lastPage: boolean;
}

export interface ExportPath {
  rootExportPath: string;
  customPathSet: boolean;
}

export interface SchemaVersion {
  version: number;
  status: string;
}

export interface Schedule {
  days?: string[];
  repeatIntervalInWeeks?: string | number;
  time?: string;
  fromDate?: string;
  schemaVersion?: string | number;
  zoneId?: string;
  nextRunTime?: string;
}

export type ScopeType = "SPACE" | "PROJECT" | "REPOSITORY";

export interface Scope {
  key: string;
  displayName: string;
  identifier: string;
}

export interface Myself {
  username: string;
  displayName: string;
  sysadmin: boolean;
}

export type Product = "jira" | "confluence" | "bitbucket";

export interface SyncProgress {
  [field: string]: unknown;
}

/** One stream of a sync run (issues, pages, …). */
export interface SyncStream {
  stream: string;
  status?: string;
  items?: number;
  total?: number;
  rate?: number;
  etaSeconds?: number;
}

export interface SyncRun {
  id?: string;
  status: string;
  mode?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  error?: string | { message: string; entity?: string; path?: string } | null;
  progress?: SyncProgress | null;
  streams?: SyncStream[];
  counts?: Record<string, number>;
  /** Items the source named but did not give, per entity and reason (the first names of each). */
  skipped?: { entity: string; reason: string; count: number; names: string[] }[];
}

export interface Site {
  key: string;
  product: Product;
  contextPath: string;
  baseUrl: string;
  cloudId?: string;
  orgId?: string;
  plan?: string;
  region?: string;
  state?: string;
  counts?: Record<string, number>;
  lastExport?: Job | null;
  source?: { kind: string; url?: string | null; lastSync: SyncRun | null; nextSyncAt?: string | null; nextReconcileAt?: string | null } | null;
}

/** How far a running job of any kind is (the jobs view's shared words). */
export interface WorkProgress {
  /** What is being done now: `pages`, `issues stream`, … */
  label: string;
  done: number;
  /** null: not known. */
  total: number | null;
  /** `rows`, `items`, `bytes`. */
  unit: string;
  /** `unit`s per second. */
  rate: number;
  etaSeconds: number | null;
}

/** One job of any kind in the jobs view (`/rest/admin/v1/jobs`). */
export interface JobView {
  /** Unique across kinds and sites. */
  id: number;
  /** The site's key, or null for work of no site. */
  site: string | null;
  kind: string;
  /** The job's number within its site and kind (an export's Data pipeline job id). */
  number: number;
  status: JobStatus;
  trigger: string;
  node: string | null;
  createdTime: string;
  startTime: string;
  completedTime: string | null;
  cancelledTime: string | null;
  /** Only while it runs. */
  progress: WorkProgress | null;
  warnings: ApiMessage[];
  errors: ApiMessage[];
}

/** One job in full: the view plus the kind's own params and result. */
export interface JobDetail extends JobView {
  params: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

export interface JobList {
  values: JobView[];
  offset: number;
  limit: number;
  size: number;
  total: number;
  lastPage: boolean;
}

/** What the jobs list is narrowed to; absent: any. */
export interface JobFilter {
  site?: string;
  kind?: string;
  statuses?: string[];
}

/** A row of the schedules table (`/rest/admin/v1/schedules`): a job kind, its params and a recurrence. */
export interface ScheduleView {
  id: number;
  site: string | null;
  kind: string;
  name: string;
  params: Record<string, unknown>;
  recurrence: unknown;
  /** The recurrence in words: `weekly on Monday and Wednesday at 02:30 (UTC)`. */
  description: string;
  enabled: boolean;
  nextRunTime: string | null;
  /** The next five runs (empty when disabled). */
  nextRuns: string[];
  lastFiredTime: string | null;
  lastJobId: number | null;
  owner: string | null;
  failures: number;
}

export interface ScheduleRun {
  schedule: number;
  /** The job it started or queued; null when none was made. */
  jobId: number | null;
}
