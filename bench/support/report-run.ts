/**
 * The two sides of the scheduled-report benchmark, each meant to run alone in a fresh child process
 * (so that its peak RSS is its own) and to report one JSON line on stdout:
 *
 * - `exportIssues`: the Data pipeline export of `/jira` in CSV, as the server runs it (`ExportService`
 *   on the job runner, worker lanes, the issues file cut by key into parts and joined), timed from the
 *   start to the end of the job; rows, bytes and sha256 of the issues file, and the rows of the others.
 * - `scheduledReport`: a report of every issue column (`planReport` gives the export's columns in key
 *   order) with a daily schedule and an `api` delivery, created through the `ReportService`, then
 *   "execute now" and the `report` job waited for, as the server runs it (build, rename, delivery,
 *   settle); timed from `execute` to the end of the job. The report and its schedule are deleted
 *   afterwards; the run's directory is the caller's to remove.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createContext } from "../../src/app/context.js";
import type { Config } from "../../src/config.js";
import { productSchemas } from "../../src/core/entities/registry.js";
import { isActive } from "../../src/core/job.js";
import { createLogger } from "../../src/logger.js";
import { reportsDirectory } from "../../src/reports/report-files.js";
import type { ReportFormatName, ReportRunResult } from "../../src/reports/schedule-model.js";
import { JIRA_SITE } from "./jira-issues.js";

/** What a child reports. */
export interface SideRun {
  status: string;
  errors: unknown[];
  seconds: number;
  rows: number;
  bytes: number;
  sha256: string | null;
  maxRssMb: number;
  /** What the caller removes afterwards. */
  dir: string;
  /** The export: rows of its other files (the tiny catalogs). */
  otherRows?: number;
}

const print = (run: SideRun) => process.stdout.write(`${JSON.stringify(run)}\n`);
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

export async function exportIssues(config: Config): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  const site = (await ctx.store.sites.byKey(JIRA_SITE))!;
  const t0 = process.hrtime.bigint();
  const started = await ctx.exports.start(site, { exportFrom: 0, forced: false, schemaVersion: productSchemas("jira").current, trigger: "cli", format: "csv" });
  if (started.outcome !== "started") throw new Error(`the export did not start: ${JSON.stringify(started.job.errors)}`);
  await ctx.exports.waitFor(site.id, started.job.jobId);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const job = (await ctx.exports.get(site, started.job.jobId))!;
  await ctx.close();
  const files = job.files ?? [];
  const issues = files.find((f) => f.entity === "issues");
  print({
    status: job.status,
    errors: job.errors,
    seconds,
    rows: issues?.rows ?? 0,
    bytes: issues?.bytes ?? 0,
    sha256: issues?.sha256 ?? null,
    otherRows: files.filter((f) => f !== issues).reduce((n, f) => n + f.rows, 0),
    maxRssMb: maxRssMb(),
    dir: join(job.rootExportPath, String(job.jobId)),
  });
}

export async function scheduledReport(config: Config, format: ReportFormatName): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  const site = (await ctx.store.sites.byKey(JIRA_SITE))!;
  const owner = await ctx.store.accounts.ensureAccount("bench-reports", "Bench reports", true);
  const report = await ctx.reports.create(site, owner, {
    name: `All issues (${format})`,
    visibility: "private",
    definition: { entity: "issues", columns: [], filter: [], jql: null, sort: [] },
  });
  const schedule = await ctx.reports.createSchedule(owner, report.id, {
    format,
    repeat: { type: "daily" },
    startDate: "2026-01-01",
    time: "08:00",
    zoneId: "UTC",
    deliveries: [{ type: "api" }],
    fileName: "{{exportConfigName}}_{{reportDate}}.{{format}}",
    skipEmpty: false,
    onlyWhenChanged: false,
    addonPermissions: false,
  });
  const t0 = process.hrtime.bigint();
  const queued = await ctx.reports.execute(owner, schedule.record.id);
  let job = queued;
  for (;;) {
    await ctx.runner.dispatch();
    await ctx.runner.waitFor(job.id);
    job = (await ctx.store.jobs.get(job.id))!;
    if (!isActive(job.status)) break;
    await sleep(10);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result = job.result as unknown as ReportRunResult | null;
  await ctx.reports.delete(owner, report.id);
  await ctx.close();
  print({
    status: job.status,
    errors: job.errors,
    seconds,
    rows: result?.rows ?? 0,
    bytes: result?.bytes ?? 0,
    sha256: result?.file?.sha256 ?? null,
    maxRssMb: maxRssMb(),
    dir: join(reportsDirectory(config), String(job.id)),
  });
}
