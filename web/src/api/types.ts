/** Shapes of the HTTP API the console reads (Data pipeline REST API and Sluice's admin API). */

export type JobStatus = "STARTED" | "COMPLETED" | "FAILED" | "CANCELLATION_REQUESTED" | "CANCELLED";

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
  source?: { kind: string; url?: string | null; lastSync: SyncRun | null } | null;
}
