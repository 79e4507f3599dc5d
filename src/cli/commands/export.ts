/** `sluice export`: the same export as the REST API, run in this process with a progress bar. */
import { Command } from "commander";
import { isSluiceError } from "../../core/errors.js";
import { parseExportParams } from "../../server/params.js";
import { jobDirectory } from "../../export/engine.js";
import { watchJob } from "../job-progress.js";
import { action, usage, commandContext, siteByKey } from "../shared.js";

export function exportCommand(): Command {
  return new Command("export")
    .description("export a site's data to CSV (or Parquet) files now, with progress")
    .requiredOption("-s, --site <key>", "site context path, e.g. wiki")
    .option("-f, --from <date>", "export rows created or updated since (ISO date or date-time; default 365 days ago)")
    .option("--force", "export even if pre-validation fails")
    .option("--schema-version <n>", "schema version (Jira: 1 or 2)")
    .option("--rows-per-second <n>", "throttle the export")
    .option("--format <format>", "csv (default) or parquet")
    .action(
      action(async (opts: { site: string; from?: string; force?: boolean; schemaVersion?: string; rowsPerSecond?: string; format?: string }, cmd: Command) => {
        const extra = opts.rowsPerSecond ? { export: { exportRowsPerSecond: opts.rowsPerSecond } } : {};
        const ctx = await commandContext(cmd, extra);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          let from = opts.from;
          if (from && /^\d{4}-\d{2}-\d{2}$/.test(from)) from = `${from}T00:00Z`;
          let params;
          try {
            params = parseExportParams(
              { ...(from ? { fromDate: from } : {}), ...(opts.force ? { forceExport: "true" } : {}), ...(opts.schemaVersion ? { schemaVersion: opts.schemaVersion } : {}), ...(opts.format ? { format: opts.format } : {}) },
              site.product,
              Date.now(),
            );
          } catch (error) {
            if (isSluiceError(error)) throw usage(error.problems.map((i) => i.message).join("\n"));
            throw error;
          }
          await ctx.exports.recoverLostJobs();
          const result = await ctx.exports.start(site, { ...params, trigger: "cli" });
          if (result.outcome === "running") {
            throw usage(`Export job ${result.job.jobId} is already running on ${result.job.nodeId}; cancel it with 'sluice cancel --site ${site.key}'.`);
          }
          if (result.outcome === "failed") {
            throw usage(`Export refused (job ${result.job.jobId} FAILED):\n${result.job.errors.map((e) => `  ${e.key}: ${e.message}`).join("\n")}`);
          }
          const job = result.job;
          for (const w of job.warnings) process.stderr.write(`warning: ${w.message}\n`);
          process.on("SIGINT", () => {
            process.stderr.write("\ncancelling…\n");
            void ctx.exports.cancel(site, job.jobId);
          });
          await watchJob(job.id, { store: ctx.store, runner: ctx.runner });
          const done = (await ctx.exports.get(site, job.jobId))!;
          if (done.status !== "COMPLETED") {
            throw usage(`Export job ${done.jobId} ${done.status}${done.errors.length ? `: ${done.errors.map((e) => e.message).join("; ")}` : ""}`);
          }
          const out = (line: string) => process.stdout.write(`${line}\n`);
          out(`Export job ${done.jobId} COMPLETED: ${done.statistics?.writtenRows ?? 0} rows in ${((done.completedTime! - done.startTime) / 1000).toFixed(1)} s`);
          for (const f of done.files ?? []) out(`  ${f.name}  ${f.rows} rows  ${f.bytes} bytes`);
          out(`Files: ${jobDirectory(done)}`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
