/**
 * Entity rows on PostgreSQL. Values go in and come out in the same shapes as on SQLite so that an
 * export writes the same bytes from either store: integers and decimals as numbers, booleans as 1/0,
 * datetimes as `YYYY-MM-DDTHH:MM:SSZ`, dates as `YYYY-MM-DD`, lists as JSON text.
 */
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import type { EncodedChunk, RecordEncoding } from "../../core/csv.js";
import { ALL_ENTITIES, storedColumns, tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import type { EntityQuery } from "../../core/query.js";
import { compileBrowsable, compileCount, compileSelect, compileWhere } from "../../query/compile.js";
import { asQuery, distinctLookup, keysAfter } from "../../query/targets.js";
import type { DataRepo, QueryTarget, RowValues, Snapshot } from "../port.js";
import { canRender, CopyCsvTransform, copyStatement, decimalCheck, inlineParams } from "./csv-copy.js";
import { postgresDialect } from "./query-dialect.js";
import { arrayType, quoteIdent } from "./schema.js";

/** Rendered bytes handed on at a time by a COPY export. */
const COPY_RUN_BYTES = 1 << 20;

/** Rows per INSERT statement (one array parameter per column, so no parameter limit applies). */
const UPSERT_CHUNK = 5000;

/** Converts a JS value to what the column's array parameter carries (same rules as SQLite). */
function toPostgres(column: Column): (v: unknown) => unknown {
  switch (column.type) {
    case "boolean":
      return (v) => (v === null || v === undefined ? null : Boolean(v));
    case "json":
      return (v) => {
        if (v === null || v === undefined) return null;
        if (Array.isArray(v)) return v.length === 0 ? null : JSON.stringify(v);
        if (typeof v === "object") return JSON.stringify(v);
        return v === "" || v === "[]" ? null : v;
      };
    case "integer":
    case "decimal":
    case "datetime":
    case "date":
      // An empty string is no value: PostgreSQL would refuse it for a typed column.
      return (v) => (v === undefined || v === "" ? null : v);
    default:
      return (v) => (v === undefined ? null : v);
  }
}

const batchCount = (batchSize: number): number => {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Batch size must be a positive integer, got ${batchSize}`);
  return batchSize;
};

/**
 * A dedicated connection in a REPEATABLE READ READ ONLY transaction: every count and every file of the
 * export sees the data as it was when the snapshot opened. Rows stream through server-side cursors.
 */
class PostgresSnapshot implements Snapshot {
  private cursors = 0;
  private closed = false;
  /** A COPY was abandoned half-way: the connection is not reusable. */
  private broken = false;

  private constructor(
    private readonly client: pg.PoolClient,
    private readonly siteId: number,
  ) {}

  static async open(pool: pg.Pool, siteId: number): Promise<PostgresSnapshot> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      // Rows stream in key order from the key index: never let the planner sort a whole table
      // instead (it prefers a seq scan + on-disk sort of wide rows for a filtered export).
      await client.query("SET LOCAL enable_sort = off");
      // Shortest round-trip float output whatever the server's setting (the JavaScript rule).
      await client.query("SET LOCAL extra_float_digits = 1");
      // The snapshot is taken by the first statement, not by BEGIN: take it now.
      await client.query("SELECT 1");
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    return new PostgresSnapshot(client, siteId);
  }

  async count(target: QueryTarget): Promise<number> {
    if (this.closed) throw new Error("The snapshot is closed");
    const q = compileCount(asQuery(target), this.siteId, postgresDialect);
    return (await this.client.query<{ n: number }>(q.sql, [...q.parameters])).rows[0]!.n;
  }

  async *rows(target: QueryTarget, batchSize: number): AsyncIterable<unknown[][]> {
    const size = batchCount(batchSize);
    if (this.closed) throw new Error("The snapshot is closed");
    const q = compileSelect(asQuery(target), this.siteId, postgresDialect);
    const cursor = `sluice_rows_${++this.cursors}`;
    await this.client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${q.sql}`, values: [...q.parameters] });
    try {
      for (;;) {
        // After close() the connection belongs to someone else: never send it a FETCH.
        if (this.closed) throw new Error("The snapshot was closed while its rows were being read");
        const r = await this.client.query<unknown[]>({ text: `FETCH ${size} FROM ${cursor}`, rowMode: "array" });
        if (r.rows.length > 0) yield r.rows;
        if (r.rows.length < size) break;
      }
    } finally {
      if (!this.closed) await this.client.query(`CLOSE ${cursor}`).catch(() => undefined);
    }
  }

  async encode(target: EntityQuery, request: RecordEncoding): Promise<AsyncIterable<EncodedChunk> | undefined> {
    if (this.closed) throw new Error("The snapshot is closed");
    if (request.format !== "csv" || !canRender(request)) return undefined;
    const query = asQuery(target);
    const def = query.entity;
    const where = compileWhere(query, this.siteId, postgresDialect);
    const whereSql = inlineParams(where.sql, where.parameters, this.client);
    const check = decimalCheck(def, request.columns, whereSql);
    if (check && (await this.client.query<{ odd: boolean }>(check)).rows[0]!.odd) return undefined;
    const sql = copyStatement(def, request, whereSql, (v) => this.client.escapeLiteral(v));
    return this.copy(sql, new CopyCsvTransform(request.csv.embeddedLineBreakEscape));
  }

  private async *copy(sql: string, transform: CopyCsvTransform): AsyncIterable<EncodedChunk> {
    const stream = this.client.query(copyTo(sql));
    let finished = false;
    try {
      // COPY arrives in socket-sized pieces (~16 KB): records are handed on in ~1 MB runs, so the
      // file writer, the hash and the disk see a few large writes instead of many small ones.
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        transform.push(chunk);
        if (transform.buffered >= COPY_RUN_BYTES) yield transform.take();
      }
      if (transform.buffered > 0) yield transform.take();
      if (transform.pending > 0) throw new Error(`COPY output ended inside a record (${transform.pending} bytes left)`);
      finished = true;
    } finally {
      if (!finished) {
        // Stopped early (cancel, write error): the server is still sending; drop the connection.
        this.broken = true;
        stream.destroy();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.broken) {
      this.client.release(true);
      return;
    }
    try {
      await this.client.query("ROLLBACK");
    } catch (error) {
      this.client.release(error instanceof Error ? error : true);
      return;
    }
    this.client.release();
  }
}

