import type pg from "pg";
import type { JobPatch, JobRecord } from "../../core/job.js";
import { patchColumns, toJob, type JobRow } from "../records.js";
import type { ClaimResult, JobsRepo } from "../port.js";
import { LOCK_NAMESPACE } from "./schema.js";

/** Column assignments for a patch (`$first`, `$first+1`, …), shared by `update` and `transition`. */
function patchSql(patch: JobPatch, first: number): { sets: string[]; values: unknown[] } {
  const columns = patchColumns(patch);
  return { sets: columns.map(([c], i) => `${c} = $${first + i}`), values: columns.map(([, v]) => v) };
}

const RUNNING_SQL = "SELECT * FROM jobs WHERE site_id = $1 AND status IN ('STARTED', 'CANCELLATION_REQUESTED')";

const INSERT_SQL = `INSERT INTO jobs (site_id, job_id, status, "trigger", start_time, completed_time, cancelled_time, node_id,
    instance_id, pid, schema_version, export_from, forced, root_export_path, opted_out, warnings, errors, statistics, progress,
    files, lease_expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`;

function insertParams(r: JobRecord): unknown[] {
  return [
    r.siteId, r.jobId, r.status, r.trigger, r.startTime, r.completedTime, r.cancelledTime, r.nodeId,
    r.instanceId, r.pid, r.schemaVersion, r.exportFrom, r.forced, r.rootExportPath, JSON.stringify(r.optedOut),
    JSON.stringify(r.warnings), JSON.stringify(r.errors),
    r.statistics ? JSON.stringify(r.statistics) : null,
    r.progress ? JSON.stringify(r.progress) : null,
    r.files ? JSON.stringify(r.files) : null,
    r.leaseExpiresAt,
  ];
}

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";

export function postgresJobs(pool: pg.Pool): JobsRepo {
  const one = async (sql: string, params: unknown[]) => {
    const r = (await pool.query<JobRow>(sql, params)).rows[0];
    return r ? toJob(r) : undefined;
  };

  /**
   * The per-site advisory lock serialises creates of one site across pools and nodes (job ids stay
   * dense); the unique partial index `jobs_one_running` is the lock itself and the last word.
   */
  const claim = async (job: Omit<JobRecord, "jobId">): Promise<ClaimResult | "retry"> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, job.siteId]);
      const running = job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED";
      if (running) {
        const holder = (await client.query<JobRow>(RUNNING_SQL, [job.siteId])).rows[0];
        if (holder) {
          await client.query("ROLLBACK");
          return { ok: false, running: toJob(holder) };
        }
      }
      const next = (
        await client.query<{ n: number }>("SELECT coalesce(max(job_id), 0) + 1 AS n FROM jobs WHERE site_id = $1", [job.siteId])
      ).rows[0]!.n;
      const record: JobRecord = { ...job, jobId: next };
      await client.query(INSERT_SQL, insertParams(record));
      await client.query("COMMIT");
      return { ok: true, job: record };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      if (isUniqueViolation(error)) return "retry";
      throw error;
    } finally {
      client.release();
    }
  };

  return {
    async create(job) {
      // A unique violation means someone got past the lock (another tool, a manual insert): look again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const result = await claim(job);
        if (result !== "retry") return result;
        const holder = await one(RUNNING_SQL, [job.siteId]);
        if (holder && (job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED")) {
          return { ok: false, running: holder };
        }
      }
      throw new Error(`Could not create a job for site ${job.siteId}: job ids kept colliding`);
    },
    async get(siteId, jobId) {
      return one("SELECT * FROM jobs WHERE site_id = $1 AND job_id = $2", [siteId, jobId]);
    },
    async latest(siteId) {
      return one("SELECT * FROM jobs WHERE site_id = $1 ORDER BY job_id DESC LIMIT 1", [siteId]);
    },
    async running(siteId) {
      return one(RUNNING_SQL, [siteId]);
    },
    async allRunning() {
      const r = await pool.query<JobRow>(
        "SELECT * FROM jobs WHERE status IN ('STARTED', 'CANCELLATION_REQUESTED') ORDER BY site_id, job_id",
      );
      return r.rows.map(toJob);
    },
    async history(siteId, offset, limit) {
      const rows = await pool.query<JobRow>("SELECT * FROM jobs WHERE site_id = $1 ORDER BY job_id DESC LIMIT $2 OFFSET $3", [
        siteId,
        limit,
        offset,
      ]);
      const total = (await pool.query<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE site_id = $1", [siteId])).rows[0]!.n;
      return { jobs: rows.rows.map(toJob), total };
    },
    async update(siteId, jobId, instanceId, patch) {
      const { sets, values } = patchSql(patch, 4);
      // An empty patch still answers whether this instance holds the job.
      if (sets.length === 0) sets.push("status = status");
      const r = await pool.query(
        `UPDATE jobs SET ${sets.join(", ")} WHERE site_id = $1 AND job_id = $2 AND instance_id = $3 AND status IN ('STARTED', 'CANCELLATION_REQUESTED')`,
        [siteId, jobId, instanceId, ...values],
      );
      return r.rowCount === 1;
    },
    async transition(siteId, jobId, from, patch) {
      const { sets, values } = patchSql(patch, 4);
      if (sets.length === 0) sets.push("status = status");
      const r = await pool.query(
        `UPDATE jobs SET ${sets.join(", ")} WHERE site_id = $1 AND job_id = $2 AND status = ANY($3::text[])`,
        [siteId, jobId, [...from], ...values],
      );
      return r.rowCount === 1;
    },
  };
}
