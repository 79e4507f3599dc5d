/**
 * The typed record writers (JSON, NDJSON, XLSX, Parquet) behind the `RecordWriter` port: registry
 * columns and hand-made rows with hard values written and read back by independent readers
 * (`JSON.parse`, exceljs, DuckDB), empty files, what `close` reports against the file on disk, owner-only
 * files with no `.partial` left, nothing left after `abort`, XLSX sheet rollover and cell limit, and a
 * Parquet file of 200,000 rows written in flat memory.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import ExcelJS from "exceljs";
import type { CsvOptions } from "../src/core/csv.js";
import { entity, exportColumns, storedColumns, type Column, type EntityDef } from "../src/core/entities/registry.js";
import { isSluiceError } from "../src/core/errors.js";
import { OUTPUT_FORMATS, writerFactory } from "../src/writers/index.js";
import { jsonWriter, ndjsonWriter } from "../src/writers/json/index.js";
import { parquetWriter, parquetWriterWith } from "../src/writers/parquet/index.js";
import type { RecordLayout, WriterFactory, WrittenFile } from "../src/writers/port.js";
import { typedRow, valueType } from "../src/writers/values.js";
import { xlsxWriter, xlsxWriterWith } from "../src/writers/xlsx/index.js";

const INSTANCE = "https://wiki.example.com/confluence";
const VALUES: CsvOptions = { embeddedLineBreakPreserve: false, embeddedLineBreakEscape: "\\n", descriptionMaxLength: 20, pageContentMaxLength: 30 };
const MAX_SAFE = 2 ** 53 - 1;

type Values = Record<string, unknown>;

/** One file's columns and rows: store values in, the typed values expected out (unnamed: null). */
interface Dataset {
  name: string;
  layout: RecordLayout;
  rows: unknown[][];
  expected: Values[];
}

function layoutOf(def: EntityDef, version: number, values: CsvOptions = VALUES): RecordLayout {
  return { columns: exportColumns(def, version), input: storedColumns(def), instanceUrl: INSTANCE, values };
}

function dataset(name: string, layout: RecordLayout, rows: { stored: Values; typed: Values }[]): Dataset {
  return {
    name,
    layout,
    rows: rows.map((r) => layout.input.map((c) => (c.name in r.stored ? r.stored[c.name] : null))),
    expected: rows.map((r) => {
      const out: Values = {};
      for (const c of layout.columns) out[c.name] = c.type === "instance" ? INSTANCE : c.name in r.typed ? r.typed[c.name] : null;
      return out;
    }),
  };
}

const pages = dataset("pages", layoutOf(entity("confluence", "pages"), 1), [
  {
    stored: {
      page_id: 1, space_key: "ENG", page_url: "/display/ENG/Home", page_type: "page", page_title: 'Quotes "q", commas, 🚀 and ü',
      page_status: "current", page_content: Buffer.from("l1\r\nl2\rl3\nend ✓ 😀", "utf8"), page_parent_id: null,
      labels: '["a","b"]', page_version: 3, creator_id: "", last_modifier_id: null, created_date: "2021-01-03T20:57:10Z",
      updated_date: "2024-02-29T23:59:59Z", last_update_description: 'x,y\r\n"z"', scope_key: "ENG",
    },
    typed: {
      page_id: 1, space_key: "ENG", page_url: `${INSTANCE}/display/ENG/Home`, page_type: "page", page_title: 'Quotes "q", commas, 🚀 and ü',
      page_status: "current", page_content: "l1\r\nl2\rl3\nend ✓ 😀", labels: '["a","b"]', page_version: 3, creator_id: "",
      created_date: "2021-01-03T20:57:10Z", updated_date: "2024-02-29T23:59:59Z", last_update_description: 'x,y\r\n"z"',
    },
  },
  {
    // 29 units, then an emoji straddling the cut at 30: the whole emoji goes.
    stored: { page_id: MAX_SAFE, page_url: null, page_title: "", page_content: `${"a".repeat(29)}😀tail`, labels: "[]", page_version: 0, page_parent_id: -0 },
    typed: { page_id: MAX_SAFE, page_title: "", page_content: "a".repeat(29), labels: "[]", page_version: 0, page_parent_id: 0 },
  },
  {
    stored: { page_id: 3, labels: "not json", page_content: "ß".repeat(30), updated_date: "1999-12-31T00:00:00Z" },
    typed: { page_id: 3, labels: "not json", page_content: "ß".repeat(30), updated_date: "1999-12-31T00:00:00Z" },
  },
]);

