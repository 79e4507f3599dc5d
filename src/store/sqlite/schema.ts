/**
 * SQLite schema: the fixed tables (organisations, sites, accounts, tokens, settings, jobs) in numbered
 * migrations, and one table per registry entity derived from the registry (new columns are added on
 * start, so adding a column to the registry is the whole change).
 */
import type Database from "better-sqlite3";
import { ALL_ENTITIES, storedColumns, tableName, type ColumnType } from "../../core/entities/registry.js";

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE organisations (org_id TEXT PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES organisations(org_id),
    cloud_id TEXT NOT NULL UNIQUE,
    product TEXT NOT NULL,
    site_key TEXT NOT NULL UNIQUE,
    context_path TEXT NOT NULL,
    base_url TEXT NOT NULL,
    plan TEXT NOT NULL,
    region TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    sysadmin INTEGER NOT NULL
  );
  CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE settings (
    site_id INTEGER NOT NULL REFERENCES sites(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (site_id, key)
  );
  CREATE TABLE jobs (
    site_id INTEGER NOT NULL REFERENCES sites(id),
    job_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    completed_time INTEGER,
    cancelled_time INTEGER,
    node_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    schema_version INTEGER NOT NULL,
    export_from INTEGER NOT NULL,
    forced INTEGER NOT NULL,
    root_export_path TEXT NOT NULL,
    opted_out TEXT NOT NULL,
    warnings TEXT NOT NULL,
    errors TEXT NOT NULL,
    statistics TEXT,
    progress TEXT,
    files TEXT,
    lease_expires_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, job_id)
  );
  -- One export at a time per site, whichever process or node asks: the index is the lock.
  CREATE UNIQUE INDEX jobs_one_running ON jobs(site_id) WHERE status IN ('STARTED', 'CANCELLATION_REQUESTED');
  `,
];

const SQLITE_TYPES: Record<ColumnType, string> = {
  string: "TEXT",
  text: "TEXT",
  url: "TEXT",
  instance: "TEXT",
  integer: "INTEGER",
  decimal: "REAL",
  boolean: "INTEGER",
  datetime: "TEXT",
  date: "TEXT",
  json: "TEXT",
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  MIGRATIONS.forEach((sql, index) => {
    const version = index + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version, Date.now());
    }).immediate();
  });
  syncEntityTables(db);
}

/** Creates every entity table and adds registry columns the table lacks. */
function syncEntityTables(db: Database.Database): void {
  for (const def of ALL_ENTITIES) {
    const table = tableName(def);
    const cols = storedColumns(def);
    const existing = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[];
    if (existing.length === 0) {
      const colSql = cols.map((c) => `${quoteIdent(c.name)} ${SQLITE_TYPES[c.type]}`).join(", ");
      const key = ["site_id", ...def.key].map(quoteIdent).join(", ");
      db.exec(`CREATE TABLE ${quoteIdent(table)} (site_id INTEGER NOT NULL, ${colSql});
        CREATE UNIQUE INDEX ${quoteIdent(`${table}_key`)} ON ${quoteIdent(table)} (${key});`);
      if (def.cursor) {
        db.exec(
          `CREATE INDEX ${quoteIdent(`${table}_cursor`)} ON ${quoteIdent(table)} (site_id, ${quoteIdent(def.cursor)})`,
        );
      }
      continue;
    }
    const have = new Set(existing.map((c) => c.name));
    for (const c of cols) {
      if (!have.has(c.name)) db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(c.name)} ${SQLITE_TYPES[c.type]}`);
    }
  }
}
