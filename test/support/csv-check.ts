/** Independent readers of exported CSV files: csv-parse, Python's csv module and DuckDB's read_csv. */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { parse } from "csv-parse/sync";

const run = promisify(execFile);

/** Records (header first) by csv-parse in strict RFC 4180 mode. */
export async function parseWithCsvParse(path: string): Promise<string[][]> {
  const text = await readFile(path, "utf8");
  const rows: string[][] = parse(text, { bom: false, relax_quotes: false, relax_column_count: false, skip_empty_lines: false, record_delimiter: "\r\n" });
  return rows;
}

/** Python's csv module (default dialect, newline=''): [header, rows, width-consistent]. */
export async function parseWithPython(path: string): Promise<{ header: string[]; rows: number; widths: number[] }> {
  const script = [
    "import csv, json, sys",
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:",
    "    r = csv.reader(f, strict=True)",
    "    header = next(r)",
    "    n = 0",
    "    widths = set()",
    "    for row in r:",
    "        n += 1",
    "        widths.add(len(row))",
    "print(json.dumps({'header': header, 'rows': n, 'widths': sorted(widths)}))",
  ].join("\n");
  const { stdout } = await run("/usr/bin/python3", ["-c", script, path], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { header: string[]; rows: number; widths: number[] };
}

/** DuckDB read_csv with the seed's options (header, quote '"', escape '"'): row and column counts. */
export async function countWithDuckDb(path: string): Promise<{ rows: number; columns: string[] }> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    const escaped = path.replace(/'/g, "''");
    const source = `read_csv('${escaped}', header=true, quote='"', escape='"', delim=',', all_varchar=true, strict_mode=true)`;
    const count = await conn.runAndReadAll(`SELECT count(*) FROM ${source}`);
    const cols = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    return { rows: Number(count.getRows()[0]![0]), columns: cols.getRows().map((r) => String(r[0])) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
