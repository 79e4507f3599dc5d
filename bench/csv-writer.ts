/**
 * Benchmark: the hand-written CSV row writer (the export's hot path) against csv-stringify, a
 * well-kept general CSV library, on the same 200,000 page rows (~2 KB of text each) held in memory.
 * Same rules for both: quotes only where needed, CRLF, line breaks escaped as `\n`, instance URL prefix.
 *
 *   npm run build && node dist/bench/csv-writer.js [--rows N]
 */
import { stringify } from "csv-stringify/sync";
import { entity, exportColumns, storedColumns } from "../src/core/entities/registry.js";
import { ChunkBuilder } from "../src/writers/csv/chunk-builder.js";
import { rowWriter, type CsvOptions } from "../src/writers/csv/csv-format.js";

const i = process.argv.indexOf("--rows");
const ROWS = i > 0 ? Number(process.argv[i + 1]) : 200_000;
const INSTANCE = "http://localhost:8080/wiki";
const options: CsvOptions = { embeddedLineBreakPreserve: false, embeddedLineBreakEscape: "\\n", descriptionMaxLength: 2000, pageContentMaxLength: 100_000 };

const def = entity("confluence", "pages");
const stored = storedColumns(def);
const exported = exportColumns(def, 1);
const paragraph =
  'Quarterly planning notes: "budget", headcount, and risks. Owners: Zoë, 李雷, Ольга.\nNext steps — review, sign-off; ship 🚀. ';
const content = paragraph.repeat(Math.ceil(2000 / paragraph.length)).slice(0, 2000);

function row(n: number, text: string | Buffer): unknown[] {
  const values: Record<string, unknown> = {
    page_id: 100000 + n,
    space_key: "ENG",
    page_url: `/pages/viewpage.action?pageId=${100000 + n}`,
    page_type: "page",
    page_title: `Page ${n}, draft`,
    page_status: "current",
    page_content: text,
    page_parent_id: n > 0 ? 100000 + n - 1 : null,
    labels: '["planning","q3"]',
    page_version: 3,
    creator_id: "8a7f8081abc",
    last_modifier_id: "8a7f8081def",
    created_date: "2025-01-03T20:57:10Z",
    updated_date: "2025-02-03T20:57:10Z",
    last_update_description: null,
    scope_key: "ENG",
  };
  return stored.map((c) => values[c.name] ?? null);
}

const asBytes = Array.from({ length: 1000 }, (_, n) => row(n, Buffer.from(content, "utf8")));
const asText = Array.from({ length: 1000 }, (_, n) => row(n, content));

function time(name: string, fn: () => number): { name: string; seconds: number; bytes: number } {
  fn(); // warm up
  const c0 = process.cpuUsage();
  const bytes = fn();
  const c = process.cpuUsage(c0);
  return { name, seconds: (c.user + c.system) / 1e6, bytes };
}

const write = rowWriter(exported, stored, options, INSTANCE);
function sluice(rows: unknown[][]): number {
  let bytes = 0;
  const chunk = new ChunkBuilder();
  for (let done = 0; done < ROWS; done += rows.length) {
    for (const r of rows) write(r, chunk);
    bytes += chunk.take().length;
  }
  return bytes;
}

const escape = (s: string) => s.replace(/\r\n|\r|\n/g, "\\n");
function library(rows: unknown[][]): number {
  let bytes = 0;
  const urlIdx = stored.findIndex((c) => c.name === "page_url");
  for (let done = 0; done < ROWS; done += rows.length) {
    const records = rows.map((r) => exported.map((c) => {
      if (c.type === "instance") return INSTANCE;
      const v = r[stored.findIndex((s) => s.name === c.name)];
      if (c.name === "page_url") return INSTANCE + String(r[urlIdx]);
      return v === null ? null : typeof v === "string" ? escape(v) : v;
    }));
    const text = stringify(records, { record_delimiter: "windows", cast: { boolean: (b) => String(b) } });
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

const results = [
  time("Sluice row writer, long text as UTF-8 bytes (SQLite path)", () => sluice(asBytes)),
  time("Sluice row writer, long text as strings (PostgreSQL path)", () => sluice(asText)),
  ...(process.argv.includes("--sluice-only") ? [] : [time("csv-stringify 6 (sync), same rules", () => library(asText))]),
];
process.stdout.write(`\nCSV rendering of ${ROWS.toLocaleString("en")} Confluence page rows (~2 KB text), CPU time\n\n| writer | CPU s | rows/s | MB/s |\n|---|---:|---:|---:|\n`);
for (const r of results) {
  process.stdout.write(`| ${r.name} | ${r.seconds.toFixed(2)} | ${Math.round(ROWS / r.seconds).toLocaleString("en")} | ${(r.bytes / 1024 / 1024 / r.seconds).toFixed(0)} |\n`);
}
const base = results[2]?.seconds ?? NaN;
process.stdout.write(`\nspeed-up over csv-stringify: ${(base / results[0]!.seconds).toFixed(1)}x (bytes), ${(base / results[1]!.seconds).toFixed(1)}x (strings)\n`);
