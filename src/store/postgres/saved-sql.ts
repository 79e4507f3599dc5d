/**
 * Saved SQL queries and dashboards on PostgreSQL, shared by every node; deleting a query takes it off
 * dashboards in the same transaction (the site's dashboards locked while it does).
 */
import type pg from "pg";
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
export function owned<Row extends pg.QueryResultRow, R>(pool: pg.Pool, table: OwnedTable, columns: readonly string[], toRecord: (row: Row) => R) {
  const get = async (id: number) => {
    const row = (await pool.query<Row>(`${selectWithOwner(table)} WHERE r.id = $1`, [id])).rows[0];
    return row ? toRecord(row) : undefined;
  };
  return {
    get,
    async add(values: readonly unknown[], now: number): Promise<R> {
      const names = [...columns, "created_at", "updated_at"];
      const sql = `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`;
      const { rows } = await pool.query<{ id: number }>(sql, [...values, now, now]);
      return (await get(rows[0]!.id))!;
    },
    async list(siteId: number, reader: number | null): Promise<R[]> {
      const where = "r.site_id = $1 AND ($2::bigint IS NULL OR r.owner_id = $2 OR r.visibility = 'public')";
      return (await pool.query<Row>(`${selectWithOwner(table)} WHERE ${where} ORDER BY lower(r.name) COLLATE "C", r.id`, [siteId, reader])).rows.map(toRecord);
    },
    async update(id: number, set: [string, unknown][], now: number): Promise<R | undefined> {
      const sets = [...set.map(([c], i) => `${c} = $${i + 3}`), "updated_at = $2"].join(", ");
      const changed = (await pool.query(`UPDATE ${table} SET ${sets} WHERE id = $1`, [id, now, ...set.map(([, v]) => v)])).rowCount === 1;
      return changed ? get(id) : undefined;
    },
    async delete(id: number): Promise<boolean> {
      return (await pool.query(`DELETE FROM ${table} WHERE id = $1`, [id])).rowCount === 1;
    },
  };
}

export function postgresSavedSql(pool: pg.Pool): SavedSqlRepo {
  const queries = owned(pool, "sql_queries", ["site_id", "owner_id", "name", "sql_text", "chart", "visibility"], (r: SavedQueryRow) => toSavedQuery(r));
  const dashboards = owned(pool, "dashboards", ["site_id", "owner_id", "name", "visibility", "items"], (r: DashboardRow) => toDashboard(r));
  return {
    addQuery: (q, now) => queries.add([q.siteId, q.ownerId, q.name, q.sql, JSON.stringify(q.chart), q.visibility], now),
    query: (id) => queries.get(id),
    queries: (siteId, reader) => queries.list(siteId, reader),
    updateQuery: (id, patch, now) => queries.update(id, queryPatchColumns(patch), now),
    async deleteQuery(id, now) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const found = (await client.query<{ site_id: number }>("SELECT site_id FROM sql_queries WHERE id = $1 FOR UPDATE", [id])).rows[0];
        if (found) {
          const boards = await client.query<{ id: number; items: string }>("SELECT id, items FROM dashboards WHERE site_id = $1 FOR UPDATE", [found.site_id]);
          for (const d of boards.rows) {
            const kept = itemsWithout(d.items, id);
            if (kept !== null) await client.query("UPDATE dashboards SET items = $1, updated_at = $2 WHERE id = $3", [kept, now, d.id]);
          }
          await client.query("DELETE FROM sql_queries WHERE id = $1", [id]);
        }
        await client.query("COMMIT");
        return found !== undefined;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    addDashboard: (d, now) => dashboards.add([d.siteId, d.ownerId, d.name, d.visibility, JSON.stringify(d.items)], now),
    dashboard: (id) => dashboards.get(id),
    dashboards: (siteId, reader) => dashboards.list(siteId, reader),
    updateDashboard: (id, patch, now) => dashboards.update(id, dashboardPatchColumns(patch), now),
    deleteDashboard: (id) => dashboards.delete(id),
  };
}
