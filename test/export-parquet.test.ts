/**
 * `?format=parquet`: one `.parquet` file per entity, named as the CSV files with `.parquet`, with the
 * manifest; every file reads in DuckDB with the column types the registry gives, and holds the same rows
 * and values, in the same order, as the CSV export of the same window (values compared as CSV renders
 * them: the CSV escapes line breaks, the Parquet keeps them). On SQLite and PostgreSQL. An unknown
 * format is a 400 with a key.
 */
import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DuckDBInstance, DuckDBTimestampTZValue, DuckDBDateValue } from "@duckdb/node-api";
import { parse } from "csv-parse/sync";
import type { CsvOptions } from "../src/core/csv.js";
import { entitiesForExport, exportColumns, type Column } from "../src/core/entities/registry.js";
import { columnFormatter } from "../src/writers/csv/csv-format.js";
import { parseWithCsvParse } from "./support/csv-check.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

const FROM = "2025-06-01T00:00Z";
const SQL_TYPES: Record<string, string> = {
  integer: "BIGINT",
  decimal: "DOUBLE",
  boolean: "BOOLEAN",
  datetime: "TIMESTAMP WITH TIME ZONE",
  date: "DATE",
};

async function exportSite(t: TestApp, site: string, query: string): Promise<{ dir: string; job: Record<string, any> }> {
  const res = await t.app.inject({ method: "POST", url: `/${site}/rest/datapipeline/latest/export?${query}`, headers: t.auth });
  assert.equal(res.statusCode, 202, res.body);
  const jobId = res.json<{ jobId: number }>().jobId;
  const job = await waitForJob(t, site, jobId);
  assert.equal(job.status, "COMPLETED", JSON.stringify(job));
  return { dir: join(String(job.rootExportPath), String(jobId)), job };
}

/** A Parquet value in the shape the store hands the CSV writer (numbers, ISO text, true/false). */
function storeShape(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof DuckDBTimestampTZValue) return new Date(Number(v.micros / 1000n)).toISOString().replace(/\.\d{3}Z$/, "Z");
  if (v instanceof DuckDBDateValue) return new Date(v.days * 86_400_000).toISOString().slice(0, 10);
  return v;
}

/** How the CSV writes a value the Parquet holds (URLs there are absolute already). */
function csvField(column: Column, value: unknown, csv: CsvOptions): string {
  const plain = column.type === "url" || column.type === "instance" ? { ...column, type: "string" as const } : column;
  return columnFormatter(plain, csv, "")(storeShape(value));
}

const VARIANTS = [
  ...STORE_KINDS.map((kind) => ({ kind, label: kind, lanes: {} })),
  // Files written in a worker lane (off the thread that answers the API), as a big export is.
  { kind: "sqlite" as const, label: "sqlite, worker lane", lanes: { exportThreads: 2, parallelExportMinRows: 0 } },
];

for (const { kind, label, lanes } of VARIANTS) {
  describe(`Parquet export (${label})`, () => {
    let t: TestApp;
    let duck: DuckDBInstance;
    before(async () => {
      t = await startTestApp({ store: kind, scale: 1, seed: 7, config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportBuildStatuses: true, ...lanes } } });
      duck = await DuckDBInstance.create(":memory:");
    });
    after(async () => {
      duck.closeSync();
      await t.close();
    });

    for (const [key, product, schema] of [["jira", "jira", 2], ["wiki", "confluence", 1], ["bitbucket", "bitbucket", 1]] as const) {
      it(`${product}: every file reads in DuckDB with the registry's types and the CSV export's rows and values`, async () => {
        const csv = await exportSite(t, key, `fromDate=${encodeURIComponent(FROM)}&schemaVersion=${schema}`);
        const pq = await exportSite(t, key, `fromDate=${encodeURIComponent(FROM)}&schemaVersion=${schema}&format=parquet`);
        assert.equal(pq.job.config.format, "parquet");
        assert.equal(csv.job.config.format, undefined, "a CSV job reads as the Data pipeline's");
        const csvFiles = (await readdir(csv.dir)).filter((f) => f.endsWith(".csv")).sort();
        const pqFiles = (await readdir(pq.dir)).filter((f) => !f.startsWith(".")).sort();
        const manifest = JSON.parse(await readFile(join(pq.dir, "manifest.json"), "utf8")) as { fileFormat: string; files: { name: string; rows: number; bytes: number }[] };
        assert.equal(manifest.fileFormat, "parquet");
        assert.deepEqual(pqFiles.filter((f) => f !== "manifest.json"), manifest.files.map((f) => f.name).sort(), "the manifest lists every file");
        const defs = entitiesForExport(product, schema).filter((d) => !d.toggle || d.toggle === "exportBuildStatuses" || d.toggle === "exportPullRequestActivities");
        const conn = await duck.connect();
        try {
          for (const def of defs) {
            const csvName = csvFiles.find((f) => f.startsWith(`${def.name}_job`))!;
            const pqName = pqFiles.find((f) => f.startsWith(`${def.name}_job`))!;
            assert.ok(pqName?.endsWith(".parquet"), `${def.name}: a .parquet file`);
            const shape = (name: string) => name.replace(/_job\d+/, "_job#").replace(/_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}(Z|[+-]\d{2,4})\./, "_<time>.");
            assert.equal(shape(pqName).replace(/\.parquet$/, ""), shape(csvName).replace(/\.csv$/, ""), "named as the CSV file");
            const path = join(pq.dir, pqName);
            assert.equal((await stat(path)).mode & 0o777, 0o600, `${pqName} is owner-only`);
            const columns = exportColumns(def, schema);
            const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRows();
            assert.deepEqual(
              described.map((r) => [r[0], r[1]]),
              columns.map((c) => [c.name, SQL_TYPES[c.type] ?? "VARCHAR"]),
              `${def.name}: column names, order and types from the registry`,
            );
            const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`)).getRows();
            const lines = (await parseWithCsvParse(join(csv.dir, csvName))).slice(1);
            assert.equal(rows.length, lines.length, `${def.name}: the CSV's row count`);
            assert.equal(rows.length, manifest.files.find((f) => f.name === pqName)!.rows);
            rows.forEach((row, i) => {
              // The record the CSV writer makes of these values, read back as the CSV file is.
              const record = columns.map((c, j) => csvField(c, row[j], t.ctx.config.export)).join(",");
              const fields: string[][] = parse(`${record}\r\n`, { record_delimiter: "\r\n", relax_quotes: false });
              assert.deepEqual(fields[0], lines[i], `${def.name} row ${i}: the CSV's values`);
            });
          }
        } finally {
          conn.closeSync();
        }
      });
    }

    it("an unknown format is a 400 with a key; no job is made", async () => {
      const before_ = (await t.app.inject({ method: "GET", url: "/wiki/rest/datapipeline/latest/history", headers: t.auth })).json<{ values: unknown[] }>().values.length;
      const res = await t.app.inject({ method: "POST", url: "/wiki/rest/datapipeline/latest/export?format=xml", headers: t.auth });
      assert.equal(res.statusCode, 400);
      const body = res.json<{ errors: { key: string; message: string }[] }>();
      assert.equal(body.errors[0]!.key, "data-pipeline.api.rest.queryparam.format.invalid");
      assert.match(body.errors[0]!.message, /format 'xml' .* csv or parquet/);
      const after_ = (await t.app.inject({ method: "GET", url: "/wiki/rest/datapipeline/latest/history", headers: t.auth })).json<{ values: unknown[] }>().values.length;
      assert.equal(after_, before_);
    });
  });
}