interface UpsertPlan {
  sql: string;
  convert: ((v: unknown) => unknown)[];
  keyIndexes: number[];
}

function upsertPlan(def: EntityDef): UpsertPlan {
  const cols = storedColumns(def);
  const names = cols.map((c) => quoteIdent(c.name));
  const arrays = cols.map((c, i) => `$${i + 2}::${arrayType(c)}`).join(", ");
  const rest = cols.filter((c) => !def.key.includes(c.name)).map((c) => quoteIdent(c.name));
  const conflict = ["site_id", ...def.key].map(quoteIdent).join(", ");
  // Unchanged rows (a sync re-reading what it has) are left alone: no new row version, no index work.
  const action =
    rest.length === 0
      ? "DO NOTHING"
      : `DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}
         WHERE (${rest.map((c) => `cur.${c}`).join(", ")}) IS DISTINCT FROM (${rest.map((c) => `EXCLUDED.${c}`).join(", ")})`;
  return {
    sql: `INSERT INTO ${quoteIdent(tableName(def))} AS cur (site_id, ${names.join(", ")})
      SELECT $1::bigint, * FROM unnest(${arrays}) ON CONFLICT (${conflict}) ${action}`,
    convert: cols.map(toPostgres),
    keyIndexes: def.key.map((k) => cols.findIndex((c) => c.name === k)),
  };
}

/**
 * Converted rows, the last one winning when a key repeats (as INSERT OR REPLACE does on SQLite;
 * PostgreSQL refuses to update one row twice in a statement).
 */
function convertRows(plan: UpsertPlan, rows: readonly RowValues[]): unknown[][] {
  const byKey = new Map<string, unknown[]>();
  // A key with a null never conflicts (nulls are distinct in a unique index, on both stores).
  const nullKeyed: unknown[][] = [];
  for (const row of rows) {
    const converted = plan.convert.map((f, i) => f(row[i]));
    if (plan.keyIndexes.some((i) => converted[i] === null)) {
      nullKeyed.push(converted);
      continue;
    }
    const key = plan.keyIndexes.map((i) => String(converted[i])).join("\u0000");
    byKey.delete(key);
    byKey.set(key, converted);
  }
  return [...byKey.values(), ...nullKeyed];
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
      client.release();
    } catch {
      client.release(true);
    }
    throw error;
  }
}

