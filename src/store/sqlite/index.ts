/** The embedded store: one SQLite file in WAL mode, opened with better-sqlite3. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Store } from "../port.js";
import { sqliteAccounts } from "./accounts.js";
import { sqliteData } from "./data.js";
import { sqliteJobs } from "./jobs.js";
import { migrate } from "./schema.js";
import { sqliteBackups } from "./backups.js";
import { sqliteReports } from "./reports.js";
import { sqliteSavedSql } from "./saved-sql.js";
import { sqliteSchedules } from "./schedules.js";
import { sqliteSettings } from "./settings.js";
import { sqliteSites } from "./sites.js";
import { WriteGate } from "./write-gate.js";
import { SqliteReader } from "./reader.js";
import { sqliteSql } from "./sql.js";

/**
 * The store file and its journal files are the owner's alone (0600), whatever the umask and whatever
 * mode they had: SQLite creates `-wal` and `-shm` with the mode of the database file, which is created
 * here, before SQLite opens it.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

export function openSqliteStore(file: string, options: { sqlThreads?: number } = {}): Store {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  ownerOnly(file);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  const gate = new WriteGate();
  const reader = new SqliteReader(file);
  const sql = sqliteSql(file, { threads: options.sqlThreads ?? 2 });
  return {
    kind: "sqlite",
    sites: gate.guard(sqliteSites(db), ["listOrganisations", "list", "byKey", "byId"]),
    accounts: gate.guard(sqliteAccounts(db), ["byUsername", "findToken", "countTokens", "list"]),
    settings: gate.guard(sqliteSettings(db), ["get"]),
    jobs: gate.guard(sqliteJobs(db), ["get", "bySeq", "latest", "holder", "active", "running", "list"]),
    schedules: gate.guard(sqliteSchedules(db), ["get", "byName", "list", "due"]),
    savedSql: gate.guard(sqliteSavedSql(db), ["query", "queries", "dashboard", "dashboards"]),
    reports: gate.guard(sqliteReports(db), ["get", "list"]),
    backups: gate.guard(sqliteBackups(db), ["storage", "storages", "policy", "policies"]),
    data: gate.guard(sqliteData(db, file, gate, reader), ["keys", "count", "distinct", "browsable", "snapshot"]),
    sql,
    async close() {
      await sql.close();
      await reader.close();
      if (db.open) db.close();
    },
  };
}
