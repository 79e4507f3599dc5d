/**
 * Jobs on PostgreSQL, shared by every node. Creates of a site are serialised by an advisory lock (its
 * numbers stay dense); the unique index on running lock keys is the lock itself and the last word.
 * Queued work is claimed with `FOR UPDATE SKIP LOCKED`, so nodes claiming at once take different jobs.
 */
import type pg from "pg";
import { RUNNING_STATUSES, type Job, type JobFilter, type JobPatch, type JobStatus, type NewJob } from "../../core/job.js";
import type { ClaimResult, JobsRepo } from "../port.js";
import { JOB_INSERT_COLUMNS, jobInsertValues, patchColumns, toJob, type JobRow } from "../records.js";
import { LOCK_NAMESPACE } from "./schema.js";

const RUNNING = `status IN (${RUNNING_STATUSES.map((s) => `'${s}'`).join(", ")})`;
const COLUMNS = JOB_INSERT_COLUMNS.map((c) => (c === "trigger" ? '"trigger"' : c)).join(", ");
const INSERT_SQL = `INSERT INTO jobs (${COLUMNS}) VALUES (${JOB_INSERT_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING *`;
const HOLDER_SQL = `SELECT * FROM jobs WHERE lock_key = $1 AND ${RUNNING}`;

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";

/** Column assignments for a patch (`$first`, `$first+1`, …). */
function patchSql(patch: JobPatch, first: number): { sets: string; values: unknown[] } {
  const columns = patchColumns(patch);
  const sets = columns.map(([c], i) => `${c} = $${first + i}`);
  // An empty patch still answers whether the condition holds.
  if (sets.length === 0) sets.push("status = status");
  return { sets: sets.join(", "), values: columns.map(([, v]) => v) };
}

function filterSql(filter: JobFilter): { where: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    parts.push(sql.replace("?", `$${values.length}`));
  };
  if (filter.siteId !== undefined) add("site_id = ?", filter.siteId);
  if (filter.kind !== undefined) add("kind = ?", filter.kind);
  if (filter.scheduleId !== undefined) add("schedule_id = ?", filter.scheduleId);
  if (filter.statuses && filter.statuses.length > 0) add("status = ANY(?::text[])", [...filter.statuses]);
  return { where: parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "", values };
}

export function postgresJobs(pool: pg.Pool): JobsRepo {
  const one = async (sql: string, params: unknown[]): Promise<Job | undefined> => {
    const r = (await pool.query<JobRow>(sql, params)).rows[0];
    return r ? toJob(r) : undefined;
  };

  const tryCreate = async (job: NewJob): Promise<ClaimResult | "retry"> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, job.siteId ?? 0]);
      if (job.lockKey !== null && RUNNING_STATUSES.includes(job.status)) {
        const holder = (await client.query<JobRow>(HOLDER_SQL, [job.lockKey])).rows[0];
        if (holder) {
          await client.query("ROLLBACK");
          return { ok: false, running: toJob(holder) };
        }
      }
      const seq = (
        await client.query<{ n: number }>("SELECT coalesce(max(seq), 0) + 1 AS n FROM jobs WHERE site_id IS NOT DISTINCT FROM $1 AND kind = $2", [
          job.siteId,
          job.kind,
        ])
      ).rows[0]!.n;
      const row = (await client.query<JobRow>(INSERT_SQL, jobInsertValues(job, seq))).rows[0]!;
      await client.query("COMMIT");
      return { ok: true, job: toJob(row) };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      if (isUniqueViolation(error)) return "retry";
      throw error;
    } finally {
      client.release();
    }
  };

  const claimSql = `UPDATE jobs SET status = 'STARTED', node_id = $2, instance_id = $3, pid = $4, start_time = $5, lease_expires_at = $6
    WHERE id = (
      SELECT q.id FROM jobs q WHERE q.status = 'QUEUED' AND q.kind = ANY($1::text[]) AND q.not_before <= $5
        AND (q.lock_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.lock_key = q.lock_key AND r.${RUNNING}))
      ORDER BY q.id FOR UPDATE SKIP LOCKED LIMIT 1)
    RETURNING *`;

  return {
    async create(job) {
      // A unique violation means someone got past the lock (another tool, a manual insert): look again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const result = await tryCreate(job);
        if (result !== "retry") return result;
        const holder = job.lockKey !== null ? await one(HOLDER_SQL, [job.lockKey]) : undefined;
        if (holder && RUNNING_STATUSES.includes(job.status)) return { ok: false, running: holder };
      }
      throw new Error(`Could not create a ${job.kind} job for site ${job.siteId}: job numbers kept colliding`);
    },
    async get(id) {
      return one("SELECT * FROM jobs WHERE id = $1", [id]);
    },
    async bySeq(siteId, kind, seq) {
      return one("SELECT * FROM jobs WHERE site_id = $1 AND kind = $2 AND seq = $3", [siteId, kind, seq]);
    },
    async latest(siteId, kind) {
      return one("SELECT * FROM jobs WHERE site_id = $1 AND kind = $2 ORDER BY seq DESC LIMIT 1", [siteId, kind]);
    },
    async holder(lockKey) {
      return one(HOLDER_SQL, [lockKey]);
    },
    async active(lockKey) {
      return one("SELECT * FROM jobs WHERE lock_key = $1 AND status IN ('QUEUED', 'STARTED', 'CANCELLATION_REQUESTED') ORDER BY id LIMIT 1", [lockKey]);
    },
    async running() {
      return (await pool.query<JobRow>(`SELECT * FROM jobs WHERE ${RUNNING} ORDER BY id`)).rows.map(toJob);
    },
    async list(filter, offset, limit) {
      const { where, values } = filterSql(filter);
      const n = values.length;
      const rows = await pool.query<JobRow>(`SELECT * FROM jobs ${where} ORDER BY id DESC LIMIT $${n + 1} OFFSET $${n + 2}`, [...values, limit, offset]);
      const total = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM jobs ${where}`, values)).rows[0]!.n;
      return { jobs: rows.rows.map(toJob), total };
    },
    async update(id, instanceId, patch) {
      const { sets, values } = patchSql(patch, 3);
      const r = await pool.query(`UPDATE jobs SET ${sets} WHERE id = $1 AND instance_id = $2 AND ${RUNNING}`, [id, instanceId, ...values]);
      return r.rowCount === 1;
    },
    async transition(id, from, patch) {
      const { sets, values } = patchSql(patch, 3);
      const r = await pool.query(`UPDATE jobs SET ${sets} WHERE id = $1 AND status = ANY($2::text[])`, [id, [...from], ...values]);
      return r.rowCount === 1;
    },
    async renew(instanceId, leaseExpiresAt) {
      const r = await pool.query<{ id: number; status: JobStatus }>(
        `UPDATE jobs SET lease_expires_at = $1 WHERE instance_id = $2 AND ${RUNNING} RETURNING id, status`,
        [leaseExpiresAt, instanceId],
      );
      return r.rows;
    },
    async claimQueued(kinds, c) {
      if (kinds.length === 0) return undefined;
      // Two nodes may take two queued jobs of one lock key at once: the index refuses one; look again.
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const row = (await pool.query<JobRow>(claimSql, [[...kinds], c.nodeId, c.instanceId, c.pid, c.now, c.leaseExpiresAt])).rows[0];
          return row ? toJob(row) : undefined;
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
      return undefined;
    },
  };
}
