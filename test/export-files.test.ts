/**
 * The exported files of each product: they parse with three independent readers, have exactly the
 * store's row counts for the fromDate window, keep line breaks escaped by default and raw (quoted)
 * when preserved, and match byte-exact golden files for a small fixed demo seed.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { entitiesForExport, entity, exportColumns } from "../src/core/entities/registry.js";
import { isoUtcSeconds, parseOffsetDateTime } from "../src/core/time.js";
import { countWithDuckDb, parseWithCsvParse, parseWithPython } from "./support/csv-check.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";
import { exportQuery } from "../src/core/query.js";

const GOLDEN = resolve(import.meta.dirname, "../../test/golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const SITES = [
  { key: "jira", product: "jira" as const, schemas: [2, 1] },
  { key: "wiki", product: "confluence" as const, schemas: [1] },
  { key: "bitbucket", product: "bitbucket" as const, schemas: [1] },
];

async function exportSite(t: TestApp, site: string, query: string): Promise<{ dir: string; job: Record<string, unknown> }> {
  const res = await t.app.inject({ method: "POST", url: `/${site}/rest/datapipeline/latest/export?${query}`, headers: t.auth });
  assert.equal(res.statusCode, 202, res.body);
  const jobId = (res.json<{ jobId: number }>()).jobId;
  const job = await waitForJob(t, site, jobId);
  assert.equal(job.status, "COMPLETED", JSON.stringify(job));
  return { dir: join(String(job.rootExportPath), String(jobId)), job };
}

/** Commits of the demo's real git repository committed at or after fromDate, counted by git itself. */
function gitCommitsSince(repo: string, fromDate: string): number {
  const since = parseOffsetDateTime(fromDate)! / 1000;
  const out = execFileSync("git", ["-C", repo, "log", "--all", "--format=%ct"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "" && Number(l) >= since).length;
}

async function personalForks(t: TestApp, siteId: number): Promise<string[]> {
  const repos = await t.ctx.store.data.distinct(
    siteId,
    entity("bitbucket", "repositories"),
    ["repository_id", "fork"],
    { column: "project_type", in: ["PERSONAL"] },
    10_000,
  );
  return repos.filter((r) => r.fork === 1 || r.fork === true).map((r) => String(r.repository_id));
}

/** Entity name of a file `pages_job3_v2_2026-….csv`. */
function entityOf(file: string): string {
  return file.replace(/_job\d+_.*$/, "");
}

// The same suite on both stores: the same data must give the same bytes.
// …and the same bytes again when the files are written by worker threads side by side (SQLite).
const VARIANTS = [
  ...STORE_KINDS.map((kind) => ({ kind, label: kind, threads: { exportThreads: 1 } })),
  { kind: "sqlite" as const, label: "sqlite, worker threads", threads: { exportThreads: 2, parallelExportMinRows: 0, splitExportMinRows: 2 } },
];

for (const { kind, label, threads } of VARIANTS) {
  describe(`exported files (${label})`, () => {
    let t: TestApp;
    before(async () => {
      // Build statuses are off by default: switch them on so every Bitbucket entity is checked.
      t = await startTestApp({ store: kind, scale: 1, seed: 7, config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportBuildStatuses: true, ...threads } } });
    });
    after(async () => t.close());

    for (const s of SITES) {
      for (const schema of s.schemas) {
        it(`${s.product} schema ${schema}: every file parses with csv-parse, Python csv and DuckDB with the store's counts`, async () => {
          const fromDate = "2025-06-01T00:00Z";
          const { dir, job } = await exportSite(t, s.key, `fromDate=${encodeURIComponent(fromDate)}&schemaVersion=${schema}`);
          const site = (await t.ctx.store.sites.byKey(s.key))!;
          const files = (await readdir(dir)).filter((f) => f.endsWith(".csv")).sort();
          const defs = entitiesForExport(s.product, schema);
          assert.deepEqual(files.map(entityOf).sort(), defs.map((d) => d.name).sort());
          assert.ok(!(await readdir(dir)).some((f) => f.endsWith(".partial")));
          const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { files: { name: string; rows: number }[] };
          const since = isoUtcSeconds(parseOffsetDateTime(fromDate)!);
          let total = 0;
          for (const file of files) {
            const def = defs.find((d) => d.name === entityOf(file))!;
            // Commits: forks in personal projects are left out (exportPersonalForkCommits is false), and the
            // demo's real git repository is counted by git itself.
            const excludeScopes = def.name === "commits" ? await personalForks(t, site.id) : [];
            let expected = await t.ctx.store.data.count(site.id, exportQuery(def, def.cursor ? { since, excludeScopes } : {}));
            if (def.name === "commits") expected += gitCommitsSince(join(t.home, "git", "demo-app.git"), fromDate);
            const path = join(dir, file);
            const header = exportColumns(def, schema).map((c) => c.name);
            const records = await parseWithCsvParse(path);
            assert.deepEqual(records[0], header, `${file} header`);
            assert.equal(records.length - 1, expected, `${file}: csv-parse rows`);
            for (const r of records) assert.equal(r.length, header.length, `${file}: every record has ${header.length} fields`);
            const py = await parseWithPython(path);
            assert.deepEqual(py.header, header);
            assert.equal(py.rows, expected, `${file}: Python csv rows`);
            assert.ok(py.widths.every((w) => w === header.length));
            const duck = await countWithDuckDb(path);
            assert.equal(duck.rows, expected, `${file}: DuckDB rows`);
            assert.deepEqual(duck.columns, header);
            // Default: no raw line break inside any field.
            for (const r of records) for (const field of r) assert.ok(!/[\r\n]/.test(field), `${file}: raw line break in a field`);
            assert.equal(manifest.files.find((f) => f.name === file)?.rows, expected);
            total += expected;
          }
          assert.equal((job.statistics as { writtenRows: number }).writtenRows, total);
          assert.ok(total > 0);
        });
      }
    }

    it("fromDate narrows the cursor entities and leaves the others whole", async () => {
      const { dir } = await exportSite(t, "wiki", `fromDate=${encodeURIComponent("2026-01-01T00:00Z")}`);
      const site = (await t.ctx.store.sites.byKey("wiki"))!;
      const files = await readdir(dir);
      for (const def of entitiesForExport("confluence", 1)) {
        const file = files.find((f) => entityOf(f) === def.name)!;
        const rows = (await parseWithCsvParse(join(dir, file))).length - 1;
        const all = await t.ctx.store.data.count(site.id, def);
        if (def.cursor) assert.ok(rows < all, `${def.name}: ${rows} of ${all}`);
        else assert.equal(rows, all, def.name);
      }
    });
  });

  describe(`embedded line breaks preserved (${label})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ store: kind, scale: 1, seed: 7, config: { "plugin.data.pipeline.embedded.line.break.preserve": true, export: { minimumUsableDiskSpaceAfterExport: 0, ...threads } } });
    });
    after(async () => t.close());

    it("keeps CR/LF raw inside quoted fields, and the files still parse with exact counts", async () => {
      const { dir } = await exportSite(t, "wiki", "fromDate=2020-01-01T00:00Z");
      const site = (await t.ctx.store.sites.byKey("wiki"))!;
      const file = (await readdir(dir)).find((f) => f.startsWith("pages_"))!;
      const records = await parseWithCsvParse(join(dir, file));
      assert.ok(records.some((r) => r.some((f) => /\r\n|\n|\r/.test(f))), "some field keeps a raw line break");
      const pages = await t.ctx.store.data.count(site.id, entitiesForExport("confluence", 1).find((d) => d.name === "pages")!);
      assert.equal(records.length - 1, pages);
      assert.equal((await countWithDuckDb(join(dir, file))).rows, pages);
      assert.equal((await parseWithPython(join(dir, file))).rows, pages);
    });
  });

  describe(`golden files (${label})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ store: kind, scale: 0.05, seed: 2024, config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportBuildStatuses: true, ...threads } } });
    });
    after(async () => t.close());

    for (const s of SITES) {
      for (const schema of s.schemas) {
        it(`${s.product} schema ${schema} matches test/golden byte for byte`, async () => {
          const { dir } = await exportSite(t, s.key, `fromDate=${encodeURIComponent("2024-01-01T00:00Z")}&schemaVersion=${schema}`);
          const goldenDir = join(GOLDEN, `${s.product}-v${schema}`);
          for (const file of (await readdir(dir)).filter((f) => f.endsWith(".csv"))) {
            const actual = await readFile(join(dir, file));
            const golden = join(goldenDir, `${entityOf(file)}.csv`);
            if (UPDATE && label === "sqlite") {
              await mkdir(goldenDir, { recursive: true });
              await writeFile(golden, actual);
              continue;
            }
            const expected = await readFile(golden).catch(() => undefined);
            assert.ok(expected, `missing golden file ${golden}: run UPDATE_GOLDEN=1 npm test and review the diff`);
            assert.ok(actual.equals(expected), `${file} differs from ${golden} (UPDATE_GOLDEN=1 rewrites it after review)`);
            // Written by a worker lane or the main thread, joined from parts or not: owner-only.
            assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, `${file} is owner-only`);
          }
        });
      }
    }
  });
}
