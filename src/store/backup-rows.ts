/** Rows of the backup storage and policy tables as both adapters read them, and their records. */
import type { Product } from "../core/entities/registry.js";
import type { BackupPolicy, BackupPolicyPatch, BackupRestore, BackupRestorePatch, BackupStorage } from "./port.js";

export interface StorageRow {
  id: string;
  org_id: string;
  name: string;
  type: string;
  region: string;
  prefix: string;
  spec: string;
  created_at: number | string;
}

export interface PolicyRow {
  id: string;
  org_id: string;
  site_id: number | string;
  product: string;
  storage_id: string | null;
  include_attachments: boolean | number;
  include_personal_spaces: boolean | number;
  retention: string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface RestoreRow {
  id: string;
  org_id: string;
  site_id: number | string;
  backup_id: number | string;
  product: string;
  request: string;
  checks: string;
  consents: string;
  status: string;
  job_id: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

export const STORAGE_COLUMNS = ["id", "org_id", "name", "type", "region", "prefix", "spec", "created_at"] as const;
export const POLICY_COLUMNS = ["id", "org_id", "site_id", "product", "storage_id", "include_attachments", "include_personal_spaces", "retention", "created_at", "updated_at"] as const;
export const RESTORE_COLUMNS = ["id", "org_id", "site_id", "backup_id", "product", "request", "checks", "consents", "status", "job_id", "created_at", "updated_at"] as const;

export function toStorage(r: StorageRow): BackupStorage {
  return { id: r.id, orgId: r.org_id, name: r.name, type: r.type, region: r.region, prefix: r.prefix, spec: JSON.parse(r.spec) as Record<string, unknown>, createdAt: Number(r.created_at) };
}

export function storageValues(s: Omit<BackupStorage, "createdAt">, now: number): unknown[] {
  return [s.id, s.orgId, s.name, s.type, s.region, s.prefix, JSON.stringify(s.spec), now];
}

export function toPolicy(r: PolicyRow): BackupPolicy {
  return {
    id: r.id,
    orgId: r.org_id,
    siteId: Number(r.site_id),
    product: r.product as Product,
    storageId: r.storage_id,
    includeAttachments: r.include_attachments === true || r.include_attachments === 1,
    includePersonalSpaces: r.include_personal_spaces === true || r.include_personal_spaces === 1,
    retention: r.retention ? (JSON.parse(r.retention) as BackupPolicy["retention"]) : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Values in POLICY_COLUMNS order; booleans as the store keeps them (`bool`). */
export function policyValues(p: Omit<BackupPolicy, "createdAt" | "updatedAt">, now: number, bool: (b: boolean) => unknown): unknown[] {
  return [p.id, p.orgId, p.siteId, p.product, p.storageId, bool(p.includeAttachments), bool(p.includePersonalSpaces), p.retention ? JSON.stringify(p.retention) : null, now, now];
}

export function policyPatchColumns(patch: BackupPolicyPatch, bool: (b: boolean) => unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (patch.storageId !== undefined) out.push(["storage_id", patch.storageId]);
  if (patch.includeAttachments !== undefined) out.push(["include_attachments", bool(patch.includeAttachments)]);
  if (patch.includePersonalSpaces !== undefined) out.push(["include_personal_spaces", bool(patch.includePersonalSpaces)]);
  if (patch.retention !== undefined) out.push(["retention", patch.retention ? JSON.stringify(patch.retention) : null]);
  return out;
}

export function toRestore(r: RestoreRow): BackupRestore {
  return {
    id: r.id,
    orgId: r.org_id,
    siteId: Number(r.site_id),
    backupId: Number(r.backup_id),
    product: r.product as Product,
    request: JSON.parse(r.request) as Record<string, unknown>,
    checks: JSON.parse(r.checks) as BackupRestore["checks"],
    consents: JSON.parse(r.consents) as string[],
    status: r.status,
    jobId: r.job_id === null ? null : Number(r.job_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function restoreValues(r: Omit<BackupRestore, "createdAt" | "updatedAt">, now: number): unknown[] {
  return [r.id, r.orgId, r.siteId, r.backupId, r.product, JSON.stringify(r.request), JSON.stringify(r.checks), JSON.stringify(r.consents), r.status, r.jobId, now, now];
}

export function restorePatchColumns(patch: BackupRestorePatch, now: number): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (patch.checks !== undefined) out.push(["checks", JSON.stringify(patch.checks)]);
  if (patch.consents !== undefined) out.push(["consents", JSON.stringify(patch.consents)]);
  if (patch.status !== undefined) out.push(["status", patch.status]);
  if (patch.jobId !== undefined) out.push(["job_id", patch.jobId]);
  out.push(["updated_at", now]);
  return out;
}