const issues = dataset("issues", layoutOf(entity("jira", "issues"), 2), [
  {
    stored: {
      id: 10, url: "/browse/ENG-1", key: "ENG-1", summary: "emoji 🚀, 2-byte ß é", description: "0123456789012345678😀 rest",
      story_points: 0.1 + 0.2, due_date: "2024-02-29", created_date: "2021-01-03T20:57:10Z", resolution_date: null,
      sprint_ids: "[1,2]", labels: "[]", components: '["c,1","c\\"2"]', watchers: -0, votes: MAX_SAFE,
      environment: Buffer.from("env\r\nline", "utf8"), fix_versions: '[\n  "1.0"\n]', scope_key: "ENG",
    },
    typed: {
      id: 10, url: `${INSTANCE}/browse/ENG-1`, key: "ENG-1", summary: "emoji 🚀, 2-byte ß é", description: "0123456789012345678",
      story_points: 0.1 + 0.2, due_date: "2024-02-29", created_date: "2021-01-03T20:57:10Z", sprint_ids: "[1,2]", labels: "[]",
      components: '["c,1","c\\"2"]', watchers: 0, votes: MAX_SAFE, environment: "env\r\nline", fix_versions: '[\n  "1.0"\n]',
    },
  },
  {
    stored: { id: 11, key: "ENG-2", description: "", story_points: -1.5, due_date: "1970-01-01", updated_date: "2038-01-19T03:14:08Z" },
    typed: { id: 11, key: "ENG-2", description: "", story_points: -1.5, due_date: "1970-01-01", updated_date: "2038-01-19T03:14:08Z" },
  },
]);

const users = dataset("users", layoutOf(entity("jira", "users"), 2), [
  { stored: { user_id: "u1", active: 1 }, typed: { user_id: "u1", active: true } },
  { stored: { user_id: "u2", active: 0 }, typed: { user_id: "u2", active: false } },
  { stored: { user_id: "u3", active: true }, typed: { user_id: "u3", active: true } },
  { stored: { user_id: "u4", active: false }, typed: { user_id: "u4", active: false } },
  { stored: { user_id: "u5", active: null, user_email: "x@example.com" }, typed: { user_id: "u5", user_email: "x@example.com" } },
]);

const DATASETS = [pages, issues, users];

const names = (columns: readonly Column[]) => columns.map((c) => c.name);
const asObject = (columns: readonly Column[], values: readonly unknown[]): Values => Object.fromEntries(columns.map((c, i) => [c.name, values[i]]));

let root: string;
let seq = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-writers-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(root, `d${++seq}-`));
  return dir;
}

/** Writes a dataset in batches of two rows; checks what close says against the file on disk. */
async function writeDataset(factory: WriterFactory, data: Dataset, rows = data.rows, title?: string): Promise<WrittenFile> {
  const dir = await freshDir();
  const name = `${data.name}${factory.extension}`;
  const writer = await factory.open({ directory: dir, name, ...(title ? { title } : {}) }, data.layout);
  for (let i = 0; i < rows.length; i += 2) await writer.write(rows.slice(i, i + 2));
  assert.equal(writer.rows, rows.length);
  const file = await writer.close();
  await checkFile(file, dir, name, rows.length);
  return file;
}

async function checkFile(file: WrittenFile, dir: string, name: string, rows: number): Promise<void> {
  assert.equal(file.name, name);
  assert.equal(file.path, join(dir, name));
  assert.equal(file.rows, rows);
  assert.deepEqual(await readdir(dir), [name], "only the final file is left (no .partial, no parts)");
  const info = await stat(file.path);
  assert.equal(info.mode & 0o777, 0o600);
  assert.equal(file.bytes, info.size);
  assert.equal(file.sha256, createHash("sha256").update(await readFile(file.path)).digest("hex"));
}

