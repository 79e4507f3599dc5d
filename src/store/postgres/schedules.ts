/** Schedules on PostgreSQL, shared by every node: claims are one conditional UPDATE (compare-and-set). */
import type pg from "pg";
import type { SchedulesRepo } from "../port.js";
import { schedulePatchColumns, toSchedule, type ScheduleRow } from "../records.js";

export function postgresSchedules(pool: pg.Pool): SchedulesRepo {
  const one = async (sql: string, params: unknown[]) => {
    const r = (await pool.query<ScheduleRow>(sql, params)).rows[0];
    return r ? toSchedule(r) : undefined;
  };
  return {
    async put(s, now) {
      const values = [s.siteId, s.kind, s.name, JSON.stringify(s.params), JSON.stringify(s.recurrence), s.enabled, s.nextRunAt, s.owner, now];
      // A NULL site never conflicts in a unique index: those are replaced by hand.
      if (s.siteId === null) await pool.query("DELETE FROM schedules WHERE site_id IS NULL AND kind = $1 AND name = $2", [s.kind, s.name]);
      const row = (
        await pool.query<ScheduleRow>(
          `INSERT INTO schedules (site_id, kind, name, params, recurrence, enabled, next_run_at, owner, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           ON CONFLICT (site_id, kind, name) DO UPDATE SET params = EXCLUDED.params, recurrence = EXCLUDED.recurrence,
             enabled = EXCLUDED.enabled, next_run_at = EXCLUDED.next_run_at, owner = EXCLUDED.owner, failures = 0, updated_at = EXCLUDED.updated_at
           RETURNING *`,
          values,
        )
      ).rows[0]!;
      return toSchedule(row);
    },
    async get(id) {
      return one("SELECT * FROM schedules WHERE id = $1", [id]);
    },
    async byName(siteId, kind, name) {
      return one("SELECT * FROM schedules WHERE site_id IS NOT DISTINCT FROM $1 AND kind = $2 AND name = $3", [siteId, kind, name]);
    },
    async list(filter) {
      const parts: string[] = [];
      const values: unknown[] = [];
      if (filter.siteId !== undefined) {
        values.push(filter.siteId);
        parts.push(`site_id = $${values.length}`);
      }
      if (filter.kind !== undefined) {
        values.push(filter.kind);
        parts.push(`kind = $${values.length}`);
      }
      const where = parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "";
      return (await pool.query<ScheduleRow>(`SELECT * FROM schedules ${where} ORDER BY id`, values)).rows.map(toSchedule);
    },
    async update(id, patch, now) {
      const columns = schedulePatchColumns(patch, (v) => v);
      const sets = [...columns.map(([c], i) => `${c} = $${i + 3}`), "updated_at = $2"].join(", ");
      const r = await pool.query(`UPDATE schedules SET ${sets} WHERE id = $1`, [id, now, ...columns.map(([, v]) => v)]);
      return r.rowCount === 1;
    },
    async delete(id) {
      return (await pool.query("DELETE FROM schedules WHERE id = $1", [id])).rowCount === 1;
    },
    async due(now) {
      return (await pool.query<ScheduleRow>("SELECT * FROM schedules WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at, id", [now])).rows.map(
        toSchedule,
      );
    },
    async claim(id, expected, next, firedAt) {
      const r = await pool.query("UPDATE schedules SET next_run_at = $1, last_fired_at = $2 WHERE id = $3 AND next_run_at = $4 AND enabled", [
        next,
        firedAt,
        id,
        expected,
      ]);
      return r.rowCount === 1;
    },
  };
}
