/**
 * Records → store rows. A record is keyed by registry column name; the row is built in
 * `storedColumns(def)` order with values normalised per column type: datetimes to ISO-8601 UTC seconds,
 * dates to `yyyy-MM-dd`, numeric strings to numbers, `url` columns made relative to the source.
 */
import { storedColumns, type Column, type EntityDef } from "../core/entities/registry.js";
import { isoUtcSeconds, parseOffsetDateTime } from "../core/time.js";
import type { RowValues } from "../store/port.js";
import type { SyncRecord } from "../sources/connector/connector.js";

type Convert = (value: unknown) => unknown;

/** `2024-03-04T16:20:11.400+1100` and friends: the shape every Atlassian API uses. */
const API_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

export function toDatetime(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return isoUtcSeconds(value);
  const text = String(value);
  const fast = API_DATETIME.exec(text);
  if (fast) {
    const zone = fast[2]!;
    if (zone === "Z" || zone === "+0000" || zone === "+00:00") return `${fast[1]}Z`;
    const ms = Date.parse(`${fast[1]}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
    if (Number.isFinite(ms)) return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  }
  const parsed = parseOffsetDateTime(text);
  if (parsed !== undefined) return isoUtcSeconds(parsed);
  const fallback = Date.parse(text);
  return Number.isFinite(fallback) ? isoUtcSeconds(fallback) : null;
}

/** Strips the source's base URL (and any host) so the path can be rebased on the Sluice site. */
export function relativeUrl(value: unknown, sourceBase: string): string | null {
  if (value === null || value === undefined || value === "") return null;
  const text = String(value);
  if (text.startsWith(sourceBase)) return text.slice(sourceBase.length) || "/";
  return text;
}

function converter(column: Column, sourceBase: string): Convert {
  switch (column.type) {
    case "datetime":
      return toDatetime;
    case "date":
      return (v) => (v === null || v === undefined || v === "" ? null : String(v).slice(0, 10));
    case "integer":
      return (v) => {
        if (v === null || v === undefined || v === "") return null;
        const n = typeof v === "number" ? v : Number(v);
        return Number.isFinite(n) ? Math.trunc(n) : null;
      };
    case "decimal":
      return (v) => {
        if (v === null || v === undefined || v === "") return null;
        const n = typeof v === "number" ? v : Number(v);
        return Number.isFinite(n) ? n : null;
      };
    case "boolean":
      return (v) => (v === null || v === undefined ? null : v === true || v === "true");
    case "url":
      return (v) => relativeUrl(v, sourceBase);
    case "json":
      // An empty list or map is an empty field.
      return (v) =>
        v === undefined || v === null || (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) ? null : v;
    case "string":
    case "text":
      return (v) => (v === null || v === undefined ? null : typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v));
    default:
      return (v) => (v === undefined ? null : v);
  }
}

export type RowMapper = (record: SyncRecord) => RowValues;

/** A mapper for one entity, compiled once per run. */
export function rowMapper(def: EntityDef, sourceBase: string): RowMapper {
  const columns = storedColumns(def);
  const names = columns.map((c) => c.name);
  const converts = columns.map((c) => converter(c, sourceBase));
  const width = columns.length;
  return (record) => {
    const row = new Array<unknown>(width);
    for (let i = 0; i < width; i++) row[i] = converts[i]!(record[names[i]!]);
    return row;
  };
}

export function toRow(def: EntityDef, record: SyncRecord, sourceBase: string): RowValues {
  return rowMapper(def, sourceBase)(record);
}
