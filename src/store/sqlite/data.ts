import Database from "better-sqlite3";
import { ALL_ENTITIES, storedColumns, tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import type { WriteGate } from "./write-gate.js";
import type { DataRepo, QueryTarget, RowValues, Snapshot } from "../port.js";
import { storeRenderable, type EncodedChunk, type RecordEncoding } from "../../core/csv.js";
import { withoutKeyRange, type EntityQuery } from "../../core/query.js";
import { compileBrowsable, compileCount, compileSelect, compileWhere, type CompiledSql } from "../../query/compile.js";
import { asQuery, distinctLookup, keysAfter } from "../../query/targets.js";
import { loadCsvExtension, sqliteCsvRecords } from "./csv-render.js";
import { sqliteDialect } from "./query-dialect.js";
import type { SqliteReader } from "./reader.js";
import { quoteIdent } from "./schema.js";

/** Runs a compiled statement that returns one row. */
const one = <T,>(db: Database.Database, q: CompiledSql): T => db.prepare(q.sql).get(...q.parameters) as T;

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

export class SqliteSnapshot implements Snapshot {
  private readonly db: Database.Database;
  private readonly iterators = new Set<IterableIterator<unknown[]>>();
  /** The `sluice_csv` extension is loaded (`csv-render.ts`). */
  private readonly renders: boolean;

  /** `reader`: where the key walks of `keyBoundaries` run, off this thread (a main-thread snapshot). */
  constructor(file: string, private readonly siteId: number, private readonly reader?: SqliteReader) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma("busy_timeout = 5000");
    // Exports read each page once, in key order: a small cache is enough, and each lane has one.
    this.db.pragma("cache_size = -2000");
    this.renders = loadCsvExtension(this.db);
    // A read transaction in WAL mode pins one consistent view for every file of the export.
    this.db.exec("BEGIN");
    this.db.prepare("SELECT count(*) FROM sites").get();
  }

  async count(target: QueryTarget): Promise<number> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    return one<{ n: number }>(this.db, compileCount(asQuery(target), this.siteId, sqliteDialect)).n;
  }

  async *rows(target: QueryTarget, batchSize: number): AsyncIterable<unknown[][]> {
    const q = compileSelect(asQuery(target), this.siteId, sqliteDialect, { textAsBytes: true });
    if (!this.db.open) throw new Error("the snapshot is closed");
    const iterator = this.db.prepare(q.sql).raw(true).iterate(...q.parameters) as IterableIterator<unknown[]>;
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

  async encode(target: EntityQuery, encoding: RecordEncoding): Promise<AsyncIterable<EncodedChunk> | undefined> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    // The extension escapes line breaks with a plain string, as COPY does.
    if (!this.renders || encoding.format !== "csv" || !storeRenderable(encoding.csv)) return undefined;
    const query = asQuery(target);
    const where = compileWhere(withoutKeyRange(query), this.siteId, sqliteDialect);
    return sqliteCsvRecords(this.db, this.siteId, query, where, encoding, () => this.db.open);
  }

  async keyBoundaries(def: EntityDef, parts: number): Promise<unknown[][]> {
    if (!this.db.open) throw new Error("the snapshot is closed");
    const table = tableName(def);
    const index = quoteIdent(`${table}_key`);
    const key = def.key.map(quoteIdent).join(", ");
    // Index-only walks of the key index, and equal parts of the site's rows (filters aside). Any view of
    // the data gives good cut points: on the main thread they are walked by the reader.
    const first = async <T,>(sql: string, ...parameters: unknown[]): Promise<T | undefined> =>
      this.reader ? this.reader.get<T>({ sql, parameters }) : (this.db.prepare(sql).get(...parameters) as T | undefined);
    const total = (await first<{ n: number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)} INDEXED BY ${index} WHERE site_id = ?`, this.siteId))!.n;
    const at = `SELECT ${key} FROM ${quoteIdent(table)} INDEXED BY ${index} WHERE site_id = ? ORDER BY site_id, ${key} LIMIT 1 OFFSET ?`;
    const out: unknown[][] = [];
    for (let i = 1; i < parts; i++) {
      const found = await first<Record<string, unknown>>(at, this.siteId, Math.floor((i * total) / parts));
      const row = found ? def.key.map((k) => found[k]) : undefined;
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

export function sqliteData(db: Database.Database, file: string, gate: WriteGate, reader: SqliteReader): DataRepo {
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
      // Keyset pages: constant memory, no open transaction, safe to delete between batches.
      let last: unknown[] | undefined;
      for (;;) {
        const q = compileSelect(asQuery(keysAfter(def, last, batchSize)), siteId, sqliteDialect);
        const rows = db.prepare(q.sql).raw(true).all(...q.parameters) as unknown[][];
        if (rows.length === 0) return;
        yield rows;
        last = rows[rows.length - 1];
        if (rows.length < batchSize) return;
      }
    },
    async count(siteId, target) {
      // Off this thread: a count walks every row of the site (`reader.ts`).
      return (await reader.get<{ n: number }>(compileCount(asQuery(target), siteId, sqliteDialect))).n;
    },
    async distinct(siteId, def, columns, where, limit) {
      const query = distinctLookup(def, columns, where, limit);
      if (!query) return [];
      const q = compileSelect(asQuery(query), siteId, sqliteDialect);
      return db.prepare(q.sql).all(...q.parameters) as Record<string, unknown>[];
    },
    async browsable(siteId, product, viewer) {
      const q = compileBrowsable(product, siteId, viewer, sqliteDialect);
      return q ? (db.prepare(q.sql).raw(true).all(...q.parameters) as [string][]).map((r) => String(r[0])) : undefined;
    },
    async snapshot(siteId) {
      return new SqliteSnapshot(file, siteId, reader);
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
    async promote(fromSiteId, toSiteId, defs) {
      const added: Record<string, number> = {};
      db.transaction(() => {
        for (const def of defs) {
          const table = quoteIdent(tableName(def));
          // Moved in place (one write per row); a row whose key the destination has stays behind and goes.
          added[def.name] = db.prepare(`UPDATE OR IGNORE ${table} SET site_id = ? WHERE site_id = ?`).run(toSiteId, fromSiteId).changes;
          db.prepare(`DELETE FROM ${table} WHERE site_id = ?`).run(fromSiteId);
        }
      })();
      return added;
    },
    async clearSite(siteId) {
      db.transaction(() => {
        for (const def of ALL_ENTITIES) db.prepare(`DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = ?`).run(siteId);
      })();
    },
  };
}
