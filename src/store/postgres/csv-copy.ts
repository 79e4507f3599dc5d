/**
 * CSV records rendered by PostgreSQL itself: `COPY (SELECT <one expression per exported column>) TO
 * STDOUT (FORMAT csv)`, streamed to the export file with one cheap pass over the bytes.
 *
 * The SQL applies the value rules of `src/export/csv-format.ts`: null and the empty string give an
 * empty field, long text is cut to the configured number of UTF-16 units without splitting a pair
 * (`sluice_utf16_prefix`), an empty JSON list is an empty field, URLs get the instance URL, booleans
 * are `true`/`false`, datetimes ISO UTC. PostgreSQL's CSV quoting is the writer's for the raw value
 * (quoted when it holds `,` `"` CR or LF, quotes doubled). What is left is done on the bytes by
 * `CopyCsvTransform`: line breaks inside quoted fields become the escape string, a field that was
 * quoted only for its line breaks loses its quotes, and each record ends in CRLF instead of LF.
 * Used when line breaks are escaped with a plain escape string (`storeRenderable`) and decimals print
 * as JavaScript prints them; otherwise the export renders rows itself. Same bytes either way:
 * `test/export-files.test.ts` (golden files) and `test/csv-copy.test.ts`.
 */
import type pg from "pg";
import { maxLength, storeRenderable, type EncodedChunk, type RecordEncoding } from "../../core/csv.js";
import { tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import { quoteIdent } from "./schema.js";

type Literal = (value: string) => string;

/** The SQL giving one exported column as its CSV field value (NULL for an empty field). */
export function fieldExpr(column: Column, request: RecordEncoding, lit: Literal): string {
  const q = quoteIdent(column.name);
  const text = (expr: string) => `NULLIF(${expr}, '')`;
  switch (column.type) {
    case "instance":
      return text(lit(request.instanceUrl));
    case "url":
      return `CASE WHEN ${q} IS NULL THEN NULL ELSE ${lit(request.instanceUrl)} || ${q} END`;
    case "integer":
      return `${q}::text`;
    case "decimal":
      // -0 is written 0, as JavaScript does; other values only reach here in the range where
      // PostgreSQL's shortest round-trip output matches JavaScript's (see `decimalCheck`).
      return `CASE WHEN ${q} = 0 THEN '0' ELSE ${q}::text END`;
    case "boolean":
      return `CASE WHEN ${q} THEN 'true' WHEN NOT ${q} THEN 'false' END`;
    case "datetime":
      return `to_char(${q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
    case "date":
      return `to_char(${q}, 'YYYY-MM-DD')`;
    case "json":
      return `CASE WHEN ${q} = '[]' THEN NULL ELSE ${text(q)} END`;
    case "text": {
      const max = maxLength(column.truncate, request.csv);
      if (max === Infinity) return text(q);
      // octet_length reads the stored size only: no text is cut unless it can be too long.
      return text(`CASE WHEN octet_length(${q}) <= ${max} THEN ${q} ELSE sluice_utf16_prefix(${q}, ${max}) END`);
    }
    default:
      return text(q);
  }
}

/** Whether every decimal column of these rows prints the same in PostgreSQL and JavaScript. */
export function decimalCheck(def: EntityDef, columns: readonly Column[], where: string): string | undefined {
  const decimals = columns.filter((c) => c.type === "decimal").map((c) => quoteIdent(c.name));
  if (decimals.length === 0) return undefined;
  // Between 1e-4 and 1e15 both print plain shortest round-trip digits; outside, PostgreSQL switches
  // to an exponent earlier than JavaScript does. NaN and ±Infinity print alike.
  const odd = decimals.map((d) => `(${d} <> 0 AND ${d} = ${d} AND abs(${d}) <> 'Infinity' AND (abs(${d}) < 1e-4 OR abs(${d}) >= 1e15))`);
  return `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(tableName(def))} WHERE ${where} AND (${odd.join(" OR ")})) AS odd`;
}

export function canRender(request: RecordEncoding): boolean {
  return storeRenderable(request.csv) && request.columns.length > 1;
}

/** The COPY statement: one CSV field per exported column, in key order. */
export function copyStatement(def: EntityDef, request: RecordEncoding, where: string, lit: Literal): string {
  const fields = request.columns.map((c) => fieldExpr(c, request, lit)).join(", ");
  // Qualified: a bare name in ORDER BY would pick the output column (the field text) of that name.
  const order = ["site_id", ...def.key].map((k) => `src.${quoteIdent(k)}`).join(", ");
  return `COPY (SELECT ${fields} FROM ${quoteIdent(tableName(def))} AS src WHERE ${where} ORDER BY ${order}) TO STDOUT (FORMAT csv)`;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Copies `b[start, end)` to `out` at `p`; short runs byte by byte (cheaper than a native call). */
function put(out: Buffer, p: number, b: Buffer, start: number, end: number): number {
  if (end - start < 48) {
    for (let i = start; i < end; i++) out[p++] = b[i]!;
    return p;
  }
  out.set(b.subarray(start, end), p);
  return p + end - start;
}

/**
 * Turns PostgreSQL's CSV (LF records, raw line breaks inside quoted fields) into the export's, over
 * whole records (an incomplete record at the end of a chunk waits for the next one). Inside a quoted
 * field CRLF, CR and LF become the escape string; a field whose quotes were there only for its line
 * breaks (no `,` and no `""` in it) is written without them; each record ends with CRLF. The escape
 * string holds no `,` `"` CR or LF (`storeRenderable`). Special bytes are found with `indexOf`
 * (memchr) and the runs between them copied, so the cost is per special byte, not per byte.
 */
export class CopyCsvTransform {
  private carry: Buffer | undefined;
  private readonly escape: Buffer;
  /** Converted records not handed on yet (`take`). */
  private out: Buffer = Buffer.allocUnsafe(0);
  private size = 0;
  private rows = 0;

  constructor(escape: string) {
    this.escape = Buffer.from(escape, "utf8");
  }

  /** Converts the complete records of `input` (and of what was carried) into the pending run. */
  push(input: Buffer): void {
    const b = this.carry ? Buffer.concat([this.carry, input]) : input;
    this.carry = undefined;
    const n = b.length;
    const esc = this.escape;
    // Worst case: every byte a line break turned into the escape, or an LF turned into CRLF.
    const need = this.size + n * Math.max(2, esc.length) + 2;
    if (need > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.out.length, 1 << 21));
      this.out.copy(grown, 0, 0, this.size);
      this.out = grown;
    }
    const out = this.out;
    let p = this.size;
    let rows = 0;
    let recordIn = 0;
    let recordOut = p;
    // Next CR / LF at or after the read position (-1: none left); advanced lazily.
    let nextCr = b.indexOf(CR);
    let nextLf = b.indexOf(LF);
    let i = 0;
    for (;;) {
      if (nextLf >= 0 && nextLf < i) nextLf = b.indexOf(LF, i);
      const q = b.indexOf(QUOTE, i);
      if (nextLf >= 0 && (q < 0 || nextLf < q)) {
        // Record end.
        p = put(out, p, b, i, nextLf);
        out[p++] = CR;
        out[p++] = LF;
        rows++;
        i = recordIn = nextLf + 1;
        recordOut = p;
        continue;
      }
      if (q < 0) break;
      // A quoted field from q: find its closing quote, hopping over doubled quotes.
      let end = -1;
      let doubled = false;
      for (let j = q + 1; ; ) {
        const k = b.indexOf(QUOTE, j);
        if (k < 0 || k + 1 >= n) break;
        if (b[k + 1] === QUOTE) {
          doubled = true;
          j = k + 2;
          continue;
        }
        end = k;
        break;
      }
      if (end < 0) break;
      p = put(out, p, b, i, q);
      const comma = b.indexOf(COMMA, q + 1);
      const needsQuotes = doubled || (comma >= 0 && comma < end);
      if (nextCr >= 0 && nextCr < q) nextCr = b.indexOf(CR, q);
      if (nextLf >= 0 && nextLf < q) nextLf = b.indexOf(LF, q);
      if (needsQuotes) out[p++] = QUOTE;
      let from = q + 1;
      for (;;) {
        let br = -1;
        if (nextCr >= 0 && nextCr < end) br = nextCr;
        if (nextLf >= 0 && nextLf < end && (br < 0 || nextLf < br)) br = nextLf;
        if (br < 0) break;
        p = put(out, p, b, from, br);
        p = put(out, p, esc, 0, esc.length);
        from = b[br] === CR && b[br + 1] === LF ? br + 2 : br + 1;
        if (nextCr >= 0 && nextCr < from) nextCr = b.indexOf(CR, from);
        if (nextLf >= 0 && nextLf < from) nextLf = b.indexOf(LF, from);
      }
      p = put(out, p, b, from, end);
      if (needsQuotes) out[p++] = QUOTE;
      i = end + 1;
    }
    if (recordIn < n) this.carry = Buffer.from(b.subarray(recordIn));
    this.size = recordOut;
    this.rows += rows;
  }

  /** Bytes of converted records waiting to be taken. */
  get buffered(): number {
    return this.size;
  }

  /** The converted records so far; the next ones go to a fresh buffer. */
  take(): EncodedChunk {
    const chunk = { bytes: this.out.subarray(0, this.size), rows: this.rows };
    this.out = Buffer.allocUnsafe(0);
    this.size = 0;
    this.rows = 0;
    return chunk;
  }

  /** Bytes left over at the end of the data (none when PostgreSQL ended its last record). */
  get pending(): number {
    return this.carry?.length ?? 0;
  }
}

/** Replaces `$n` placeholders with literals: COPY takes no bind parameters. */
export function inlineParams(text: string, values: readonly unknown[], client: pg.ClientBase): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = values[Number(n) - 1];
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    if (typeof v === "string") return client.escapeLiteral(v);
    if (Array.isArray(v)) return v.length === 0 ? "'{}'" : `ARRAY[${v.map((x) => client.escapeLiteral(String(x))).join(", ")}]`;
    throw new Error(`Cannot inline parameter $${n} of type ${typeof v}`);
  });
}
