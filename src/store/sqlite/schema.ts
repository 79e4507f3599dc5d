/**
 * SQLite schema: the fixed tables (organisations, sites, accounts, tokens, settings, jobs, schedules,
 * saved queries, dashboards) in numbered
 * migrations, and one table per registry entity derived from the registry (new columns are added on
 * start, so adding a column to the registry is the whole change).
 */
import type Database from "better-sqlite3";
import { DateTime } from "luxon";
import { ALL_ENTITIES, storedColumns, tableName, type ColumnType } from "../../core/entities/registry.js";
import { JOB_INSERT_COLUMNS, jobInsertValues } from "../records.js";
import { sourceSchedule, v1ExportJob, v1ExportSchedule, v1SyncJobs, type V1JobRow } from "../migrations/legacy-v1.js";
import type { NewSchedule } from "../port.js";

/** A migration: SQL, or a step that reads and writes through the connection (inside its transaction). */
type Migration = string | ((db: Database.Database) => void);

const MIGRATIONS: readonly Migration[] = [
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
  // Version 2: one job table for every kind of work, and one schedules table (src/jobs/).
  `
  ALTER TABLE jobs RENAME TO jobs_v1;
  DROP INDEX jobs_one_running;
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER REFERENCES sites(id),
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    trigger TEXT NOT NULL,
    lock_key TEXT,
    params TEXT NOT NULL,
    result TEXT,
    progress TEXT,
    warnings TEXT NOT NULL,
    errors TEXT NOT NULL,
    node_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    completed_time INTEGER,
    cancelled_time INTEGER,
    lease_expires_at INTEGER NOT NULL,
    not_before INTEGER NOT NULL DEFAULT 0,
    schedule_id INTEGER,
    parent_id INTEGER REFERENCES jobs(id),
    UNIQUE (site_id, kind, seq)
  );
  -- No two running jobs share a lock key (one export per site, one sync per site, …), whichever
  -- process or node asks: the index is the lock.
  CREATE UNIQUE INDEX jobs_lock ON jobs(lock_key) WHERE status IN ('STARTED', 'CANCELLATION_REQUESTED');
  CREATE INDEX jobs_active ON jobs(status, kind, id) WHERE status IN ('QUEUED', 'STARTED', 'CANCELLATION_REQUESTED');
  CREATE INDEX jobs_by_kind ON jobs(kind, id);
  CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER REFERENCES sites(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    params TEXT NOT NULL,
    recurrence TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    next_run_at INTEGER,
    last_fired_at INTEGER,
    last_job_id INTEGER,
    owner TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (site_id, kind, name)
  );
  CREATE INDEX schedules_due ON schedules(next_run_at) WHERE enabled = 1;
  `,
  (db) => {
    // Version 1 export jobs keep their numbers; sync runs, the export schedule and sources' sync
    // intervals move out of the settings bag.
    const now = Date.now();
    const insertJob = db.prepare(`INSERT INTO jobs (${JOB_INSERT_COLUMNS.join(", ")}) VALUES (${JOB_INSERT_COLUMNS.map(() => "?").join(", ")})`);
    for (const row of db.prepare("SELECT * FROM jobs_v1 ORDER BY site_id, job_id").all() as V1JobRow[]) {
      const { job, seq } = v1ExportJob(row);
      insertJob.run(...jobInsertValues(job, seq));
    }
    db.exec("DROP TABLE jobs_v1");
    const setting = (siteId: number, key: string) =>
      (db.prepare("SELECT value FROM settings WHERE site_id = ? AND key = ?").get(siteId, key) as { value: string } | undefined)?.value;
    const insertSchedule = (s: NewSchedule) =>
      db
        .prepare(
          `INSERT INTO schedules (site_id, kind, name, params, recurrence, enabled, next_run_at, owner, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(s.siteId, s.kind, s.name, JSON.stringify(s.params), JSON.stringify(s.recurrence), s.enabled ? 1 : 0, s.nextRunAt, s.owner, now, now);
    for (const { id } of db.prepare("SELECT id FROM sites ORDER BY id").all() as { id: number }[]) {
      v1SyncJobs(id, setting(id, "sync.runs"), setting(id, "sync.current"), now).forEach((job, i) => insertJob.run(...jobInsertValues(job, i + 1)));
      const schedule = setting(id, "schedule");
      if (schedule) insertSchedule(v1ExportSchedule(id, schedule, DateTime.local().zoneName));
      const source = setting(id, "source");
      if (source) insertSchedule(sourceSchedule(id, (JSON.parse(source) as { intervalMinutes?: number }).intervalMinutes, now));
    }
    db.exec("DELETE FROM settings WHERE key IN ('sync.runs', 'sync.current', 'schedule')");
  },
  // Version 4: saved SQL queries and dashboards (src/sql/saved/), each with an owner and a visibility.
  `
  CREATE TABLE sql_queries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    sql_text TEXT NOT NULL,
    chart TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX sql_queries_by_site ON sql_queries(site_id, owner_id);
  CREATE TABLE dashboards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    items TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX dashboards_by_site ON dashboards(site_id, owner_id);
  `,
  // Version 5: reports (src/reports/), their schedules being rows of the schedules table; secrets every
  // node shares (the key that signs download links).
  `
  CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    owner_id INTEGER NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX reports_by_site ON reports(site_id, owner_id);
  CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
  );
  `,
  // Version 6: backup storages and policies (src/backup/); backups and restores are jobs.
  `
  CREATE TABLE backup_storages (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    region TEXT NOT NULL,
    prefix TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX backup_storages_by_org ON backup_storages(org_id);
  CREATE TABLE backup_policies (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    product TEXT NOT NULL,
    storage_id TEXT REFERENCES backup_storages(id),
    include_attachments INTEGER NOT NULL,
    include_personal_spaces INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX backup_policies_by_org ON backup_policies(org_id);
  `,
  `
  ALTER TABLE backup_policies ADD COLUMN retention TEXT;
  CREATE TABLE backup_restores (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    site_id INTEGER NOT NULL REFERENCES sites(id),
    backup_id INTEGER NOT NULL,
    product TEXT NOT NULL,
    request TEXT NOT NULL,
    checks TEXT NOT NULL,
    consents TEXT NOT NULL,
    status TEXT NOT NULL,
    job_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX backup_restores_by_org ON backup_restores(org_id, created_at);
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

/**
 * Applies the migrations not applied yet, then brings the entity tables in step with the registry.
 * `upTo` stops after that version (a test builds a store as an older Sluice left it).
 */
export function migrate(db: Database.Database, upTo = MIGRATIONS.length): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  MIGRATIONS.forEach((step, index) => {
    const version = index + 1;
    if (applied.has(version) || version > upTo) return;
    db.transaction(() => {
      if (typeof step === "string") db.exec(step);
      else step(db);
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
