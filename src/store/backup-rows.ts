/** Rows of the backup storage and policy tables as both adapters read them, and their records. */
import type { Product } from "../core/entities/registry.js";
import type { BackupPolicy, BackupPolicyPatch, BackupStorage } from "./port.js";

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
  created_at: number | string;
  updated_at: number | string;
}

export const STORAGE_COLUMNS = ["id", "org_id", "name", "type", "region", "prefix", "spec", "created_at"] as const;
export const POLICY_COLUMNS = ["id", "org_id", "site_id", "product", "storage_id", "include_attachments", "include_personal_spaces", "created_at", "updated_at"] as const;

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
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Values in POLICY_COLUMNS order; booleans as the store keeps them (`bool`). */
export function policyValues(p: Omit<BackupPolicy, "createdAt" | "updatedAt">, now: number, bool: (b: boolean) => unknown): unknown[] {
  return [p.id, p.orgId, p.siteId, p.product, p.storageId, bool(p.includeAttachments), bool(p.includePersonalSpaces), now, now];
}

export function policyPatchColumns(patch: BackupPolicyPatch, bool: (b: boolean) => unknown): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (patch.storageId !== undefined) out.push(["storage_id", patch.storageId]);
  if (patch.includeAttachments !== undefined) out.push(["include_attachments", bool(patch.includeAttachments)]);
  if (patch.includePersonalSpaces !== undefined) out.push(["include_personal_spaces", bool(patch.includePersonalSpaces)]);
  return out;
}
