/**
 * What the PostgreSQL SQL path needs around a user statement to run it as one `COPY … TO STDOUT`:
 * - `inlined`: the statement alone (without a final `;`), its `$n` written in as untyped literals
 *   (`'value'`, resolved by PostgreSQL as it resolves an untyped parameter: COPY takes no parameters),
 *   with the way back from a place in the new text to the place in the user's;
 * - `encodeColumn`: a column as the answer shows it — datetimes ISO UTC to the second (`…T…Z`, as the
 *   export files), booleans `true`/`false`;
 * - `sqlTypeOfOid`: the API's type of a result column;
 * - `recordScanner`: a scan of COPY's CSV output that counts records, stops after a number of them and
 *   ends each with CRLF (COPY ends them with LF; a quoted field keeps its own line breaks).
 */
import { sqlLiteral, type SqlParam, type SqlType } from "../../core/sql-catalog.js";
import type { PolicyVerdict } from "./sql-policy.js";

export interface Inlined {
  sql: string;
  /** The user's character offset of a character offset in `sql` (clamped). */
  offsetOf(innerOffset: number): number;
}

/** A parameter's value as an untyped literal (PostgreSQL resolves it as it resolves a parameter). */
function literal(value: SqlParam): string {
  return value === null ? "NULL" : sqlLiteral(String(value));
}

const chars = (buffer: Buffer, start: number, end: number) => Array.from(buffer.subarray(start, end).toString("utf8")).length;

export function inlined(sql: string, verdict: PolicyVerdict, params: readonly SqlParam[]): Inlined {
  const bytes = Buffer.from(sql, "utf8");
  const span = verdict.span ?? { start: 0, length: bytes.length };
  const refs = (verdict.paramRefs ?? []).filter((r) => r.location >= span.start && r.location < span.start + span.length).sort((a, b) => a.location - b.location);
  const parts: string[] = [];
  /** [inner char offset, user char offset] at each boundary, ascending. */
  const marks: [number, number][] = [[0, chars(bytes, 0, span.start)]];
  let at = span.start;
  let inner = 0;
  for (const ref of refs) {
    const before = bytes.subarray(at, ref.location).toString("utf8");
    parts.push(before);
    inner += Array.from(before).length;
    const token = `$${ref.number}`;
    const value = literal(params[ref.number - 1] ?? null);
    marks.push([inner, chars(bytes, 0, ref.location)]);
    parts.push(value);
    inner += Array.from(value).length;
    at = ref.location + Buffer.byteLength(token, "utf8");
    marks.push([inner, chars(bytes, 0, at)]);
  }
  parts.push(bytes.subarray(at, span.start + span.length).toString("utf8"));
  return {
    sql: parts.join(""),
    offsetOf(innerOffset: number): number {
      let mark = marks[0]!;
      for (const m of marks) if (m[0] <= innerOffset) mark = m;
      return mark[1] + (innerOffset - mark[0]);
    },
  };
}

const OIDS = { bool: 16, int8: 20, int2: 21, int4: 23, float4: 700, float8: 701, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 };

/** The API's type of a result column of PostgreSQL type `oid`. */
export function sqlTypeOfOid(oid: number): SqlType {
  switch (oid) {
    case OIDS.bool:
      return "boolean";
    case OIDS.int2:
    case OIDS.int4:
    case OIDS.int8:
      return "integer";
    case OIDS.float4:
    case OIDS.float8:
    case OIDS.numeric:
      return "decimal";
    case OIDS.date:
      return "date";
    case OIDS.timestamp:
    case OIDS.timestamptz:
      return "datetime";
    default:
      return "text";
  }
}

/** Datetimes to the second, as the export files write them. */
const SECONDS = `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`;

/** The expression giving column `ref` (of type `oid`) as the answer shows it. */
export function encodeColumn(ref: string, oid: number, csv: boolean): string {
  switch (oid) {
    case OIDS.timestamptz:
      return `to_char(${ref} AT TIME ZONE 'UTC', ${SECONDS})`;
    case OIDS.timestamp:
      return `to_char(${ref}, ${SECONDS})`;
    case OIDS.date:
      return `to_char(${ref}, 'YYYY-MM-DD')`;
    case OIDS.bool:
      return csv ? `CASE WHEN ${ref} THEN 'true' WHEN NOT ${ref} THEN 'false' END` : ref;
    default:
      return ref;
  }
}

const CRLF = Buffer.from("\r\n");
const QUOTE = 0x22;
const LF = 0x0a;

export interface RecordCut {
  /** The records taken from the chunk: bytes (CSV, each ending in CRLF) or text (JSON lines). */
  data: Buffer;
  records: number;
  /** `room` records were taken: the caller has all it wants. */
  full: boolean;
  /** With `full`: the chunk held more after them. */
  more: boolean;
}

/**
 * A stateful scan of COPY's output; each call takes at most `room` whole records of a chunk. `csv`:
 * records end at a line feed outside quotes and are given CRLF; otherwise one record per line (JSON
 * text, which holds no raw line feed), line feeds kept. A record cut between chunks waits for the next.
 * It jumps from line feed to line feed and looks for quotes only in between (most records have none).
 */
export function recordScanner(csv: boolean): (chunk: Buffer, room: number) => RecordCut {
  let quoted = false;
  let pending: Buffer[] = [];
  return (chunk, room) => {
    if (room <= 0) return { data: Buffer.alloc(0), records: 0, full: true, more: chunk.length > 0 };
    const out: Buffer[] = [...pending];
    pending = [];
    let records = 0;
    let from = 0;
    let scanned = 0;
    let full = false;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, lf + 1)) {
      if (csv) {
        // Quotes between the last place looked at and this line feed toggle the quoted state.
        for (let q = chunk.indexOf(QUOTE, scanned); q >= 0 && q < lf; q = chunk.indexOf(QUOTE, q + 1)) quoted = !quoted;
        scanned = lf + 1;
        if (quoted) continue;
        out.push(chunk.subarray(from, lf), CRLF);
      } else {
        out.push(chunk.subarray(from, lf + 1));
      }
      from = lf + 1;
      records++;
      if (records === room) {
        full = true;
        break;
      }
    }
    if (csv && !full) for (let q = chunk.indexOf(QUOTE, scanned); q >= 0; q = chunk.indexOf(QUOTE, q + 1)) quoted = !quoted;
    if (!full && from < chunk.length) pending.push(Buffer.from(chunk.subarray(from)));
    if (records === 0) {
      // Nothing whole yet: keep what came before too.
      pending = [...out, ...pending];
      return { data: Buffer.alloc(0), records: 0, full, more: false };
    }
    return { data: Buffer.concat(out), records, full, more: full && from < chunk.length };
  };
}
