/**
 * What the export benchmarks share: Confluence demo data of a given size in a store, and one export
 * run exactly as the server runs it (in a child process, so that its peak RSS is the export's alone),
 * reported as one JSON line on stdout.
 */
import { createContext } from "../../src/app/context.js";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadConfig, type Config } from "../../src/config.js";
import type { ExportFormat } from "../../src/core/export-job.js";
import { createLogger } from "../../src/logger.js";
import { createSite } from "../../src/sites/site-service.js";
import { generateDemo } from "../../src/sources/demo/index.js";
import { join } from "node:path";

export const INSTANCE = "http://localhost:8080/wiki";

/** `--name N` of the command line as a number, or `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The config the export benchmarks run with: a home, quiet logs, no demo, no disk-space floor. */
export function benchConfig(home: string): Config {
  return loadConfig({
    env: {},
    cwd: home,
    overrides: { home, baseUrl: "http://localhost:8080", logLevel: "warn", demo: { enabled: false }, export: { minimumUsableDiskSpaceAfterExport: 0 } },
  });
}

/** A Confluence site of `pages` and `comments` in the SQLite store of `home`, generated once and cached. */
export async function cachedConfluence(home: string, pages: number, comments: number): Promise<void> {
  const marker = join(home, "generated.json");
  if (existsSync(marker)) return;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(marker, JSON.stringify(await generateConfluence(benchConfig(home), pages, comments)));
}

/**
 * A Confluence site at `/wiki` with `pages` pages (~2 KB content unless `shape.contentBytes`) and
 * `comments` comments, 1,000 analytics events unless `shape.analyticsEvents`, the demo's spaces unless
 * `shape.spaces`.
 */
export async function generateConfluence(
  config: Config,
  pages: number,
  comments: number,
  shape: { spaces?: number; contentBytes?: number; analyticsEvents?: number } = {},
): Promise<{ counts: Record<string, number>; seconds: number }> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  const site = await createSite(ctx.store, { product: "confluence", contextPath: "/wiki" });
  const t0 = Date.now();
  let last = 0;
  const counts = await generateDemo(
    ctx.store,
    site,
    {
      scale: 1,
      seed: 1,
      now: Date.UTC(2026, 0, 1),
      counts: { ...(shape.spaces !== undefined ? { spaces: shape.spaces } : {}), pages, comments, analytics_events: shape.analyticsEvents ?? 1000 },
      contentBytes: shape.contentBytes ?? 2000,
    },
    (e, n) => {
      if (Date.now() - last > 5000) {
        last = Date.now();
        process.stderr.write(`  generating ${e}: ${n.toLocaleString("en")}\n`);
      }
    },
  );
  await ctx.close();
  const seconds = (Date.now() - t0) / 1000;
  process.stderr.write(`generated in ${seconds.toFixed(0)} s: ${JSON.stringify(counts)}\n`);
  return { counts, seconds };
}

/**
 * Child mode: one export of `/wiki` from `exportFrom` 0 in `format` (default CSV, as `?format=` gives it);
 * rows and bytes count `entities` only, and `files` lists those files (name, rows, bytes, path).
 */
export async function exportAndReport(config: Config, entities: readonly string[], format: ExportFormat = "csv"): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  const site = (await ctx.store.sites.byKey("wiki"))!;
  const t0 = process.hrtime.bigint();
  const result = await ctx.exports.start(site, { exportFrom: 0, forced: false, schemaVersion: 1, trigger: "cli", format });
  if (result.outcome !== "started") throw new Error(`export did not start: ${JSON.stringify(result.job.errors)}`);
  await ctx.exports.waitFor(site.id, result.job.jobId);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const job = (await ctx.exports.get(site, result.job.jobId))!;
  await ctx.close();
  const files = (job.files ?? []).filter((f) => entities.includes(f.entity));
  const dir = join(job.rootExportPath, String(job.jobId));
  process.stdout.write(
    JSON.stringify({
      status: job.status,
      errors: job.errors,
      seconds,
      rows: files.reduce((n, f) => n + f.rows, 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      allRows: job.statistics?.writtenRows,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      dir,
      files: files.map((f) => ({ entity: f.entity, name: f.name, rows: f.rows, bytes: f.bytes, path: join(dir, f.name) })),
    }) + "\n",
  );
}
