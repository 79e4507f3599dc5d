import Database from "better-sqlite3";
import { ENTITIES, storedColumns, tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import type { WriteGate } from "./write-gate.js";
import type { CsvChunk, CsvRequest, DataRepo, RowFilter, RowValues, Snapshot } from "../port.js";
import { storeRenderable } from "../../core/csv.js";
import { loadCsvExtension, sqliteCsvRecords } from "./csv-render.js";
import { quoteIdent } from "./schema.js";

const CANONICAL_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Converts a JS value to what SQLite stores for the column type. */
function toSqlite(column: Column): (v: unknown) => unknown {
  switch (column.type) {
    case "boolean":
      return (v) => (v === null || v === undefined ? null : v ? 1 : 0);
    case "json":
      return (v) => {
        if (v === null || v === undefined) return null;
        if (Array.isArray(v)) return v.length === 0 ? null : JSON.stringify(v);
        if (typeof v === "object") return JSON.stringify(v);
        return v === "" || v === "[]" ? null : v;
      };
    case "datetime":
      // Stored as `YYYY-MM-DDTHH:MM:SSZ` so that text comparison with fromDate is time order.
      return (v) => {
        if (v === null || v === undefined || v === "") return null;
        if (typeof v === "string" && v.length === 20 && CANONICAL_DATETIME.test(v)) return v;
        const d = v instanceof Date ? v : new Date(String(v));
        return Number.isNaN(d.getTime()) ? v : d.toISOString().replace(/\.\d{3}Z$/, "Z");
      };
    case "integer":
    case "decimal":
    case "date":
      return (v) => (v === undefined || v === "" ? null : v);
    default:
      return (v) => (v === undefined ? null : v);
  }
}

interface Query {
  sql: string;
  params: unknown[];
}

function whereClause(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const parts = ["site_id = ?"];
  const params: unknown[] = [siteId];
  if (filter.since !== undefined && def.cursor) {
    parts.push(`${quoteIdent(def.cursor)} >= ?`);
    params.push(filter.since);
  }
  if (filter.excludeScopes && filter.excludeScopes.length > 0 && def.scope) {
    parts.push(`(scope_key IS NULL OR scope_key NOT IN (${filter.excludeScopes.map(() => "?").join(", ")}))`);
    params.push(...filter.excludeScopes);
  }
  const key = `(${def.key.map(quoteIdent).join(", ")})`;
  const placeholders = `(${def.key.map(() => "?").join(", ")})`;
  if (filter.keyFrom) {
    parts.push(`${key} >= ${placeholders}`);
    params.push(...filter.keyFrom);
  }
  if (filter.keyBefore) {
    parts.push(`${key} < ${placeholders}`);
    params.push(...filter.keyBefore);
  }
  return { sql: parts.join(" AND "), params };
}

function countQuery(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const where = whereClause(siteId, def, filter);
  return { sql: `SELECT count(*) AS n FROM ${quoteIdent(tableName(def))} WHERE ${where.sql}`, params: where.params };
}

/**
 * Rows in key order. The key index is named so that SQLite walks it instead of sorting: an export
 * streams in constant memory however many rows match.
 */
function rowsQuery(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const where = whereClause(siteId, def, filter);
  const table = tableName(def);
  // Long text comes back as UTF-8 bytes: the CSV writer copies it without decoding (hot path).
  const cols = storedColumns(def)
    .map((c) => (c.type === "text" ? `CAST(${quoteIdent(c.name)} AS BLOB)` : quoteIdent(c.name)))
    .join(", ");
  const order = def.key.map(quoteIdent).join(", ");
  return {
    sql: `SELECT ${cols} FROM ${quoteIdent(table)} INDEXED BY ${quoteIdent(`${table}_key`)} WHERE ${where.sql} ORDER BY site_id, ${order}`,
    params: where.params,
  };
}

export class SqliteSnapshot implements Snapshot {
  private readonly db: Database.Database;
  private readonly iterators = new Set<IterableIterator<unknown[]>>();
  /** The `sluice_csv` extension is loaded (`csv-render.ts`). */
  private readonly renders: boolean;

  constructor(file: string, private readonly siteId: number) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma("busy_timeout = 5000");
    // Exports read each page once, in key order: a small cache is enough, and each lane has one.
    this.db.pragma("cache_size = -2000");
    this.renders = loadCsvExtension(this.db);
    // A read transaction in WAL mode pins one consistent view for every file of the export.
    this.db.exec("BEGIN");
    this.db.prepare("SELECT count(*) FROM sites").get();
  }

  async count(def: EntityDef, filter: RowFilter): Promise<number> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    const q = countQuery(this.siteId, def, filter);
    return (this.db.prepare(q.sql).get(...q.params) as { n: number }).n;
  }

  async *rows(def: EntityDef, filter: RowFilter, batchSize: number): AsyncIterable<unknown[][]> {
    const q = rowsQuery(this.siteId, def, filter);
    const iterator = this.db.prepare(q.sql).raw(true).iterate(...q.params) as IterableIterator<unknown[]>;
    this.iterators.add(iterator);
    try {
      let batch: unknown[][] = [];
      for (const row of iterator) {
        batch.push(row);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
          if (!this.db.open) throw new Error("the snapshot is closed");
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      this.iterators.delete(iterator);
      iterator.return?.();
    }
  }

  async csvRecords(def: EntityDef, filter: RowFilter, request: CsvRequest): Promise<AsyncIterable<CsvChunk> | undefined> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    // The extension escapes line breaks with a plain string, as COPY does.
    if (!this.renders || !storeRenderable(request.csv)) return undefined;
    const where = whereClause(this.siteId, def, { ...filter, keyFrom: undefined, keyBefore: undefined });
    return sqliteCsvRecords(this.db, this.siteId, def, filter, { where: where.sql, params: where.params }, request, () => this.db.open);
  }

  async keyBoundaries(def: EntityDef, parts: number): Promise<unknown[][]> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    const table = tableName(def);
    const index = quoteIdent(`${table}_key`);
    const key = def.key.map(quoteIdent).join(", ");
    // Index-only walks of the key index: cheap, and equal parts of the site's rows (filters aside).
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)} INDEXED BY ${index} WHERE site_id = ?`).get(this.siteId) as { n: number }).n;
    const at = this.db
      .prepare(`SELECT ${key} FROM ${quoteIdent(table)} INDEXED BY ${index} WHERE site_id = ? ORDER BY site_id, ${key} LIMIT 1 OFFSET ?`)
      .raw(true);
    const out: unknown[][] = [];
    for (let i = 1; i < parts; i++) {
      const row = at.get(this.siteId, Math.floor((i * total) / parts)) as unknown[] | undefined;
      if (row && !out.some((k) => k.every((v, j) => v === row[j]))) out.push(row);
    }
    return out;
  }

  async close(): Promise<void> {
    // An abandoned iteration keeps the connection busy: end it first.
    for (const it of this.iterators) it.return?.();
    this.iterators.clear();
    if (this.db.open) {
      if (this.db.inTransaction) this.db.exec("COMMIT");
      this.db.close();
    }
  }
}

export function sqliteData(db: Database.Database, file: string, gate: WriteGate): DataRepo {
  const upserts = new Map<string, (rows: readonly RowValues[], siteId: number) => void>();
  const upsertFor = (def: EntityDef) => {
    const key = tableName(def);
    let fn = upserts.get(key);
    if (!fn) {
      const cols = storedColumns(def);
      const convert = cols.map(toSqlite);
      const stmt = db.prepare(
        `INSERT OR REPLACE INTO ${quoteIdent(key)} (site_id, ${cols.map((c) => quoteIdent(c.name)).join(", ")})
         VALUES (?, ${cols.map(() => "?").join(", ")})`,
      );
      const width = cols.length;
      fn = db.transaction((rows: readonly RowValues[], siteId: number) => {
        const params: unknown[] = new Array(width + 1);
        params[0] = siteId;
        for (const row of rows) {
          for (let i = 0; i < width; i++) params[i + 1] = convert[i]!(row[i]);
          stmt.run(params);
        }
      });
      upserts.set(key, fn);
    }
    return fn;
  };

  return {
    async upsert(siteId, def, rows) {
      upsertFor(def)(rows, siteId);
    },
    async deleteByKey(siteId, def, keys) {
      const cond = def.key.map((k) => `${quoteIdent(k)} = ?`).join(" AND ");
      const stmt = db.prepare(`DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = ? AND ${cond}`);
      let n = 0;
      db.transaction(() => {
        for (const key of keys) n += stmt.run(siteId, ...key).changes;
      })();
      return n;
    },
    async *keys(siteId, def, batchSize) {
      const cols = def.key.map(quoteIdent).join(", ");
      const table = quoteIdent(tableName(def));
      const first = db.prepare(`SELECT ${cols} FROM ${table} WHERE site_id = ? ORDER BY ${cols} LIMIT ?`).raw(true);
      const next = db
        .prepare(`SELECT ${cols} FROM ${table} WHERE site_id = ? AND (${cols}) > (${def.key.map(() => "?").join(", ")}) ORDER BY ${cols} LIMIT ?`)
        .raw(true);
      let last: unknown[] | undefined;
      for (;;) {
        const rows = (last ? next.all(siteId, ...last, batchSize) : first.all(siteId, batchSize)) as unknown[][];
        if (rows.length === 0) return;
        yield rows;
        last = rows[rows.length - 1];
        if (rows.length < batchSize) return;
      }
    },
    async count(siteId, def, filter = {}) {
      const q = countQuery(siteId, def, filter);
      return (db.prepare(q.sql).get(...q.params) as { n: number }).n;
    },
    async distinct(siteId, def, columns, where, limit) {
      const params: unknown[] = [siteId];
      let cond = "";
      if (where.in) {
        if (where.in.length === 0) return [];
        cond = ` AND ${quoteIdent(where.column)} IN (${where.in.map(() => "?").join(", ")})`;
        params.push(...where.in);
      } else if (where.contains !== undefined && where.contains !== "") {
        cond = ` AND lower(${quoteIdent(where.column)}) LIKE ? ESCAPE '\\'`;
        params.push(`%${where.contains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
      const cols = columns.map(quoteIdent).join(", ");
      return db
        .prepare(`SELECT DISTINCT ${cols} FROM ${quoteIdent(tableName(def))} WHERE site_id = ?${cond} ORDER BY ${cols} LIMIT ?`)
        .all(...params, limit) as Record<string, unknown>[];
    },
    async snapshot(siteId) {
      return new SqliteSnapshot(file, siteId);
    },
    async shareSnapshot(siteId) {
      // A write lock (BEGIN IMMEDIATE) keeps commits out while every reader opens its transaction.
      const lock = new Database(file, { fileMustExist: true });
      lock.pragma("busy_timeout = 5000");
      const open = gate.hold();
      try {
        lock.exec("BEGIN IMMEDIATE");
      } catch (error) {
        open();
        lock.close();
        throw error;
      }
      return {
        location: { kind: "sqlite", file, siteId },
        async release() {
          if (lock.open) {
            if (lock.inTransaction) lock.exec("ROLLBACK");
            lock.close();
          }
          open();
        },
      };
    },
    async clearSite(siteId) {
      db.transaction(() => {
        for (const def of ENTITIES) db.prepare(`DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = ?`).run(siteId);
      })();
    },
  };
}
