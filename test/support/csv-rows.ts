/**
 * What the store-rendered CSV tests share (`test/sqlite-csv.test.ts`, `test/csv-copy.test.ts`): rows
 * with the values that make CSV hard, the export's own CSV writer as the reference, and a store's
 * rendered records collected.
 */
import type { CsvOptions } from "../../src/core/csv.js";
import { exportColumns, storedColumns, type EntityDef } from "../../src/core/entities/registry.js";
import { ChunkBuilder } from "../../src/writers/csv/chunk-builder.js";
import { rowWriter } from "../../src/writers/csv/csv-format.js";
import type { Snapshot } from "../../src/store/port.js";
import { exportQuery, type ExportWindow } from "../../src/core/query.js";

/** `descriptionMaxLength` 12 puts a character beyond U+FFFF across the cut in some of HARD_TEXT. */
export const DEFAULTS: CsvOptions = {
  embeddedLineBreakPreserve: false,
  embeddedLineBreakEscape: "\\n",
  descriptionMaxLength: 12,
  pageContentMaxLength: 100_000,
};

export const HARD_TEXT = [
  null,
  "",
  "plain",
  "a,b",
  'say "hi"',
  "crlf\r\nlf\ncr\rend",
  "\r\n",
  "\n\r",
  "emoji 🚀 at twelve",
  "12345678901🚀 straddles",
  "1234567890🚀 fits",
  'ends with quote"',
  "tab\there, ümlaut, 李雷, Ольга",
  "1234567890ü2345 two-byte at the cut",
];

/** A stored row of `def` number `i`: `values` by column name, the rest varied by type. */
export function row(def: EntityDef, i: number, values: Record<string, unknown>): unknown[] {
  return storedColumns(def).map((c) => {
    if (c.name in values) return values[c.name];
    if (def.key.includes(c.name)) return c.type === "integer" ? i : `k${String(i).padStart(6, "0")}`;
    if (c.name === "scope_key") return ["A", "B", null][i % 3];
    switch (c.type) {
      case "integer":
        return i % 4 === 0 ? null : i * 7;
      case "boolean":
        return i % 3 === 0 ? null : i % 3 === 1;
      case "datetime":
        return i % 5 === 0 ? null : `2024-03-${String((i % 28) + 1).padStart(2, "0")}T01:02:03Z`;
      case "date":
        return i % 5 === 1 ? null : `2024-04-${String((i % 28) + 1).padStart(2, "0")}`;
      case "json":
        return [null, [], ["a,b", 'q"'], ["x"]][i % 4];
      case "url":
        return i % 6 === 0 ? null : `/browse/K-${i}`;
      default:
        return HARD_TEXT[i % HARD_TEXT.length];
    }
  });
}

/** The rows as the export's CSV writer renders them (the reference). */
export async function written(snapshot: Snapshot, def: EntityDef, csv: CsvOptions, instanceUrl: string, filter: ExportWindow = {}): Promise<string> {
  const write = rowWriter(exportColumns(def, 1), storedColumns(def), csv, instanceUrl);
  const out = new ChunkBuilder();
  for await (const batch of snapshot.rows(exportQuery(def, filter), 7)) for (const r of batch) write(r, out);
  return out.take().toString("utf8");
}

/** The records the store renders itself, or undefined when it declines. */
export async function storeRendered(
  snapshot: Snapshot,
  def: EntityDef,
  csv: CsvOptions,
  instanceUrl: string,
  filter: ExportWindow = {},
): Promise<{ text: string; rows: number; chunks: number } | undefined> {
  const records = await snapshot.encode!(exportQuery(def, filter), { format: "csv", columns: exportColumns(def, 1), csv, instanceUrl });
  if (!records) return undefined;
  const parts: Buffer[] = [];
  let rows = 0;
  for await (const chunk of records) {
    parts.push(chunk.bytes);
    rows += chunk.rows;
  }
  return { text: Buffer.concat(parts).toString("utf8"), rows, chunks: parts.length };
}