export function postgresData(pool: pg.Pool): DataRepo {
  const plans = new Map<string, UpsertPlan>();
  const planFor = (def: EntityDef): UpsertPlan => {
    const key = tableName(def);
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = upsertPlan(def)));
    return plan;
  };

  return {
    async upsert(siteId, def, rows) {
      if (rows.length === 0) return;
      const plan = planFor(def);
      const converted = convertRows(plan, rows);
      const width = plan.convert.length;
      const params = (start: number): unknown[] => {
        const chunk = converted.slice(start, start + UPSERT_CHUNK);
        const columns: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(chunk.length));
        chunk.forEach((row, r) => {
          for (let c = 0; c < width; c++) columns[c]![r] = row[c];
        });
        return [siteId, ...columns];
      };
      try {
        // One statement is atomic by itself: no BEGIN/COMMIT round trips for the usual batch.
        if (converted.length <= UPSERT_CHUNK) await pool.query(plan.sql, params(0));
        else {
          await inTransaction(pool, async (client) => {
            for (let start = 0; start < converted.length; start += UPSERT_CHUNK) await client.query(plan.sql, params(start));
          });
        }
      } catch (error) {
        throw new Error(`Could not upsert ${rows.length} rows into ${tableName(def)}: ${(error as Error).message}`, { cause: error });
      }
    },
    async deleteByKey(siteId, def, keys) {
      if (keys.length === 0) return 0;
      const keyCols = def.key.map((k) => storedColumns(def).find((c) => c.name === k)!);
      const arrays = keyCols.map((c, i) => `$${i + 2}::${arrayType(c)}`).join(", ");
      const tuple = def.key.map(quoteIdent).join(", ");
      const values = keyCols.map((_, i) => keys.map((k) => k[i] ?? null));
      const r = await pool.query(
        `DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = $1 AND (${tuple}) IN (SELECT * FROM unnest(${arrays}))`,
        [siteId, ...values],
      );
      return r.rowCount ?? 0;
    },
    /** Keyset pagination: constant memory, no open transaction, safe to delete between batches. */
    async *keys(siteId, def, batchSize) {
      const size = batchCount(batchSize);
      let last: unknown[] | undefined;
      for (;;) {
        const q = compileSelect(asQuery(keysAfter(def, last, size)), siteId, postgresDialect);
        const r = await pool.query<unknown[]>({ text: q.sql, values: [...q.parameters], rowMode: "array" });
        if (r.rows.length > 0) yield r.rows;
        if (r.rows.length < size) return;
        last = r.rows[r.rows.length - 1];
      }
    },
    async count(siteId, target) {
      const q = compileCount(asQuery(target), siteId, postgresDialect);
      return (await pool.query<{ n: number }>(q.sql, [...q.parameters])).rows[0]!.n;
    },
    async distinct(siteId, def, columns, where, limit) {
      const query = distinctLookup(def, columns, where, limit);
      if (!query) return [];
      const q = compileSelect(asQuery(query), siteId, postgresDialect);
      return (await pool.query<Record<string, unknown>>(q.sql, [...q.parameters])).rows;
    },
    async browsable(siteId, product, viewer) {
      const q = compileBrowsable(product, siteId, viewer, postgresDialect);
      if (!q) return undefined;
      return (await pool.query<unknown[]>({ text: q.sql, values: [...q.parameters], rowMode: "array" })).rows.map((r) => String(r[0]));
    },
    async snapshot(siteId) {
      return PostgresSnapshot.open(pool, siteId);
    },
    async promote(fromSiteId, toSiteId, defs) {
      const added: Record<string, number> = {};
      await inTransaction(pool, async (client) => {
        for (const def of defs) {
          const table = quoteIdent(tableName(def));
          const cols = storedColumns(def).map((c) => quoteIdent(c.name)).join(", ");
          added[def.name] = (await client.query(`INSERT INTO ${table} (site_id, ${cols}) SELECT $1, ${cols} FROM ${table} WHERE site_id = $2 ON CONFLICT DO NOTHING`, [toSiteId, fromSiteId])).rowCount ?? 0;
          await client.query(`DELETE FROM ${table} WHERE site_id = $1`, [fromSiteId]);
        }
      });
      return added;
    },
    async clearSite(siteId) {
      await inTransaction(pool, async (client) => {
        for (const def of ALL_ENTITIES) await client.query(`DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = $1`, [siteId]);
      });
    },
  };
}
