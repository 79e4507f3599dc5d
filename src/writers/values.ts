/**
 * Typed values of a file row, shared by every typed format (JSON, NDJSON, XLSX, Parquet). Rows arrive
 * as store values in `layout.input` order; `typedRow` turns one into the file columns' values with the
 * same rules as the CSV writer (`export/csv-format.ts`): `instance` is the site URL, `url` is the site
 * URL and the stored path, long text is cut with `truncate` to its configured length. Line breaks are
 * kept (escaping them is a CSV rule only), and a `json` value stays JSON text for each writer to embed.
 *
 * Value shapes out: string | number | boolean | null; datetimes as `YYYY-MM-DDTHH:MM:SSZ`, dates as
 * `YYYY-MM-DD`; numbers are finite (NaN and ±Infinity become null).
 */
import { maxLength, truncate } from "../core/csv.js";
import type { Column } from "../core/entities/types.js";
import { SluiceError } from "../core/errors.js";
import type { RecordLayout } from "./port.js";

export type ValueType = "string" | "integer" | "decimal" | "boolean" | "datetime" | "date" | "json";

/** The value a typed format holds for a column type (text, url and instance are strings). */
export function valueType(column: Column): ValueType {
  switch (column.type) {
    case "integer":
    case "decimal":
    case "boolean":
    case "datetime":
    case "date":
    case "json":
      return column.type;
    default:
      return "string";
  }
}

type Convert = (v: unknown) => unknown;

const CANONICAL_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const CANONICAL_DATE = /^\d{4}-\d\d-\d\d$/;

const isNull = (v: unknown): v is null | undefined => v === null || v === undefined;

function toNumber(v: unknown): number | null {
  if (isNull(v) || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  // -0 is 0, as CSV writes it.
  return Number.isFinite(n) ? (n === 0 ? 0 : n) : null;
}

function toBoolean(v: unknown): boolean | null {
  if (isNull(v)) return null;
  return v === true || v === 1 || v === "true";
}

function toDatetime(v: unknown): string | null {
  if (isNull(v) || v === "") return null;
  if (typeof v === "string" && v.length === 20 && CANONICAL_DATETIME.test(v)) return v;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function toDate(v: unknown): string | null {
  if (isNull(v) || v === "") return null;
  if (typeof v === "string" && v.length === 10 && CANONICAL_DATE.test(v)) return v;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

function toJsonText(v: unknown): string | null {
  if (isNull(v)) return null;
  return typeof v === "string" ? v : JSON.stringify(v);
}

function toText(max: number): Convert {
  const str = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
  if (max === Infinity) return (v) => (isNull(v) ? null : str(v));
  return (v) => (isNull(v) ? null : truncate(str(v), max));
}

/** The conversion of one file column's stored value. */
function converter(column: Column, layout: RecordLayout): Convert {
  switch (column.type) {
    case "instance":
      return () => layout.instanceUrl;
    case "url":
      return (v) => (isNull(v) ? null : layout.instanceUrl + String(v));
    case "integer":
    case "decimal":
      return toNumber;
    case "boolean":
      return toBoolean;
    case "datetime":
      return toDatetime;
    case "date":
      return toDate;
    case "json":
      return toJsonText;
    default:
      return toText(maxLength(column.truncate, layout.values));
  }
}

/** Where each file column is read in an input row (-1: not stored, the `instance` column). */
function inputIndexes(layout: RecordLayout): number[] {
  return layout.columns.map((c) => {
    if (c.type === "instance") return -1;
    const i = layout.input.findIndex((s) => s.name === c.name);
    if (i < 0) throw new SluiceError("sluice.internal", `the rows given to the writer have no column ${c.name}`);
    return i;
  });
}

/** Compiles, once per file, the conversion of an input row into the file columns' typed values. */
export function typedRow(layout: RecordLayout): (row: readonly unknown[]) => unknown[] {
  const converters = layout.columns.map((c) => converter(c, layout));
  const indexes = inputIndexes(layout);
  const n = converters.length;
  return (row) => {
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const at = indexes[i]!;
      out[i] = converters[i]!(at < 0 ? undefined : row[at]);
    }
    return out;
  };
}
