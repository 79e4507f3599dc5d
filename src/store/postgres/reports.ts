/** Reports and server secrets on PostgreSQL, shared by every node (the first node to ask makes a secret). */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { ReportsRepo } from "../port.js";
import { REPORT_COLUMNS, reportPatchColumns, reportValues, toReport, type ReportRow } from "../saved-sql-rows.js";
import { owned } from "./saved-sql.js";

export function postgresReports(pool: pg.Pool): ReportsRepo {
  const reports = owned(pool, "reports", REPORT_COLUMNS, (r: ReportRow) => toReport(r));
  return {
    add: (report, now) => reports.add(reportValues(report), now),
    get: (id) => reports.get(id),
    list: (siteId, reader) => reports.list(siteId, reader),
    update: (id, patch, now) => reports.update(id, reportPatchColumns(patch), now),
    delete: (id) => reports.delete(id),
    async secret(name) {
      await pool.query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [name, randomBytes(32)]);
      return (await pool.query<{ value: Buffer }>("SELECT value FROM server_secrets WHERE name = $1", [name])).rows[0]!.value;
    },
  };
}
