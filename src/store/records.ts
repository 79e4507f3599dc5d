/**
 * Rows of the fixed tables as both adapters read them, and their mapping to the port's records; the
 * column assignments of a job patch. Adapters differ only in placeholders and value types.
 */
import type { Product } from "../core/entities/registry.js";
import type { JobPatch, JobRecord, JobStatus, JobTrigger } from "../core/job.js";
import type { Site, SiteState } from "./port.js";

export interface SiteRow {
  id: number;
  org_id: string;
  cloud_id: string;
  product: string;
  site_key: string;
  context_path: string;
  base_url: string;
  plan: string;
  region: string;
  state: string;
  created_at: number;
}

export function toSite(r: SiteRow): Site {
  return {
    id: r.id,
    orgId: r.org_id,
    cloudId: r.cloud_id,
    product: r.product as Product,
    key: r.site_key,
    contextPath: r.context_path,
    baseUrl: r.base_url,
    plan: r.plan,
    region: r.region,
    state: r.state as SiteState,
    createdAt: r.created_at,
  };
}

export interface JobRow {
  site_id: number;
  job_id: number;
  status: string;
  trigger: string;
  start_time: number;
  completed_time: number | null;
  cancelled_time: number | null;
  node_id: string;
  instance_id: string;
  pid: number;
  schema_version: number;
  export_from: number;
  /** 1/0 in SQLite, boolean in PostgreSQL. */
  forced: number | boolean;
  root_export_path: string;
  opted_out: string;
  warnings: string;
  errors: string;
  statistics: string | null;
  progress: string | null;
  files: string | null;
  lease_expires_at: number;
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export function toJob(r: JobRow): JobRecord {
  return {
    siteId: r.site_id,
    jobId: r.job_id,
    status: r.status as JobStatus,
    trigger: r.trigger as JobTrigger,
    startTime: r.start_time,
    completedTime: r.completed_time,
    cancelledTime: r.cancelled_time,
    nodeId: r.node_id,
    instanceId: r.instance_id,
    pid: r.pid,
    schemaVersion: r.schema_version,
    exportFrom: r.export_from,
    forced: r.forced === true || r.forced === 1,
    rootExportPath: r.root_export_path,
    optedOut: JSON.parse(r.opted_out) as JobRecord["optedOut"],
    warnings: JSON.parse(r.warnings) as JobRecord["warnings"],
    errors: JSON.parse(r.errors) as JobRecord["errors"],
    statistics: parse(r.statistics),
    progress: parse(r.progress),
    files: parse(r.files),
    leaseExpiresAt: r.lease_expires_at,
  };
}

/** The columns a job patch sets, with their stored values (JSON columns as text). */
export function patchColumns(patch: JobPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  if (patch.status !== undefined) out.push(["status", patch.status]);
  if (patch.completedTime !== undefined) out.push(["completed_time", patch.completedTime]);
  if (patch.cancelledTime !== undefined) out.push(["cancelled_time", patch.cancelledTime]);
  if (patch.warnings !== undefined) out.push(["warnings", JSON.stringify(patch.warnings)]);
  if (patch.errors !== undefined) out.push(["errors", JSON.stringify(patch.errors)]);
  if (patch.statistics !== undefined) out.push(["statistics", json(patch.statistics)]);
  if (patch.progress !== undefined) out.push(["progress", json(patch.progress)]);
  if (patch.files !== undefined) out.push(["files", json(patch.files)]);
  if (patch.leaseExpiresAt !== undefined) out.push(["lease_expires_at", patch.leaseExpiresAt]);
  return out;
}
