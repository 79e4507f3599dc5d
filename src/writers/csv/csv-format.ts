/**
 * CSV rendering of one row (the hot path of every export). RFC 4180: comma separator, CRLF records,
 * quotes only around fields containing `,` `"` CR or LF, embedded quotes doubled, null → empty.
 * Embedded line breaks become `embeddedLineBreakEscape` (default the two characters `\n`) unless
 * `embeddedLineBreakPreserve` keeps them raw inside quotes. Measured in docs/benchmarks.md: a
 * hand-written formatter is ~3× faster here than a general CSV library, which is why it is not one.
 */
import { maxLength, plainEscape, truncate, type CsvOptions } from "../../core/csv.js";
import type { Column } from "../../core/entities/registry.js";
import { ChunkBuilder } from "./chunk-builder.js";

export type { CsvOptions };
/** Long text is cut the same way in every format (`core/csv.ts`). */
export { truncate };

type Formatter = (value: unknown) => string;
/** Writes one field into the chunk (used for long text that may arrive as UTF-8 bytes). */
type FieldWriter = (value: unknown, out: ChunkBuilder) => void;

const NEEDS_WORK = /[",\r\n]/;
const NEEDS_QUOTES_ESCAPED = /[",\r\n]/;
const LINE_BREAKS = /\r\n|\r|\n/g;
const QUOTE = /"/g;

/** Escapes one text field. */
export function textField(options: Pick<CsvOptions, "embeddedLineBreakPreserve" | "embeddedLineBreakEscape">): (s: string) => string {
  const escapeChar = options.embeddedLineBreakEscape;
  if (options.embeddedLineBreakPreserve) {
    return (s) => (NEEDS_WORK.test(s) ? `"${s.replace(QUOTE, '""')}"` : s);
  }
  return (s) => {
    if (!NEEDS_WORK.test(s)) return s;
    let t = s.indexOf("\n") >= 0 || s.indexOf("\r") >= 0 ? s.replace(LINE_BREAKS, escapeChar) : s;
    if (NEEDS_QUOTES_ESCAPED.test(t)) t = `"${t.replace(QUOTE, '""')}"`;
    return t;
  };
}


const QUOTE_BYTE = 0x22;
const COMMA_BYTE = 0x2c;
const CR_BYTE = 0x0d;
const LF_BYTE = 0x0a;

/**
 * Writes a long-text field given as UTF-8 bytes with the same rules as `textField`, without
 * decoding it: `indexOf` (memchr) decides whether the field needs any work, and a field that does is
 * copied in one pass, byte by byte, straight into the chunk's buffer (quotes doubled, line breaks
 * replaced). Falls back to the string path when the field must be truncated or the escape string
 * itself needs quoting. Measured in docs/benchmarks.md.
 */
function bytesTextWriter(options: CsvOptions, max: number): (b: Buffer, out: ChunkBuilder) => void {
  const text = textField(options);
  const escape = Buffer.from(options.embeddedLineBreakEscape, "utf8");
  const escapeLength = escape.length;
  const escapeIsPlain = plainEscape(options.embeddedLineBreakEscape);
  const preserve = options.embeddedLineBreakPreserve;
  return (b, out) => {
    if (b.length > max || !escapeIsPlain) {
      out.str(text(truncate(b.toString("utf8"), max)));
      return;
    }
    const q = b.indexOf(QUOTE_BYTE);
    const cr = b.indexOf(CR_BYTE);
    const lf = b.indexOf(LF_BYTE);
    const comma = b.indexOf(COMMA_BYTE);
    const lineBreak = cr >= 0 || lf >= 0;
    if (q < 0 && (preserve || !lineBreak)) {
      // Nothing to rewrite: copy as is, quoted when needed.
      const needsQuotes = comma >= 0 || (preserve && lineBreak);
      if (needsQuotes) out.str('"');
      out.bytes(b);
      if (needsQuotes) out.str('"');
      return;
    }
    const needsQuotes = q >= 0 || comma >= 0 || (preserve && lineBreak);
    const n = b.length;
    // Worst case: every byte a quote (2 bytes) or a line break (the escape).
    const buf = out.reserve(n * Math.max(2, escapeLength) + 2);
    let p = out.position;
    const p0 = p;
    if (needsQuotes) buf[p++] = QUOTE_BYTE;
    if (preserve) {
      for (let i = 0; i < n; i++) {
        const c = b[i]!;
        buf[p++] = c;
        if (c === QUOTE_BYTE) buf[p++] = QUOTE_BYTE;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const c = b[i]!;
        if (c > QUOTE_BYTE) buf[p++] = c;
        else if (c === QUOTE_BYTE) {
          buf[p++] = QUOTE_BYTE;
          buf[p++] = QUOTE_BYTE;
        } else if (c === LF_BYTE || c === CR_BYTE) {
          if (c === CR_BYTE && b[i + 1] === LF_BYTE) i++;
          for (let k = 0; k < escapeLength; k++) buf[p++] = escape[k]!;
        } else buf[p++] = c;
      }
    }
    if (needsQuotes) buf[p++] = QUOTE_BYTE;
    out.advance(p - p0);
  };
}

/** A writer per exported column: strings go through the formatter, long-text bytes through `bytesTextWriter`. */
export function columnWriter(column: Column, options: CsvOptions, instanceUrl: string): FieldWriter {
  const format = columnFormatter(column, options, instanceUrl);
  if (column.type !== "text") return (v, out) => out.str(format(v));
  const writeBytes = bytesTextWriter(options, maxLength(column.truncate, options));
  return (v, out) => {
    if (Buffer.isBuffer(v)) writeBytes(v, out);
    else out.str(format(v));
  };
}

/**
 * A formatter per exported column. `storedIndex` maps each exported column to its index in the
 * stored row (or -1 for the site's instance URL).
 */
export function columnFormatter(column: Column, options: CsvOptions, instanceUrl: string): Formatter {
  const text = textField(options);
  switch (column.type) {
    case "instance": {
      const value = text(instanceUrl);
      return () => value;
    }
    case "url": {
      return (v) => (v === null || v === undefined ? "" : text(instanceUrl + String(v)));
    }
    case "integer":
    case "decimal":
      return (v) => (v === null || v === undefined ? "" : String(v));
    case "boolean":
      return (v) => (v === null || v === undefined ? "" : v === true || v === 1 || v === "true" ? "true" : "false");
    case "json":
      return (v) => {
        if (v === null || v === undefined) return "";
        const s = typeof v === "string" ? v : JSON.stringify(v);
        return s === "[]" || s === "" ? "" : text(s);
      };
    case "text": {
      const max = maxLength(column.truncate, options);
      const str = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v));
      if (max === Infinity) return (v) => (v === null || v === undefined ? "" : text(str(v)));
      return (v) => (v === null || v === undefined ? "" : text(truncate(str(v), max)));
    }
    default:
      return (v) => (v === null || v === undefined ? "" : text(String(v)));
  }
}

/** Renders whole rows: stored values in, one CSV record (with CRLF) appended to the chunk. */
export function rowWriter(
  exported: readonly Column[],
  stored: readonly Column[],
  options: CsvOptions,
  instanceUrl: string,
): (row: readonly unknown[], out: ChunkBuilder) => void {
  const writers = exported.map((c) => columnWriter(c, options, instanceUrl));
  const indexes = exported.map((c) => stored.findIndex((s) => s.name === c.name));
  const n = writers.length;
  return (row, out) => {
    writers[0]!(row[indexes[0]!], out);
    for (let i = 1; i < n; i++) {
      out.str(",");
      writers[i]!(row[indexes[i]!], out);
    }
    out.str("\r\n");
  };
}

/** One row as a string (tests, small outputs). */
export function rowRenderer(
  exported: readonly Column[],
  stored: readonly Column[],
  options: CsvOptions,
  instanceUrl: string,
): (row: readonly unknown[]) => string {
  const write = rowWriter(exported, stored, options, instanceUrl);
  return (row) => {
    const out = new ChunkBuilder();
    write(row, out);
    return out.take().toString("utf8");
  };
}

export function headerLine(exported: readonly Column[]): string {
  return exported.map((c) => c.name).join(",") + "\r\n";
}
