/**
 * Rows as NDJSON: one JSON array per line, values in the part's column order. Store values map to JSON
 * losslessly for strings, numbers, booleans and null; a Buffer (SQLite's text) becomes its UTF-8
 * string, a bigint a number when it is a safe integer and its decimal string otherwise, a Date its ISO
 * string, `undefined` null; a number that JSON cannot hold (NaN, ±Infinity) is refused, never rounded
 * to null. Lists and maps (JSON columns read as values) are kept as JSON.
 */
import { StringDecoder } from "node:string_decoder";
import { SluiceError } from "../../core/errors.js";

/** Plain text is handed on in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

function jsonValue(v: unknown, where: () => string): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      if (!Number.isFinite(v)) throw new SluiceError("sluice.internal", `${where()}: the number ${v} cannot be kept in a backup archive.`);
      return v;
    case "bigint":
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    case "undefined":
      return null;
    case "object":
      if (v === null) return null;
      if (Buffer.isBuffer(v)) return v.toString("utf8");
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8");
      if (v instanceof Date) return v.toISOString();
      return v;
    default:
      throw new SluiceError("sluice.internal", `${where()}: a ${typeof v} cannot be kept in a backup archive.`);
  }
}

export interface RowTally {
  rows: number;
  plainBytes: number;
}

/** The NDJSON text of `batches`, as UTF-8 chunks; `tally` counts rows and bytes as they go. */
export async function* ndjsonChunks(batches: AsyncIterable<readonly (readonly unknown[])[]>, columns: readonly string[], part: string, tally: RowTally): AsyncGenerator<Buffer> {
  let text = "";
  for await (const batch of batches) {
    for (const row of batch) {
      const n = tally.rows + 1;
      if (row.length !== columns.length) throw new SluiceError("sluice.internal", `part ${part} row ${n}: ${row.length} values for ${columns.length} columns.`);
      const values = row.map((v, i) => jsonValue(v, () => `part ${part} row ${n} column ${columns[i]}`));
      let line: string;
      try {
        line = JSON.stringify(values);
      } catch (error) {
        throw new SluiceError("sluice.internal", `part ${part} row ${n}: not JSON (${(error as Error).message}).`, { cause: error });
      }
      text += `${line}\n`;
      tally.rows = n;
      if (text.length >= CHUNK_CHARS) {
        const chunk = Buffer.from(text, "utf8");
        tally.plainBytes += chunk.length;
        text = "";
        yield chunk;
      }
    }
  }
  if (text !== "") {
    const chunk = Buffer.from(text, "utf8");
    tally.plainBytes += chunk.length;
    yield chunk;
  }
}

/** Splits NDJSON bytes into rows of `width` values; throws (a plain Error) on anything else. */
export class NdjsonRows {
  private readonly decoder = new StringDecoder("utf8");
  private rest = "";
  rows = 0;
  bytes = 0;

  constructor(private readonly width: number) {}

  /** The whole rows in this chunk (the start of an unfinished one is kept for the next). */
  push(chunk: Buffer, out: unknown[][]): void {
    this.bytes += chunk.length;
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      out.push(this.row(text.slice(start, nl)));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  end(): void {
    const rest = this.rest + this.decoder.end();
    if (rest !== "") throw new Error(`row ${this.rows + 1} is cut off (no line end)`);
  }

  private row(line: string): unknown[] {
    const n = ++this.rows;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`row ${n} is not JSON`);
    }
    if (!Array.isArray(value) || value.length !== this.width) throw new Error(`row ${n} is not a list of ${this.width} values`);
    return value;
  }
}
