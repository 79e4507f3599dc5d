/**
 * A running statement's rows as the bytes of an answer, produced as the rows come (the HTTP response
 * pulls, so a slow reader slows the statement down instead of filling memory):
 * - `json`: `{"columns":[{name,type}],"rows":[[…],…],"rowCount":n,"truncated":false,"elapsedMs":t}`;
 *   a statement that fails after its first rows ends the object with `"error":{key,message}` instead;
 * - `ndjson`: `{"columns":[…]}`, one JSON array per row, then `{"rowCount":…}` or `{"error":…}`;
 * - `csv`: a header of column names, then RFC 4180 records (CRLF); a failure after the first rows
 *   breaks the stream, so no client takes a partial file for a complete one.
 */
import { isSluiceError } from "../core/errors.js";
import type { SqlRows } from "../core/sql-catalog.js";

export type SqlFormat = "json" | "ndjson" | "csv";

export const CONTENT_TYPES: Record<SqlFormat, string> = {
  json: "application/json; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

function failure(error: unknown): { key: string; message: string } {
  if (isSluiceError(error)) return { key: error.code, message: error.message };
  return { key: "sluice.internal", message: "The statement failed on the server; the failure was logged." };
}

/** One CSV field: quoted when it holds a comma, a quote, CR or LF; NULL is an empty field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** JSON text of a cell: numbers that JSON cannot hold (NaN, ±Infinity) become strings. */
function jsonRow(row: unknown[]): string {
  return JSON.stringify(row.map((v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v === "bigint" ? String(v) : v)));
}

export async function* renderRows(rows: SqlRows, format: SqlFormat, startedAt: number, onError: (error: unknown) => void): AsyncGenerator<string | Buffer> {
  const columns = rows.columns;
  if (format === "csv") {
    yield `${columns.map((c) => csvField(c.name)).join(",")}\r\n`;
    if (rows.encoded?.kind === "csv") {
      yield* rows.encoded.chunks;
      return;
    }
    for await (const batch of rows.batches) {
      let chunk = "";
      for (const row of batch) chunk += `${row.map(csvField).join(",")}\r\n`;
      yield chunk;
    }
    return;
  }
  const json = format === "json";
  yield json ? `{"columns":${JSON.stringify(columns)},"rows":[` : `${JSON.stringify({ columns })}\n`;
  let first = true;
  try {
    if (rows.encoded?.kind === "json") {
      for await (const chunk of rows.encoded.chunks) {
        // One JSON array per line: as JSON, the arrays joined with commas; as NDJSON, as they are.
        if (!json) yield chunk;
        else if (chunk.length > 0) {
          const body = chunk.toString("utf8").slice(0, -1).replace(/\n/g, ",\n");
          yield `${first ? "\n" : ",\n"}${body}`;
          first = false;
        }
      }
    } else for await (const batch of rows.batches) {
      let chunk = "";
      for (const row of batch) {
        chunk += json ? `${first ? "\n" : ",\n"}${jsonRow(row)}` : `${jsonRow(row)}\n`;
        first = false;
      }
      yield chunk;
    }
  } catch (error) {
    onError(error);
    const e = JSON.stringify({ error: failure(error) });
    yield json ? `\n],${e.slice(1)}\n` : `${e}\n`;
    return;
  }
  const summary = JSON.stringify({ ...rows.summary(), elapsedMs: Date.now() - startedAt });
  yield json ? `\n],${summary.slice(1)}\n` : `${summary}\n`;
}