/** A json-typed value as a JSON reader sees it: the parsed JSON, or the text when it is not JSON. */
function parsedJson(text: unknown): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function jsonExpected(data: Dataset, row: Values): Values {
  const out: Values = {};
  for (const c of data.layout.columns) out[c.name] = c.type === "json" ? parsedJson(row[c.name]) : row[c.name];
  return out;
}

describe("typed values", () => {
  it("maps column types to value types", () => {
    const types = exportColumns(entity("jira", "issues"), 2).map((c) => [c.type, valueType(c)]);
    for (const [type, value] of types) {
      const expected = type === "text" || type === "url" || type === "instance" ? "string" : type;
      assert.equal(value, expected);
    }
  });
  it("converts store rows to the file columns' typed values, as CSV does", () => {
    for (const data of DATASETS) {
      const typed = typedRow(data.layout);
      assert.deepEqual(
        data.rows.map((r) => asObject(data.layout.columns, typed(r))),
        data.expected,
        data.name,
      );
    }
  });
});

describe("writer factories", () => {
  it("gives a factory for each format and refuses the others", () => {
    const expected = {
      csv: [".csv", "text/csv; charset=utf-8"],
      json: [".json", "application/json"],
      ndjson: [".ndjson", "application/x-ndjson"],
      xlsx: [".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      parquet: [".parquet", "application/vnd.apache.parquet"],
    };
    for (const [format, [extension, contentType]] of Object.entries(expected)) {
      const factory = writerFactory(format as keyof typeof expected);
      assert.equal(factory.format, format);
      assert.equal(factory.extension, extension);
      assert.equal(factory.contentType, contentType);
    }
    assert.deepEqual([...OUTPUT_FORMATS].sort(), Object.keys(expected).sort());
    assert.throws(() => writerFactory("yaml" as "csv"), (e: unknown) => isSluiceError(e) && e.code === "sluice.format.unknown");
  });
});

describe("json writer", () => {
  it("round-trips typed values: one row per line, json values embedded, columns typed", async () => {
    for (const data of DATASETS) {
      const file = await writeDataset(jsonWriter, data);
      const text = await readFile(file.path, "utf8");
      const lines = text.split("\n");
      assert.equal(lines.length, data.rows.length + 3, "head, one line per row, tail, final newline");
      const doc = JSON.parse(text) as { columns: { name: string; type: string }[]; rows: unknown[][] };
      assert.deepEqual(doc.columns, data.layout.columns.map((c) => ({ name: c.name, type: valueType(c) })));
      assert.deepEqual(doc.rows.map((r) => asObject(data.layout.columns, r)), data.expected.map((e) => jsonExpected(data, e)));
    }
    const doc = JSON.parse(await readFile((await writeDataset(jsonWriter, issues)).path, "utf8")) as { columns: { name: string; type: string }[] };
    const type = (name: string) => doc.columns.find((c) => c.name === name)?.type;
    assert.deepEqual(["id", "url", "instance_url", "story_points", "due_date", "created_date", "labels", "description"].map(type),
      ["integer", "string", "string", "decimal", "date", "datetime", "json", "string"]);
  });
  it("writes an empty file as columns and no rows", async () => {
    const file = await writeDataset(jsonWriter, pages, []);
    const doc = JSON.parse(await readFile(file.path, "utf8")) as { columns: unknown[]; rows: unknown[] };
    assert.equal(doc.columns.length, pages.layout.columns.length);
    assert.deepEqual(doc.rows, []);
  });
});

describe("ndjson writer", () => {
  it("round-trips typed values, one object per line", async () => {
    for (const data of DATASETS) {
      const file = await writeDataset(ndjsonWriter, data);
      const text = await readFile(file.path, "utf8");
      assert.ok(text.endsWith("\n"));
      const lines = text.slice(0, -1).split("\n");
      assert.equal(lines.length, data.rows.length);
      assert.deepEqual(lines.map((l) => JSON.parse(l) as Values), data.expected.map((e) => jsonExpected(data, e)));
      assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as Values), names(data.layout.columns));
    }
  });
  it("writes an empty file for no rows", async () => {
    const file = await writeDataset(ndjsonWriter, pages, []);
    assert.equal(file.bytes, 0);
  });
});

