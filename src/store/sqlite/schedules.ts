/** Schedules on SQLite: claims are one conditional UPDATE (a compare-and-set of the next run). */
import type Database from "better-sqlite3";
import type { SchedulesRepo } from "../port.js";
import { schedulePatchColumns, toSchedule, type ScheduleRow } from "../records.js";

export function sqliteSchedules(db: Database.Database): SchedulesRepo {
  const byName = db.prepare("SELECT * FROM schedules WHERE site_id IS ? AND kind = ? AND name = ?");
  return {
    async put(s, now) {
      const row = db
        .prepare(
          `INSERT INTO schedules (site_id, kind, name, params, recurrence, enabled, next_run_at, owner, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (site_id, kind, name) DO UPDATE SET params = excluded.params, recurrence = excluded.recurrence,
             enabled = excluded.enabled, next_run_at = excluded.next_run_at, owner = excluded.owner, failures = 0, updated_at = excluded.updated_at
           RETURNING *`,
        )
        .get(s.siteId, s.kind, s.name, JSON.stringify(s.params), JSON.stringify(s.recurrence), s.enabled ? 1 : 0, s.nextRunAt, s.owner, now, now) as
        | ScheduleRow
        | undefined;
      // A NULL site never conflicts in a unique index: replace such a schedule by hand.
      if (s.siteId === null) {
        db.prepare("DELETE FROM schedules WHERE site_id IS NULL AND kind = ? AND name = ? AND id <> ?").run(s.kind, s.name, row!.id);
      }
      return toSchedule(row!);
    },
    async get(id) {
      const r = db.prepare("SELECT * FROM schedules WHERE id = ?").get(id) as ScheduleRow | undefined;
      return r ? toSchedule(r) : undefined;
    },
    async byName(siteId, kind, name) {
      const r = byName.get(siteId, kind, name) as ScheduleRow | undefined;
      return r ? toSchedule(r) : undefined;
    },
    async list(filter) {
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
      const where = parts.length > 0 ? `WHERE ${parts.join(" AND ")}` : "";
      return (db.prepare(`SELECT * FROM schedules ${where} ORDER BY id`).all(...params) as ScheduleRow[]).map(toSchedule);
    },
    async update(id, patch, now) {
      const columns = schedulePatchColumns(patch, (v) => (v ? 1 : 0));
      const sets = [...columns.map(([c]) => `${c} = ?`), "updated_at = ?"].join(", ");
      return db.prepare(`UPDATE schedules SET ${sets} WHERE id = ?`).run(...columns.map(([, v]) => v), now, id).changes === 1;
    },
    async delete(id) {
      return db.prepare("DELETE FROM schedules WHERE id = ?").run(id).changes === 1;
    },
    async due(now) {
      return (db.prepare("SELECT * FROM schedules WHERE enabled = 1 AND next_run_at <= ? ORDER BY next_run_at, id").all(now) as ScheduleRow[]).map(toSchedule);
    },
    async claim(id, expected, next, firedAt) {
      return (
        db.prepare("UPDATE schedules SET next_run_at = ?, last_fired_at = ? WHERE id = ? AND next_run_at = ? AND enabled = 1").run(next, firedAt, id, expected)
          .changes === 1
      );
    },
  };
}
