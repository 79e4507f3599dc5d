/**
 * Rows of the fixed tables as both adapters read them, and their mapping to the port's records; the
 * column assignments of a job patch. Adapters differ only in placeholders and value types.
 */
import type { Product } from "../core/entities/registry.js";
import type { Job, JobPatch, JobStatus, JobTrigger, NewJob } from "../core/job.js";
import type { Recurrence } from "../core/recurrence.js";
import type { ScheduleRecord, SchedulePatch, Site, SiteState } from "./port.js";

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
  id: number;
  site_id: number | null;
  kind: string;
  seq: number;
  status: string;
  trigger: string;
  lock_key: string | null;
  params: string;
  result: string | null;
  progress: string | null;
  warnings: string;
  errors: string;
  node_id: string;
  instance_id: string;
  pid: number;
  created_at: number;
  start_time: number;
  completed_time: number | null;
  cancelled_time: number | null;
  lease_expires_at: number;
  not_before: number;
  schedule_id: number | null;
  parent_id: number | null;
}

const parse = <T,>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    siteId: r.site_id,
    kind: r.kind,
    seq: r.seq,
    status: r.status as JobStatus,
    trigger: r.trigger as JobTrigger,
    lockKey: r.lock_key,
    params: JSON.parse(r.params) as Job["params"],
    result: parse(r.result),
    progress: parse(r.progress),
    warnings: JSON.parse(r.warnings) as Job["warnings"],
    errors: JSON.parse(r.errors) as Job["errors"],
    nodeId: r.node_id,
    instanceId: r.instance_id,
    pid: r.pid,
    createdAt: r.created_at,
    startTime: r.start_time,
    completedTime: r.completed_time,
    cancelledTime: r.cancelled_time,
    leaseExpiresAt: r.lease_expires_at,
    notBefore: r.not_before,
    scheduleId: r.schedule_id,
    parentId: r.parent_id,
  };
}

/** The columns of a new job, in `JOB_INSERT_COLUMNS` order. */
export const JOB_INSERT_COLUMNS = [
  "site_id", "kind", "seq", "status", "trigger", "lock_key", "params", "result", "progress", "warnings", "errors", "node_id",
  "instance_id", "pid", "created_at", "start_time", "completed_time", "cancelled_time", "lease_expires_at", "not_before",
  "schedule_id", "parent_id",
] as const;

export function jobInsertValues(job: NewJob, seq: number): unknown[] {
  return [
    job.siteId, job.kind, seq, job.status, job.trigger, job.lockKey, JSON.stringify(job.params), json(job.result), json(job.progress),
    JSON.stringify(job.warnings), JSON.stringify(job.errors), job.nodeId, job.instanceId, job.pid, job.createdAt, job.startTime,
    job.completedTime, job.cancelledTime, job.leaseExpiresAt, job.notBefore, job.scheduleId, job.parentId,
  ];
}

/** The columns a job patch sets, with their stored values (JSON columns as text). */
export function patchColumns(patch: JobPatch): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (patch.status !== undefined) out.push(["status", patch.status]);
  if (patch.completedTime !== undefined) out.push(["completed_time", patch.completedTime]);
  if (patch.cancelledTime !== undefined) out.push(["cancelled_time", patch.cancelledTime]);
  if (patch.warnings !== undefined) out.push(["warnings", JSON.stringify(patch.warnings)]);
  if (patch.errors !== undefined) out.push(["errors", JSON.stringify(patch.errors)]);
  if (patch.result !== undefined) out.push(["result", json(patch.result)]);
  if (patch.progress !== undefined) out.push(["progress", json(patch.progress)]);
  if (patch.leaseExpiresAt !== undefined) out.push(["lease_expires_at", patch.leaseExpiresAt]);
  return out;
}

export interface ScheduleRow {
  id: number;
  site_id: number | null;
  kind: string;
  name: string;
  params: string;
  recurrence: string;
  /** 1/0 in SQLite, boolean in PostgreSQL. */
  enabled: number | boolean;
  next_run_at: number | null;
  last_fired_at: number | null;
  last_job_id: number | null;
  owner: string | null;
  failures: number;
  created_at: number;
  updated_at: number;
}

export function toSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    siteId: r.site_id,
    kind: r.kind,
    name: r.name,
    params: JSON.parse(r.params) as Record<string, unknown>,
    recurrence: JSON.parse(r.recurrence) as Recurrence,
    enabled: r.enabled === true || r.enabled === 1,
    nextRunAt: r.next_run_at,
    lastFiredAt: r.last_fired_at,
    lastJobId: r.last_job_id,
    owner: r.owner,
    failures: r.failures,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The columns a schedule patch sets, with their stored values (booleans as the store wants them). */
export function schedulePatchColumns(patch: SchedulePatch, bool: (v: boolean) => unknown): [column: string, value: unknown][] {
  const out: [string, unknown][] = [];
  if (patch.params !== undefined) out.push(["params", JSON.stringify(patch.params)]);
  if (patch.recurrence !== undefined) out.push(["recurrence", JSON.stringify(patch.recurrence)]);
  if (patch.enabled !== undefined) out.push(["enabled", bool(patch.enabled)]);
  if (patch.nextRunAt !== undefined) out.push(["next_run_at", patch.nextRunAt]);
  if (patch.owner !== undefined) out.push(["owner", patch.owner]);
  if (patch.failures !== undefined) out.push(["failures", patch.failures]);
  if (patch.lastJobId !== undefined) out.push(["last_job_id", patch.lastJobId]);
  return out;
}