/** A cell value as the XLSX should hold it: numbers, booleans, dates as Date, strings. */
function xlsxExpected(data: Dataset, row: Values): unknown[] {
  return data.layout.columns.map((c) => {
    const v = row[c.name];
    if (v === null) return null;
    if (c.type === "datetime") return new Date(String(v));
    if (c.type === "date") return new Date(`${String(v)}T00:00:00Z`);
    // XML (and so XLSX) has one line break: LF.
    return typeof v === "string" ? v.replace(/\r\n?/g, "\n") : v;
  });
}

/** Values of a sheet row, one per column (exceljs rows are 1-based and sparse). */
function sheetRow(sheet: ExcelJS.Worksheet, index: number, width: number): unknown[] {
  const row = sheet.getRow(index);
  return Array.from({ length: width }, (_, i) => {
    const v = row.getCell(i + 1).value;
    return v === undefined ? null : v;
  });
}

describe("xlsx writer", () => {
  it("round-trips typed cells under a bold header", async () => {
    for (const data of DATASETS) {
      const file = await writeDataset(xlsxWriter, data);
      assert.equal(file.warnings, undefined);
      const book = await new ExcelJS.Workbook().xlsx.readFile(file.path);
      assert.deepEqual(book.worksheets.map((s) => s.name), [data.name]);
      const sheet = book.worksheets[0]!;
      const width = data.layout.columns.length;
      assert.deepEqual(sheetRow(sheet, 1, width), names(data.layout.columns));
      assert.equal(sheet.getRow(1).getCell(1).font?.bold, true);
      assert.equal(sheet.rowCount, data.rows.length + 1);
      data.expected.forEach((e, i) => {
        const cells = sheetRow(sheet, i + 2, width);
        // exceljs reads an empty string cell back as no value.
        const expected = xlsxExpected(data, e).map((v) => (v === "" ? null : v));
        assert.deepEqual(cells, expected, `${data.name} row ${i + 1}`);
        data.layout.columns.forEach((c, k) => {
          const cell = cells[k];
          if (cell === null) return;
          const type = valueType(c);
          if (type === "integer" || type === "decimal") assert.equal(typeof cell, "number");
          else if (type === "boolean") assert.equal(typeof cell, "boolean");
          else if (type === "datetime" || type === "date") {
            assert.ok(cell instanceof Date);
            assert.equal(sheet.getRow(i + 2).getCell(k + 1).numFmt, type === "date" ? "yyyy-mm-dd" : "yyyy-mm-dd hh:mm:ss");
          } else assert.equal(typeof cell, "string");
        });
      });
    }
  });
  it("writes a header-only sheet for no rows and names it from the title by Excel's rules", async () => {
    const file = await writeDataset(xlsxWriter, pages, [], "Pages: [ENG] a/b*c?d\\e and a very long title indeed");
    const book = await new ExcelJS.Workbook().xlsx.readFile(file.path);
    const sheet = book.worksheets[0]!;
    assert.equal(sheet.name, "Pages_ _ENG_ a_b_c_d_e and a ve");
    assert.ok(sheet.name.length <= 31);
    assert.equal(sheet.rowCount, 1);
  });
  it("continues on a new sheet with the header repeated when a sheet is full", async () => {
    const rows = Array.from({ length: 5 }, (_, i) => users.rows[i % users.rows.length]!);
    const file = await writeDataset(xlsxWriterWith({ maxRowsPerSheet: 3 }), users, rows, "People");
    const book = await new ExcelJS.Workbook().xlsx.readFile(file.path);
    assert.deepEqual(book.worksheets.map((s) => s.name), ["People", "People (2)", "People (3)"]);
    const width = users.layout.columns.length;
    const expected = rows.map((_, i) => xlsxExpected(users, users.expected[i % users.expected.length]!));
    const seen: unknown[][] = [];
    for (const sheet of book.worksheets) {
      assert.deepEqual(sheetRow(sheet, 1, width), names(users.layout.columns));
      for (let r = 2; r <= sheet.rowCount; r++) seen.push(sheetRow(sheet, r, width));
    }
    assert.deepEqual(book.worksheets.map((s) => s.rowCount), [3, 3, 2]);
    assert.deepEqual(seen, expected);
  });
  it("cuts a string over Excel's cell limit and says so", async () => {
    const layout = layoutOf(entity("confluence", "pages"), 1, { ...VALUES, pageContentMaxLength: 100_000 });
    const long = `${"a".repeat(32_766)}😀${"b".repeat(10)}`;
    const data = dataset("long", layout, [
      { stored: { page_id: 1, page_content: long, page_title: "c".repeat(40_000) }, typed: {} },
      { stored: { page_id: 2, page_content: long }, typed: {} },
      { stored: { page_id: 3, page_content: "short" }, typed: {} },
    ]);
    const file = await writeDataset(xlsxWriter, data);
    assert.deepEqual(file.warnings, [
      "column page_title: 1 cell cut to Excel's limit of 32767 characters",
      "column page_content: 2 cells cut to Excel's limit of 32767 characters",
    ]);
    const sheet = (await new ExcelJS.Workbook().xlsx.readFile(file.path)).worksheets[0]!;
    const content = names(layout.columns).indexOf("page_content") + 1;
    assert.equal(sheet.getRow(2).getCell(content).value, "a".repeat(32_766));
    assert.equal(sheet.getRow(4).getCell(content).value, "short");
  });
});

