import type Database from "better-sqlite3";
import type { JobPatch, JobRecord } from "../../core/job.js";
import { patchColumns, toJob, type JobRow } from "../records.js";
import type { ClaimResult, JobsRepo } from "../port.js";

/** Column assignments for a patch, shared by `update` and `transition`. */
function patchSql(patch: JobPatch): { sets: string[]; values: unknown[] } {
  const columns = patchColumns(patch);
  return { sets: columns.map(([c]) => `${c} = ?`), values: columns.map(([, v]) => v) };
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
