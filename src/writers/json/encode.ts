/**
 * JSON text of typed values (`writers/values.ts`), shared by the JSON and NDJSON writers: numbers as
 * numbers, booleans as true/false, datetimes, dates and strings as strings, null as null, and a `json`
 * column's stored text embedded as JSON (as is when it parses; re-serialized when it holds a line break,
 * so that a record stays on one line; as a string when it does not parse).
 */
import type { Column } from "../../core/entities/types.js";
import { valueType } from "../values.js";

type Encode = (v: unknown) => string;

const LINE_BREAK = /[\r\n]/;

/** A stored JSON text as a JSON value on one line. */
export function embedJson(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return JSON.stringify(text);
  }
  return LINE_BREAK.test(text) ? JSON.stringify(parsed) : text;
}

function encoder(column: Column): Encode {
  switch (valueType(column)) {
    case "integer":
    case "decimal":
      return (v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : "null");
    case "boolean":
      return (v) => (v === null || v === undefined ? "null" : v ? "true" : "false");
    case "json":
      return (v) => (v === null || v === undefined ? "null" : embedJson(String(v)));
    default:
      return (v) => (v === null || v === undefined ? "null" : JSON.stringify(String(v)));
  }
}

/** One row as a JSON array: `[1,"a",null]`. */
export function arrayEncoder(columns: readonly Column[]): (values: readonly unknown[]) => string {
  const encoders = columns.map(encoder);
  const n = encoders.length;
  return (values) => {
    let s = "[";
    for (let i = 0; i < n; i++) {
      if (i > 0) s += ",";
      s += encoders[i]!(values[i]);
    }
    return s + "]";
  };
}

/** One row as a JSON object keyed by column name: `{"page_id":1,"title":"a"}`. */
export function objectEncoder(columns: readonly Column[]): (values: readonly unknown[]) => string {
  const encoders = columns.map(encoder);
  const keys = columns.map((c, i) => `${i > 0 ? "," : ""}${JSON.stringify(c.name)}:`);
  const n = encoders.length;
  return (values) => {
    let s = "{";
    for (let i = 0; i < n; i++) s += keys[i]! + encoders[i]!(values[i]);
    return s + "}";
  };
}
