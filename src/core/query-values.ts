/**
 * A value given for a column in a query, checked against the column's type and brought to the form the
 * stores compare with: datetimes as `YYYY-MM-DDTHH:MM:SSZ` (text order is time order on SQLite), dates as
 * `YYYY-MM-DD`, numbers, booleans, text. Pure.
 */
import type { Column } from "./entities/types.js";
import { isoUtcSeconds, parseOffsetDateTime } from "./time.js";

export type Normalised = { ok: true; value: string | number | boolean } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A decimal number as text: no hexadecimal, no `Infinity`, no empty string. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const shown = (v: unknown): string => (typeof v === "string" ? `'${v.slice(0, 60)}'` : typeof v === "object" ? JSON.stringify(v)?.slice(0, 60) ?? String(v) : String(v));

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function normaliseValue(column: Column, value: unknown): Normalised {
  const bad = (wanted: string): Normalised => ({ ok: false, message: `${column.name} (${column.type}) needs ${wanted}, not ${shown(value)}.` });
  switch (column.type) {
    case "integer": {
      const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      return typeof n === "number" && Number.isSafeInteger(n) ? { ok: true, value: n } : bad("a whole number");
    }
    case "decimal": {
      const n = typeof value === "string" && DECIMAL.test(value.trim()) ? Number(value) : value;
      return typeof n === "number" && Number.isFinite(n) ? { ok: true, value: n } : bad("a number");
    }
    case "boolean":
      if (value === true || value === "true" || value === 1) return { ok: true, value: true };
      if (value === false || value === "false" || value === 0) return { ok: true, value: false };
      return bad("true or false");
    case "datetime": {
      if (typeof value !== "string") return bad("an ISO-8601 date-time such as 2024-01-31T12:00:00Z");
      const text = value.trim();
      if (isCalendarDate(text)) return { ok: true, value: `${text}T00:00:00Z` };
      const ms = parseOffsetDateTime(text);
      return ms === undefined ? bad("an ISO-8601 date-time with an offset, such as 2024-01-31T12:00:00Z, or a date such as 2024-01-31") : { ok: true, value: isoUtcSeconds(ms) };
    }
    case "date":
      return typeof value === "string" && isCalendarDate(value.trim()) ? { ok: true, value: value.trim() } : bad("a date such as 2024-01-31");
    default:
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value: String(value) };
      return bad("text");
  }
}
