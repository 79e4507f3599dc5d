/** Saved SQL queries and dashboards on SQLite; deleting a query takes it off dashboards in the same transaction. */
import type Database from "better-sqlite3";
import type { SavedSqlRepo } from "../port.js";
import {
  dashboardPatchColumns,
  itemsWithout,
  queryPatchColumns,
  selectWithOwner,
  toDashboard,
  toSavedQuery,
  type DashboardRow,
  type OwnedTable,
  type SavedQueryRow,
} from "../saved-sql-rows.js";

/** One table of owned records: insert, read, list for a reader (own and public; null: all), patch, delete. */
export function owned<Row, R>(db: Database.Database, table: OwnedTable, columns: readonly string[], toRecord: (row: Row) => R) {
  const get = (id: number) => {
    const row = db.prepare(`${selectWithOwner(table)} WHERE r.id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  };
  return {
    get,
    add(values: readonly unknown[], now: number): R {
      const names = [...columns, "created_at", "updated_at"];
      const sql = `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`;
      return get(Number(db.prepare(sql).run(...values, now, now).lastInsertRowid))!;
    },
    list(siteId: number, reader: number | null): R[] {
      const where = "r.site_id = ? AND (? IS NULL OR r.owner_id = ? OR r.visibility = 'public')";
      return (db.prepare(`${selectWithOwner(table)} WHERE ${where} ORDER BY lower(r.name), r.id`).all(siteId, reader, reader) as Row[]).map(toRecord);
    },
    update(id: number, set: [string, unknown][], now: number): R | undefined {
      const sets = [...set.map(([c]) => `${c} = ?`), "updated_at = ?"].join(", ");
      return db.prepare(`UPDATE ${table} SET ${sets} WHERE id = ?`).run(...set.map(([, v]) => v), now, id).changes === 1 ? get(id) : undefined;
    },
    delete(id: number): boolean {
      return db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(id).changes === 1;
    },
  };
}

export function sqliteSavedSql(db: Database.Database): SavedSqlRepo {
  const queries = owned(db, "sql_queries", ["site_id", "owner_id", "name", "sql_text", "chart", "visibility"], (r: SavedQueryRow) => toSavedQuery(r));
  const dashboards = owned(db, "dashboards", ["site_id", "owner_id", "name", "visibility", "items"], (r: DashboardRow) => toDashboard(r));
  const deleteQuery = db.transaction((id: number, now: number) => {
    const found = queries.get(id);
    if (!found) return false;
    for (const d of db.prepare("SELECT id, items FROM dashboards WHERE site_id = ?").all(found.siteId) as { id: number; items: string }[]) {
      const kept = itemsWithout(d.items, id);
      if (kept !== null) db.prepare("UPDATE dashboards SET items = ?, updated_at = ? WHERE id = ?").run(kept, now, d.id);
    }
    return queries.delete(id);
  });
  return {
    async addQuery(q, now) {
      return queries.add([q.siteId, q.ownerId, q.name, q.sql, JSON.stringify(q.chart), q.visibility], now);
    },
    async query(id) {
      return queries.get(id);
    },
    async queries(siteId, reader) {
      return queries.list(siteId, reader);
    },
    async updateQuery(id, patch, now) {
      return queries.update(id, queryPatchColumns(patch), now);
    },
    async deleteQuery(id, now) {
      return deleteQuery.immediate(id, now);
    },
    async addDashboard(d, now) {
      return dashboards.add([d.siteId, d.ownerId, d.name, d.visibility, JSON.stringify(d.items)], now);
    },
    async dashboard(id) {
      return dashboards.get(id);
    },
    async dashboards(siteId, reader) {
      return dashboards.list(siteId, reader);
    },
    async updateDashboard(id, patch, now) {
      return dashboards.update(id, dashboardPatchColumns(patch), now);
    },
    async deleteDashboard(id) {
      return dashboards.delete(id);
    },
  };
}
