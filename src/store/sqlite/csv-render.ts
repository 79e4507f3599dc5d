/**
 * CSV records rendered inside SQLite by the `sluice_csv` extension (native/sluice_csv.c, built into
 * dist/native by `npm run build`): one aggregate call per batch of rows returns the batch's records
 * as one buffer, so no row value crosses into JavaScript. Same bytes as the JavaScript row writer
 * (`test/sqlite-csv.test.ts`); used when line breaks are escaped with a plain escape string
 * (`storeRenderable`) and the extension is built, otherwise the export renders rows itself.
 *
 * Batches walk the key index: the batch's last key is found with an index-only `LIMIT 1 OFFSET`,
 * then the aggregate reads the rows up to it (the key index gives key order). Batch sizes adapt to
 * the bytes per row so that a batch holds about `BATCH_BYTES` whatever the rows' size.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";
import { maxLength, type EncodedChunk, type RecordEncoding } from "../../core/csv.js";
import { tableName, type Column } from "../../core/entities/registry.js";
import { keyRange, type EntityQuery } from "../../core/query.js";
import type { CompiledSql } from "../../query/compile.js";
import { quoteIdent } from "./schema.js";

const EXTENSION = fileURLToPath(
  new URL(`../../../native/sluice_csv.${process.platform === "darwin" ? "dylib" : "so"}`, import.meta.url),
);
/** Rendered bytes a batch aims at (the aggregate's buffer, then one Buffer in JavaScript). */
const BATCH_BYTES = 1024 * 1024;
const FIRST_BATCH_ROWS = 64;
const MAX_BATCH_ROWS = 4096;

/** Loads the extension into a connection; false when it was not built on this machine. */
export function loadCsvExtension(db: Database.Database): boolean {
  if (!existsSync(EXTENSION)) return false;
  try {
    // Entry point from the file name: sqlite3_sluicecsv_init.
    db.loadExtension(EXTENSION);
    return true;
  } catch {
    return false;
  }
}

/** The extension's spec letter (and truncation length) for one exported column. */
function specOf(column: Column, request: RecordEncoding): string {
  switch (column.type) {
    case "instance":
      return "i";
    case "url":
      return "u";
    case "integer":
    case "decimal":
      return "n";
    case "boolean":
      return "b";
    case "json":
      return "j";
    case "text": {
      const max = maxLength(column.truncate, request.csv);
      // No SQLite value reaches 2^31 bytes (so not 2^31 UTF-16 units): a larger limit never cuts.
      return max >= 2 ** 31 ? "t" : `t${max}`;
    }
    default:
      return "s";
  }
}

/**
 * The records of the rows `query` selects, in key order, in batches. `range` is the query's WHERE
 * compiled without its key range (site, cursor, opt-outs, access), which bounds the walk and the
 * batches here instead.
 */
export async function* sqliteCsvRecords(
  db: Database.Database,
  siteId: number,
  query: EntityQuery,
  range: CompiledSql,
  request: RecordEncoding,
  isOpen: () => boolean,
): AsyncIterable<EncodedChunk> {
  const def = query.entity;
  const bounds = keyRange(query);
  const table = quoteIdent(tableName(def));
  const index = quoteIdent(`${tableName(def)}_key`);
  const key = `(${def.key.map(quoteIdent).join(", ")})`;
  const marks = `(${def.key.map(() => "?").join(", ")})`;
  const spec = request.columns.map((c) => specOf(c, request)).join("");
  const values = request.columns.filter((c) => c.type !== "instance").map((c) => quoteIdent(c.name));
  const render = `sluice_csv(?, ?, ?${values.map((v) => `, ${v}`).join("")})`;
  const head = [spec, request.csv.embeddedLineBreakEscape, request.instanceUrl];

  // Each statement gets exactly one lower and one upper key bound (SQLite ranges the index on one
  // pair only): after the previous batch or from keyFrom, up to the batch's last key or before keyBefore.
  const lower = (after: boolean) => (after ? `${key} > ${marks}` : bounds.from ? `${key} >= ${marks}` : "");
  const upper = (upTo: boolean) => (upTo ? `${key} <= ${marks}` : bounds.before ? `${key} < ${marks}` : "");
  const where = (...parts: string[]) => parts.filter(Boolean).join(" AND ");
  const columns = def.key.map(quoteIdent).join(", ");
  const walk = (after: boolean) =>
    db
      .prepare(
        `SELECT ${columns} FROM ${table} INDEXED BY ${index} WHERE ${where("site_id = ?", lower(after), upper(false))}
         ORDER BY site_id, ${columns} LIMIT 1 OFFSET ?`,
      )
      .raw(true);
  const batch = (after: boolean, upTo: boolean) =>
    db
      .prepare(`SELECT ${render}, count(*) FROM ${table} INDEXED BY ${index} WHERE ${where(range.sql, lower(after), upper(upTo))}`)
      .raw(true);
  const statements = {
    walkFirst: walk(false),
    walkNext: walk(true),
    firstUpTo: batch(false, true),
    first: batch(false, false),
    nextUpTo: batch(true, true),
    next: batch(true, false),
  };
  const lowerParams = (after: readonly unknown[] | undefined) => after ?? bounds.from ?? [];
  const upperParams = (upTo: readonly unknown[] | undefined) => upTo ?? bounds.before ?? [];

  let after: unknown[] | undefined;
  let rows = FIRST_BATCH_ROWS;
  for (;;) {
    if (!isOpen()) throw new Error("the snapshot is closed");
    const upTo = (after ? statements.walkNext : statements.walkFirst).get(siteId, ...lowerParams(after), ...upperParams(undefined), rows - 1) as unknown[] | undefined;
    const statement = after ? (upTo ? statements.nextUpTo : statements.next) : upTo ? statements.firstUpTo : statements.first;
    const [bytes, count] = statement.get(...head, ...range.parameters, ...lowerParams(after), ...upperParams(upTo)) as [Buffer | null, number];
    if (bytes && count > 0) {
      yield { bytes, rows: count };
      rows = Math.max(FIRST_BATCH_ROWS, Math.min(MAX_BATCH_ROWS, Math.floor(BATCH_BYTES / Math.max(1, bytes.length / count))));
    } else {
      rows = MAX_BATCH_ROWS;
    }
    if (!upTo) return;
    after = upTo;
  }
}
