import type Database from "better-sqlite3";
import type { JobPatch, JobRecord, JobStatus, JobTrigger } from "../../core/job.js";
import type { ClaimResult, JobsRepo } from "../port.js";

interface JobRow {
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
  forced: number;
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
    forced: r.forced === 1,
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

/** Column assignments for a patch, shared by `update` and `transition`. */
function patchSql(patch: JobPatch): { sets: string[]; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [];
  const put = (col: string, value: unknown) => {
    sets.push(`${col} = ?`);
    values.push(value);
  };
  if (patch.status !== undefined) put("status", patch.status);
  if (patch.completedTime !== undefined) put("completed_time", patch.completedTime);
  if (patch.cancelledTime !== undefined) put("cancelled_time", patch.cancelledTime);
  if (patch.warnings !== undefined) put("warnings", JSON.stringify(patch.warnings));
  if (patch.errors !== undefined) put("errors", JSON.stringify(patch.errors));
  if (patch.statistics !== undefined) put("statistics", patch.statistics === null ? null : JSON.stringify(patch.statistics));
  if (patch.progress !== undefined) put("progress", patch.progress === null ? null : JSON.stringify(patch.progress));
  if (patch.files !== undefined) put("files", patch.files === null ? null : JSON.stringify(patch.files));
  if (patch.leaseExpiresAt !== undefined) put("lease_expires_at", patch.leaseExpiresAt);
  return { sets, values };
}

export function sqliteJobs(db: Database.Database): JobsRepo {
  const insert = db.prepare(
    `INSERT INTO jobs (site_id, job_id, status, trigger, start_time, completed_time, cancelled_time, node_id, instance_id, pid,
       schema_version, export_from, forced, root_export_path, opted_out, warnings, errors, statistics, progress, files, lease_expires_at)
     VALUES (@siteId, @jobId, @status, @trigger, @startTime, @completedTime, @cancelledTime, @nodeId, @instanceId, @pid,
       @schemaVersion, @exportFrom, @forced, @rootExportPath, @optedOut, @warnings, @errors, @statistics, @progress, @files, @leaseExpiresAt)`,
  );
  const runningStmt = db.prepare(
    "SELECT * FROM jobs WHERE site_id = ? AND status IN ('STARTED', 'CANCELLATION_REQUESTED')",
  );
  const create = db.transaction((job: Omit<JobRecord, "jobId">): ClaimResult => {
    const holder = runningStmt.get(job.siteId) as JobRow | undefined;
    if (holder && (job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED")) {
      return { ok: false, running: toJob(holder) };
    }
    const next = (db.prepare("SELECT coalesce(max(job_id), 0) + 1 AS n FROM jobs WHERE site_id = ?").get(job.siteId) as {
      n: number;
    }).n;
    const record: JobRecord = { ...job, jobId: next };
    insert.run({
      ...record,
      forced: record.forced ? 1 : 0,
      optedOut: JSON.stringify(record.optedOut),
      warnings: JSON.stringify(record.warnings),
      errors: JSON.stringify(record.errors),
      statistics: record.statistics ? JSON.stringify(record.statistics) : null,
      progress: record.progress ? JSON.stringify(record.progress) : null,
      files: record.files ? JSON.stringify(record.files) : null,
    });
    return { ok: true, job: record };
  });

  return {
    async create(job) {
      return create.immediate(job);
    },
    async get(siteId, jobId) {
      const r = db.prepare("SELECT * FROM jobs WHERE site_id = ? AND job_id = ?").get(siteId, jobId) as JobRow | undefined;
      return r ? toJob(r) : undefined;
    },
    async latest(siteId) {
      const r = db.prepare("SELECT * FROM jobs WHERE site_id = ? ORDER BY job_id DESC LIMIT 1").get(siteId) as
        | JobRow
        | undefined;
      return r ? toJob(r) : undefined;
    },
    async running(siteId) {
      const r = runningStmt.get(siteId) as JobRow | undefined;
      return r ? toJob(r) : undefined;
    },
    async allRunning() {
      return (db.prepare("SELECT * FROM jobs WHERE status IN ('STARTED', 'CANCELLATION_REQUESTED')").all() as JobRow[]).map(
        toJob,
      );
    },
    async history(siteId, offset, limit) {
      const rows = db
        .prepare("SELECT * FROM jobs WHERE site_id = ? ORDER BY job_id DESC LIMIT ? OFFSET ?")
        .all(siteId, limit, offset) as JobRow[];
      const total = (db.prepare("SELECT count(*) AS n FROM jobs WHERE site_id = ?").get(siteId) as { n: number }).n;
      return { jobs: rows.map(toJob), total };
    },
    async update(siteId, jobId, instanceId, patch) {
      const { sets, values } = patchSql(patch);
      if (sets.length === 0) sets.push("status = status");
      const info = db
        .prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE site_id = ? AND job_id = ? AND instance_id = ? AND status IN ('STARTED', 'CANCELLATION_REQUESTED')`)
        .run(...values, siteId, jobId, instanceId);
      return info.changes === 1;
    },
    async transition(siteId, jobId, from, patch) {
      const { sets, values } = patchSql(patch);
      if (sets.length === 0) sets.push("status = status");
      const marks = from.map(() => "?").join(", ");
      const info = db
        .prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE site_id = ? AND job_id = ? AND status IN (${marks})`)
        .run(...values, siteId, jobId, ...from);
      return info.changes === 1;
    },
  };
}