/** A DuckDB to read Parquet files back with (UTC session). */
async function readParquet(path: string, columns: readonly Column[]): Promise<{ types: Values; rows: Values[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const from = `read_parquet('${path.replace(/'/g, "''")}')`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`)).getRowObjects();
    const types = Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)]));
    const select = columns.map((c) => {
      const q = `"${c.name}"`;
      if (c.type === "datetime") return `strftime(${q}, '%Y-%m-%dT%H:%M:%SZ') AS ${q}`;
      if (c.type === "date") return `strftime(${q}, '%Y-%m-%d') AS ${q}`;
      if (c.type === "integer") return `${q}::DOUBLE AS ${q}`;
      return q;
    });
    const rows = (await conn.runAndReadAll(`SELECT ${select.join(", ")} FROM ${from}`)).getRowObjects() as Values[];
    return { types, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Writes `total` pages rows of ~1 KB to a Parquet file in batches of 1,000. */
async function writeBig(layout: RecordLayout, dir: string, total: number, body: string, sample: () => void): Promise<WrittenFile> {
  const writer = await parquetWriter.open({ directory: dir, name: "big.parquet" }, layout);
  for (let b = 0; b < total; b += 1000) {
    const batch = Array.from({ length: 1000 }, (_, i) => {
      const id = b + i + 1;
      return layout.input.map((c) => {
        switch (c.name) {
          case "page_id": return id;
          case "page_content": return `${id} ${body}`;
          case "page_title": return `Page ${id}`;
          case "labels": return '["a","b"]';
          case "created_date": return "2021-01-03T20:57:10Z";
          case "page_url": return `/pages/${id}`;
          default: return null;
        }
      });
    });
    await writer.write(batch);
    sample();
  }
  return writer.close();
}

const PARQUET_TYPES: Record<string, string> = {
  integer: "BIGINT", decimal: "DOUBLE", boolean: "BOOLEAN", datetime: "TIMESTAMP WITH TIME ZONE", date: "DATE",
  json: "VARCHAR", string: "VARCHAR", text: "VARCHAR", url: "VARCHAR", instance: "VARCHAR",
};

describe("parquet writer", () => {
  it("round-trips typed columns in one part and in many", async () => {
    for (const factory of [parquetWriter, parquetWriterWith({ partRows: 2 }), parquetWriterWith({ partBytes: 1 })]) {
      for (const data of DATASETS) {
        const file = await writeDataset(factory, data);
        const { types, rows } = await readParquet(file.path, data.layout.columns);
        assert.deepEqual(types, Object.fromEntries(data.layout.columns.map((c) => [c.name, PARQUET_TYPES[c.type]])));
        assert.deepEqual(rows, data.expected, data.name);
      }
    }
  });
  it("keeps integers as BIGINT values", async () => {
    const file = await writeDataset(parquetWriter, pages);
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      const ids = (await conn.runAndReadAll(`SELECT page_id FROM read_parquet('${file.path}')`)).getRows().map((r) => r[0]);
      assert.deepEqual(ids, [1n, BigInt(MAX_SAFE), 3n]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
  it("writes a typed file of no rows", async () => {
    const file = await writeDataset(parquetWriter, issues, []);
    const { types, rows } = await readParquet(file.path, issues.layout.columns);
    assert.equal(types.due_date, "DATE");
    assert.equal(types.created_date, "TIMESTAMP WITH TIME ZONE");
    assert.equal(Object.keys(types).length, issues.layout.columns.length);
    assert.deepEqual(rows, []);
  });
  it("writes 200,000 rows of ~1 KB in batches of 1,000 with flat memory", async () => {
    const layout = layoutOf(entity("confluence", "pages"), 1, { ...VALUES, pageContentMaxLength: 100_000 });
    const dir = await freshDir();
    const body = "lorem ipsum dolor sit amet, ".repeat(36);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 10);
    const started = Date.now();
    const total = 200_000;
    let file: WrittenFile;
    try {
      file = await writeBig(layout, dir, total, body, sample);
    } finally {
      clearInterval(timer);
    }
    sample();
    const seconds = (Date.now() - started) / 1000;
    const growth = (peak - rss0) / (1 << 20);
    console.log(`parquet 200,000 rows × ~1 KB: ${seconds.toFixed(1)} s, RSS growth ${growth.toFixed(0)} MB (peak ${(peak / (1 << 20)).toFixed(0)} MB)`);
    await checkFile(file, dir, "big.parquet", total);
    assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MB`);
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    try {
      const [row] = (await conn.runAndReadAll(
        `SELECT count(*), min(page_id), max(page_id), bool_and(page_content = page_id::VARCHAR || ' ' || '${body}') FROM read_parquet('${file.path}')`,
      )).getRows();
      assert.deepEqual(row, [200_000n, 1n, 200_000n, true]);
      const ordered = (await conn.runAndReadAll(`SELECT bool_and(page_id = rn) FROM (SELECT page_id, row_number() OVER () AS rn FROM read_parquet('${file.path}'))`)).getRows();
      assert.deepEqual(ordered, [[true]]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

describe("abort", () => {
  const factories: [string, WriterFactory][] = [
    ["json", jsonWriter],
    ["ndjson", ndjsonWriter],
    ["xlsx", xlsxWriter],
    ["parquet", parquetWriter],
    ["parquet in parts", parquetWriterWith({ partRows: 2 })],
  ];
  for (const [label, factory] of factories) {
    it(`leaves nothing behind (${label})`, async () => {
      const dir = await freshDir();
      const writer = await factory.open({ directory: dir, name: `pages${factory.extension}` }, pages.layout);
      await writer.write(pages.rows);
      await writer.write(pages.rows);
      if (label === "parquet in parts") assert.ok((await readdir(dir)).some((n) => n.endsWith(".parts")), "parts were written");
      await writer.abort();
      assert.deepEqual(await readdir(dir), []);
      await assert.rejects(writer.write(pages.rows));
    });
  }
  it("refuses a file name that is being written", async () => {
    const dir = await freshDir();
    for (const factory of [jsonWriter, xlsxWriter, parquetWriter]) {
      const target = { directory: dir, name: `same${factory.extension}` };
      const first = await factory.open(target, pages.layout);
      await assert.rejects(factory.open(target, pages.layout), /EEXIST/);
      await first.write(pages.rows);
      await first.close();
    }
    assert.deepEqual((await readdir(dir)).sort(), ["same.json", "same.parquet", "same.xlsx"]);
  });
});
