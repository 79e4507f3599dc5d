/**
 * The organisation's backup API under `/rest/backup/v1` (administrators): its sites, storages, backup
 * policies, backups (start, verify, copy to the policy's storage), and restores — validated first,
 * waiting for a consent to each failing check, then a job whose result is the post-operation report.
 */
import type { Api } from "./client.js";

const BASE = "/rest/backup/v1/orgs";

/** Products as this API writes them. */
export type BackupProduct = "JIRA" | "CONFLUENCE" | "BITBUCKET";

export interface Org {
  orgId: string;
  name: string;
}

export interface BackupSite {
  cloudId: string;
  product: BackupProduct;
  contextPath: string;
  baseUrl: string;
  plan: string;
  region: string;
}

export type StorageType = "s3" | "filesystem";

export interface Storage {
  storageId: string;
  storageName: string;
  storageRegion: string;
  storagePrefix: string;
  storageType: StorageType;
  createdTime: string | null;
}

export interface NewStorage {
  storageName: string;
  storageRegion: string;
  storagePrefix: string;
  storageType: StorageType;
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  path?: string;
}

/** How long backups are kept (when the server has per-policy retention): each field optional. */
export interface Retention {
  days?: number;
  keepLast?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export interface Policy {
  policyId: string;
  cloudId: string | null;
  product: BackupProduct;
  storageId: string | null;
  includeAttachments: boolean;
  includePersonalSpaces: boolean;
  /** Only on servers with per-policy retention; null: the server's default. */
  retention?: Retention | null;
  createdTime: string | null;
  updatedTime: string | null;
}

export interface NewPolicy {
  product: BackupProduct;
  storageId?: string | null;
  includeAttachments: boolean;
  includePersonalSpaces?: boolean;
  retention?: Retention | null;
}

/** The fields sent change; the others stay. */
export type PolicyPatch = Partial<Pick<NewPolicy, "storageId" | "includeAttachments" | "includePersonalSpaces" | "retention">>;

export type BackupStatus = "IN_PROGRESS" | "COMPLETE" | "INCOMPLETE" | "EXPIRED" | "FAILED";

export interface Verification {
  at: string | null;
  ok: boolean;
  checkedParts: number;
  failures: { part: string; reason: string }[];
}

export interface StepProgress {
  label: string;
  done: number;
  total: number | null;
}

export interface JobError {
  key: string;
  message: string;
}

export interface Backup {
  backupId: string;
  policyId: string;
  cloudId: string | null;
  product: BackupProduct;
  status: BackupStatus;
  createdTime: string | null;
  completedTime: string | null;
  expiredTime: string | null;
  /** Bytes of the archive; null until it is written. */
  size: number | null;
  /** Rows per entity. */
  counts: Record<string, number> | null;
  /** Attachments whose bytes were gone (an INCOMPLETE backup). */
  missing: string[];
  /** Where the archive is (null: the built-in storage); on servers that say so. */
  storageId?: string | null;
  /** Storages holding an exported copy; on servers that say so. */
  copies?: string[];
  /** A FAILED backup whose storage could not take it, kept in the built-in storage; on servers that say so. */
  localCopyKept?: boolean;
  verified: Verification | null;
  progress: StepProgress | null;
  error: JobError | null;
}

export type TransferStatus = "IN_PROGRESS" | "COMPLETE" | "FAILED";

export interface Transfer {
  id: string;
  backupId: string;
  storageId: string;
  status: TransferStatus;
  parts: number | null;
  size: number | null;
  createdTime: string | null;
  completedTime: string | null;
  error: JobError | null;
}

export type RestoreStatus = "AWAITING_CONSENT" | "IN_PROGRESS" | "COMPLETE" | "FAILED";

export interface RestoreCheck {
  code: string;
  /** The consent code that answers it; `A|B`: one of the two (accept or deny). */
  consent: string;
  message: string;
  items: string[];
  consented: boolean;
}

export type ItemType = "PAGE" | "ISSUE";

export interface NewRestore {
  backupId: string;
  product: BackupProduct;
  includeAttachments: boolean;
  includeUsersAndGroups: boolean;
  /** Space keys, project keys or `PROJECT/slug` of repositories. */
  scopes?: string[];
  items?: { type: ItemType; id: number }[];
  dryRun?: boolean;
}

export interface Restore {
  restoreId: string;
  migrationId: string;
  /** The destination site. */
  cloudId: string;
  product: BackupProduct;
  backupId: string;
  status: RestoreStatus;
  includeAttachments: boolean;
  includeUsersAndGroups: boolean;
  scopes: string[] | null;
  items: { entity: string; id: number }[] | null;
  dryRun: boolean;
  checks: RestoreCheck[];
  consents: string[];
  jobId: string | null;
  progress: StepProgress | null;
  createdTime: string | null;
  completedTime: string | null;
  error: JobError | null;
  /** Rows written (or, in a dry run, to be written), once COMPLETE. */
  rows: number | null;
}

export interface RestoreReport {
  restoreId: string;
  dryRun: boolean;
  restored: Record<string, { rows: number; keys: string[] }>;
  kept: Record<string, number>;
  skipped: { scopes: string[] };
  merged: { groups: string[] };
  denied: { groups: string[] };
  remapped: Record<string, number>;
  attachments: { copied: number; bytes: number; missing: string[] };
  git: { repositories: string[] };
  settings: { applied: string[]; notApplied: { setting: string; reason: string }[] };
  startedAt: string;
  completedAt: string;
}

export interface BackupApi {
  readonly orgId: string;
  sites(): Promise<BackupSite[]>;
  regions(): Promise<string[]>;
  storages(): Promise<Storage[]>;
  createStorage(storage: NewStorage): Promise<Storage>;
  policies(): Promise<Policy[]>;
  policy(policyId: string): Promise<Policy>;
  createPolicy(cloudId: string, policy: NewPolicy): Promise<Policy>;
  updatePolicy(policyId: string, patch: PolicyPatch): Promise<Policy>;
  /** Newest first. */
  backups(policyId: string): Promise<Backup[]>;
  backup(backupId: string): Promise<Backup>;
  /** 409 `sluice.backup.too.soon` within the server's cadence. */
  startBackup(policyId: string, cloudId: string): Promise<Backup>;
  verify(backupId: string, sample?: number): Promise<Verification>;
  /** Copies a backup to its policy's storage. */
  exportBackup(backup: Backup): Promise<Transfer>;
  exportOf(cloudId: string, exportId: string): Promise<Transfer>;
  restores(): Promise<Restore[]>;
  restore(restoreId: string): Promise<Restore>;
  createRestore(destCloudId: string, restore: NewRestore): Promise<Restore>;
  /** Consents to failing checks; the restore starts once each check has its consent. */
  revalidate(destCloudId: string, restoreId: string, consent: string[]): Promise<Restore>;
  report(cloudId: string, migrationId: string): Promise<Restore & { report: RestoreReport }>;
}

export async function backupOrgs(api: Api): Promise<Org[]> {
  return (await api.get<{ values?: Org[] }>(BASE))?.values ?? [];
}

export function createBackupApi(api: Api, orgId: string): BackupApi {
  const base = `${BASE}/${encodeURIComponent(orgId)}`;
  const id = (value: string) => encodeURIComponent(value);
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> => (await api.request<T>(method, `${base}${path}`, body === undefined ? {} : { body })).body;
  const list = async <T>(path: string): Promise<T[]> => (await send<{ values?: T[] }>("GET", path))?.values ?? [];
  return {
    orgId,
    sites: () => list("/sites"),
    regions: async () => (await send<{ regions?: string[] }>("POST", "/storages/regions"))?.regions ?? [],
    storages: () => list("/storages"),
    createStorage: (storage) => send("POST", "/storages", storage),
    policies: () => list("/policies"),
    policy: (policyId) => send("GET", `/policies/${id(policyId)}`),
    createPolicy: (cloudId, policy) => send("POST", `/cloud/${id(cloudId)}/policies`, policy),
    updatePolicy: (policyId, patch) => send("PUT", `/policies/${id(policyId)}`, patch),
    backups: (policyId) => list(`/policies/${id(policyId)}/backups`),
    backup: (backupId) => send("GET", `/backups/${id(backupId)}`),
    startBackup: (policyId, cloudId) => send("POST", "/backups", { policyId, cloudId }),
    async verify(backupId, sample) {
      const verified = await send<Omit<Verification, "at"> & { at: string | number | null }>("POST", `/backups/${id(backupId)}/verify`, sample === undefined ? {} : { sample });
      // The answer may give the time in epoch milliseconds; the backup's view gives ISO text.
      return { ...verified, at: typeof verified.at === "number" ? new Date(verified.at).toISOString() : verified.at };
    },
    async exportBackup(backup) {
      const answer = await send<{ values?: Transfer[] }>("POST", "/exports", [{ product: backup.product, cloudId: backup.cloudId, backupId: backup.backupId }]);
      const first = answer?.values?.[0];
      if (!first) throw new Error(`The server started no export of backup ${backup.backupId}.`);
      return first;
    },
    exportOf: (cloudId, exportId) => send("GET", `/cloud/${id(cloudId)}/exports/${id(exportId)}`),
    restores: () => list("/restores"),
    restore: (restoreId) => send("GET", `/restores/${id(restoreId)}`),
    createRestore: (destCloudId, restore) => send("POST", `/cloud/${id(destCloudId)}/restores`, restore),
    revalidate: (destCloudId, restoreId, consent) => send("POST", `/cloud/${id(destCloudId)}/restores/revalidate`, { restoreId, consent }),
    report: (cloudId, migrationId) => send("GET", `/cloud/${id(cloudId)}/migration/${id(migrationId)}/postOpReport`),
  };
}
