/**
 * Entity rows on PostgreSQL. Values go in and come out in the same shapes as on SQLite so that an
 * export writes the same bytes from either store: integers and decimals as numbers, booleans as 1/0,
 * datetimes as `YYYY-MM-DDTHH:MM:SSZ`, dates as `YYYY-MM-DD`, lists as JSON text.
 */
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { ENTITIES, storedColumns, tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import type { CsvChunk, CsvRequest, DataRepo, RowFilter, RowValues, Snapshot } from "../port.js";
import { canRender, CopyCsvTransform, copyStatement, decimalCheck, inlineParams } from "./csv-copy.js";
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

/** The SELECT expression giving a column's value in the store-neutral shape. */
function readExpr(column: Column): string {
  const q = quoteIdent(column.name);
  switch (column.type) {
    case "boolean":
      return `${q}::int`;
    case "datetime":
      return `to_char(${q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
    case "date":
      return `to_char(${q}, 'YYYY-MM-DD')`;
    default:
      return q;
  }
}

const scalarType = (column: Column): string => arrayType(column).slice(0, -2);

const isNumeric = (column: Column): boolean => column.type === "integer" || column.type === "decimal";

/**
 * `in` values (strings) for a column. A numeric column matches only numeric text, as with SQLite's
 * type affinity (`'12'` finds 12; `'abc'` finds nothing).
 */
function inValues(column: Column, list: readonly string[]): string[] {
  if (!isNumeric(column)) return [...list];
  return list.filter((v) => v.trim() !== "" && Number.isFinite(Number(v)) && (column.type === "decimal" || Number.isInteger(Number(v))));
}

interface Query {
  text: string;
  values: unknown[];
}

function columnOf(def: EntityDef, name: string): Column {
  const found = storedColumns(def).find((c) => c.name === name);
  if (!found) throw new Error(`No column ${name} in ${tableName(def)}`);
  return found;
}

function whereClause(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const parts = ["site_id = $1"];
  const values: unknown[] = [siteId];
  if (filter.since !== undefined && def.cursor) {
    values.push(filter.since);
    parts.push(`${quoteIdent(def.cursor)} >= $${values.length}::${scalarType(columnOf(def, def.cursor))}`);
  }
  if (filter.excludeScopes && filter.excludeScopes.length > 0 && def.scope) {
    values.push([...filter.excludeScopes]);
    parts.push(`(scope_key IS NULL OR scope_key <> ALL($${values.length}::text[]))`);
  }
  const key = `(${def.key.map(quoteIdent).join(", ")})`;
  const bound = (values_: readonly unknown[]) =>
    `(${def.key
      .map((k, i) => {
        values.push(values_[i]);
        return `$${values.length}::${scalarType(columnOf(def, k))}`;
      })
      .join(", ")})`;
  if (filter.keyFrom) parts.push(`${key} >= ${bound(filter.keyFrom)}`);
  if (filter.keyBefore) parts.push(`${key} < ${bound(filter.keyBefore)}`);
  return { text: parts.join(" AND "), values };
}

function countQuery(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const where = whereClause(siteId, def, filter);
  return { text: `SELECT count(*) AS n FROM ${quoteIdent(tableName(def))} WHERE ${where.text}`, values: where.values };
}

/** Rows in key order: the `(site_id, key…)` index gives the order, so nothing is sorted or buffered. */
function rowsQuery(siteId: number, def: EntityDef, filter: RowFilter): Query {
  const where = whereClause(siteId, def, filter);
  const cols = storedColumns(def).map(readExpr).join(", ");
  const order = def.key.map(quoteIdent).join(", ");
  return { text: `SELECT ${cols} FROM ${quoteIdent(tableName(def))} WHERE ${where.text} ORDER BY ${order}`, values: where.values };
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

  async count(def: EntityDef, filter: RowFilter): Promise<number> {
    if (this.closed) throw new Error("The snapshot is closed");
    const q = countQuery(this.siteId, def, filter);
    return (await this.client.query<{ n: number }>(q)).rows[0]!.n;
  }

  async *rows(def: EntityDef, filter: RowFilter, batchSize: number): AsyncIterable<unknown[][]> {
    const size = batchCount(batchSize);
    if (this.closed) throw new Error("The snapshot is closed");
    const q = rowsQuery(this.siteId, def, filter);
    const cursor = `sluice_rows_${++this.cursors}`;
    await this.client.query({ text: `DECLARE ${cursor} NO SCROLL CURSOR FOR ${q.text}`, values: q.values });
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

  async csvRecords(def: EntityDef, filter: RowFilter, request: CsvRequest): Promise<AsyncIterable<CsvChunk> | undefined> {
    if (this.closed) throw new Error("The snapshot is closed");
    if (!canRender(request)) return undefined;
    const where = whereClause(this.siteId, def, filter);
    const whereSql = inlineParams(where.text, where.values, this.client);
    const check = decimalCheck(def, request.columns, whereSql);
    if (check && (await this.client.query<{ odd: boolean }>(check)).rows[0]!.odd) return undefined;
    const sql = copyStatement(def, request, whereSql, (v) => this.client.escapeLiteral(v));
    return this.copy(sql, new CopyCsvTransform(request.csv.embeddedLineBreakEscape));
  }

  private async *copy(sql: string, transform: CopyCsvTransform): AsyncIterable<CsvChunk> {
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
      const keyCols = def.key.map((k) => columnOf(def, k));
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
      const keyCols = def.key.map((k) => columnOf(def, k));
      const select = keyCols.map(readExpr).join(", ");
      const tuple = def.key.map(quoteIdent).join(", ");
      const after = keyCols.map((c, i) => `$${i + 2}::${scalarType(c)}`).join(", ");
      const table = quoteIdent(tableName(def));
      let last: unknown[] | undefined;
      for (;;) {
        const r = last
          ? await pool.query<unknown[]>({
              text: `SELECT ${select} FROM ${table} WHERE site_id = $1 AND (${tuple}) > (${after}) ORDER BY ${tuple} LIMIT ${size}`,
              values: [siteId, ...last],
              rowMode: "array",
            })
          : await pool.query<unknown[]>({
              text: `SELECT ${select} FROM ${table} WHERE site_id = $1 ORDER BY ${tuple} LIMIT ${size}`,
              values: [siteId],
              rowMode: "array",
            });
        if (r.rows.length > 0) yield r.rows;
        if (r.rows.length < size) return;
        last = r.rows[r.rows.length - 1];
      }
    },
    async count(siteId, def, filter = {}) {
      return (await pool.query<{ n: number }>(countQuery(siteId, def, filter))).rows[0]!.n;
    },
    async distinct(siteId, def, columns, where, limit) {
      const values: unknown[] = [siteId];
      let cond = "";
      const column = columnOf(def, where.column);
      if (where.in) {
        const list = inValues(column, where.in);
        if (list.length === 0) return [];
        values.push(list);
        cond = isNumeric(column)
          ? ` AND ${quoteIdent(column.name)} = ANY($2::${arrayType(column)})`
          : ` AND ${readExpr(column)} = ANY($2::text[])`;
      } else if (where.contains !== undefined && where.contains !== "") {
        values.push(`%${where.contains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        cond = ` AND lower((${readExpr(column)})::text) LIKE $2 ESCAPE '\\'`;
      }
      values.push(limit);
      const select = columns.map((name) => `${readExpr(columnOf(def, name))} AS ${quoteIdent(name)}`).join(", ");
      // NULLS FIRST: SQLite's order.
      const order = columns.map((_, i) => `${i + 1} NULLS FIRST`).join(", ");
      const r = await pool.query<Record<string, unknown>>(
        `SELECT DISTINCT ${select} FROM ${quoteIdent(tableName(def))} WHERE site_id = $1${cond} ORDER BY ${order} LIMIT $${values.length}`,
        values,
      );
      return r.rows;
    },
    async snapshot(siteId) {
      return PostgresSnapshot.open(pool, siteId);
    },
    async clearSite(siteId) {
      await inTransaction(pool, async (client) => {
        for (const def of ENTITIES) await client.query(`DELETE FROM ${quoteIdent(tableName(def))} WHERE site_id = $1`, [siteId]);
      });
    },
  };
}
