/** Reports and server secrets on SQLite. */
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { ReportsRepo } from "../port.js";
import { REPORT_COLUMNS, reportPatchColumns, reportValues, toReport, type ReportRow } from "../saved-sql-rows.js";
import { owned } from "./saved-sql.js";

export function sqliteReports(db: Database.Database): ReportsRepo {
  const reports = owned(db, "reports", REPORT_COLUMNS, (r: ReportRow) => toReport(r));
  return {
    add: async (report, now) => reports.add(reportValues(report), now),
    get: async (id) => reports.get(id),
    list: async (siteId, reader) => reports.list(siteId, reader),
    update: async (id, patch, now) => reports.update(id, reportPatchColumns(patch), now),
    delete: async (id) => reports.delete(id),
    async secret(name) {
      db.prepare("INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING").run(name, randomBytes(32));
      return (db.prepare("SELECT value FROM server_secrets WHERE name = ?").get(name) as { value: Buffer }).value;
    },
  };
}
