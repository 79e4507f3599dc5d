/**
 * Jobs on SQLite. Creates and claims run in `BEGIN IMMEDIATE` transactions (one writer at a time on
 * the file, so a check and its insert cannot interleave with another process's); the unique index on
 * running lock keys is the last word.
 */
import type Database from "better-sqlite3";
import { RUNNING_STATUSES, type JobFilter, type JobPatch, type JobStatus, type NewJob } from "../../core/job.js";
import type { ClaimResult, JobsRepo, QueueClaim } from "../port.js";
import { JOB_INSERT_COLUMNS, jobInsertValues, patchColumns, toJob, type JobRow } from "../records.js";

const RUNNING = `status IN (${RUNNING_STATUSES.map((s) => `'${s}'`).join(", ")})`;

function filterSql(filter: JobFilter): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter.siteId !== undefined) {
    parts.push("site_id = ?");
    params.push(filter.siteId);
  }
  if (filter.kind !== undefined) {
    parts.push("kind = ?");
    params.push(filter.kind);
  }
  if (filter.scheduleId !== undefined) {
    parts.push("schedule_id = ?");
    params.push(filter.scheduleId);
  }
  if (filter.statuses && filter.statuses.length > 0) {
    parts.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
    params.push(...filter.statuses);
  }
  return { where: parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "", params };
}

export function sqliteJobs(db: Database.Database): JobsRepo {
  const insert = db.prepare(
    `INSERT INTO jobs (${JOB_INSERT_COLUMNS.join(", ")}) VALUES (${JOB_INSERT_COLUMNS.map(() => "?").join(", ")}) RETURNING *`,
  );
  const holderStmt = db.prepare(`SELECT * FROM jobs WHERE lock_key = ? AND ${RUNNING}`);
  const nextSeq = db.prepare("SELECT coalesce(max(seq), 0) + 1 AS n FROM jobs WHERE site_id IS ? AND kind = ?");
  const create = db.transaction((job: NewJob): ClaimResult => {
    if (job.lockKey !== null && RUNNING_STATUSES.includes(job.status)) {
      const holder = holderStmt.get(job.lockKey) as JobRow | undefined;
      if (holder) return { ok: false, running: toJob(holder) };
    }
    const seq = (nextSeq.get(job.siteId, job.kind) as { n: number }).n;
    return { ok: true, job: toJob(insert.get(...jobInsertValues(job, seq)) as JobRow) };
  });
  const claimable = db.prepare(
    `SELECT q.id FROM jobs q WHERE q.status = 'QUEUED' AND q.kind IN (SELECT value FROM json_each(?)) AND q.not_before <= ?
       AND (q.lock_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.lock_key = q.lock_key AND r.${RUNNING}))
     ORDER BY q.id LIMIT 1`,
  );
  const start = db.prepare(
    `UPDATE jobs SET status = 'STARTED', node_id = ?, instance_id = ?, pid = ?, start_time = ?, lease_expires_at = ?
     WHERE id = ? AND status = 'QUEUED' RETURNING *`,
  );
  const claim = db.transaction((kinds: readonly string[], c: QueueClaim) => {
    const found = claimable.get(JSON.stringify(kinds), c.now) as { id: number } | undefined;
    if (!found) return undefined;
    const row = start.get(c.nodeId, c.instanceId, c.pid, c.now, c.leaseExpiresAt, found.id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  });
  const one = (sql: string, ...params: unknown[]) => {
    const r = db.prepare(sql).get(...params) as JobRow | undefined;
    return r ? toJob(r) : undefined;
  };
  const patchSql = (patch: JobPatch) => {
    const columns = patchColumns(patch);
    const sets = columns.map(([c]) => `${c} = ?`);
    // An empty patch still answers whether the condition holds.
    if (sets.length === 0) sets.push("status = status");
    return { sets: sets.join(", "), values: columns.map(([, v]) => v) };
  };

  return {
    async create(job) {
      return create.immediate(job);
    },
    async get(id) {
      return one("SELECT * FROM jobs WHERE id = ?", id);
    },
    async bySeq(siteId, kind, seq) {
      return one("SELECT * FROM jobs WHERE site_id = ? AND kind = ? AND seq = ?", siteId, kind, seq);
    },
    async latest(siteId, kind) {
      return one("SELECT * FROM jobs WHERE site_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1", siteId, kind);
    },
    async holder(lockKey) {
      const r = holderStmt.get(lockKey) as JobRow | undefined;
      return r ? toJob(r) : undefined;
    },
    async active(lockKey) {
      return one("SELECT * FROM jobs WHERE lock_key = ? AND status IN ('QUEUED', 'STARTED', 'CANCELLATION_REQUESTED') ORDER BY id LIMIT 1", lockKey);
    },
    async running() {
      return (db.prepare(`SELECT * FROM jobs WHERE ${RUNNING} ORDER BY id`).all() as JobRow[]).map(toJob);
    },
    async list(filter, offset, limit) {
      const { where, params } = filterSql(filter);
      const rows = db.prepare(`SELECT * FROM jobs ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as JobRow[];
      const total = (db.prepare(`SELECT count(*) AS n FROM jobs ${where}`).get(...params) as { n: number }).n;
      return { jobs: rows.map(toJob), total };
    },
    async update(id, instanceId, patch) {
      const { sets, values } = patchSql(patch);
      return db.prepare(`UPDATE jobs SET ${sets} WHERE id = ? AND instance_id = ? AND ${RUNNING}`).run(...values, id, instanceId).changes === 1;
    },
    async transition(id, from, patch) {
      const { sets, values } = patchSql(patch);
      const marks = from.map(() => "?").join(", ");
      return db.prepare(`UPDATE jobs SET ${sets} WHERE id = ? AND status IN (${marks})`).run(...values, id, ...from).changes === 1;
    },
    async renew(instanceId, leaseExpiresAt) {
      return db
        .prepare(`UPDATE jobs SET lease_expires_at = ? WHERE instance_id = ? AND ${RUNNING} RETURNING id, status`)
        .all(leaseExpiresAt, instanceId) as { id: number; status: JobStatus }[];
    },
    async claimQueued(kinds, c) {
      if (kinds.length === 0) return undefined;
      return claim.immediate(kinds, c);
    },
  };
}
