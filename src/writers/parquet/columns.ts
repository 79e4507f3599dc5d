/**
 * File columns as DuckDB columns: the SQL type of each registry type (integer → BIGINT, decimal →
 * DOUBLE, boolean → BOOLEAN, datetime → TIMESTAMPTZ in UTC, date → DATE, json → VARCHAR holding the JSON
 * text, everything else → VARCHAR), the vector type of the data chunk, and the conversion of a typed
 * value (`writers/values.ts`) to what the vector takes. Also the quoting of identifiers and literals.
 */
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBDateValue,
  DuckDBTimestampTZValue,
  TIMESTAMPTZ,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Column } from "../../core/entities/types.js";
import { valueType, type ValueType } from "../values.js";

export interface DuckColumn {
  /** The column's SQL type, as DESCRIBE names it. */
  sql: string;
  type: DuckDBType;
  value: (v: unknown) => DuckDBValue;
  /** Bytes a value takes while buffered, roughly (parts are cut by it). */
  size: (v: DuckDBValue) => number;
}

const DAY_MS = 86_400_000;
/** BIGINT holds less than 2^63. */
const INT64_LIMIT = 2 ** 63;

const fixed = (bytes: number) => () => bytes;
const text = (v: DuckDBValue) => (typeof v === "string" ? v.length + 16 : 16);

function bigint(v: unknown): bigint | null {
  if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) >= INT64_LIMIT) return null;
  return BigInt(Math.trunc(v));
}

function timestamp(v: unknown): DuckDBTimestampTZValue | null {
  if (typeof v !== "string") return null;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? null : new DuckDBTimestampTZValue(BigInt(ms) * 1000n);
}

function date(v: unknown): DuckDBDateValue | null {
  if (typeof v !== "string") return null;
  const ms = Date.parse(`${v}T00:00:00Z`);
  return Number.isNaN(ms) ? null : new DuckDBDateValue(Math.round(ms / DAY_MS));
}

const COLUMNS: Record<ValueType, DuckColumn> = {
  integer: { sql: "BIGINT", type: BIGINT, value: bigint, size: fixed(8) },
  decimal: { sql: "DOUBLE", type: DOUBLE, value: (v) => (typeof v === "number" ? v : null), size: fixed(8) },
  boolean: { sql: "BOOLEAN", type: BOOLEAN, value: (v) => (typeof v === "boolean" ? v : null), size: fixed(1) },
  datetime: { sql: "TIMESTAMP WITH TIME ZONE", type: TIMESTAMPTZ, value: timestamp, size: fixed(8) },
  date: { sql: "DATE", type: DATE, value: date, size: fixed(4) },
  json: { sql: "VARCHAR", type: VARCHAR, value: (v) => (v === null || v === undefined ? null : String(v)), size: text },
  string: { sql: "VARCHAR", type: VARCHAR, value: (v) => (v === null || v === undefined ? null : String(v)), size: text },
};

export function duckColumn(column: Column): DuckColumn {
  return COLUMNS[valueType(column)];
}

/** `"name"`, embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, embedded quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `CREATE TABLE` of the file's columns. */
export function createTable(table: string, columns: readonly Column[]): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${duckColumn(c).sql}`);
  return `CREATE TABLE ${quoteIdent(table)} (${defs.join(", ")})`;
}
