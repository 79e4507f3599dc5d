/** `sluice export`: the same export as the REST API, run in this process with a progress bar. */
import { Command } from "commander";
import cliProgress from "cli-progress";
import { isSluiceError } from "../../core/errors.js";
import { parseExportParams } from "../../server/params.js";
import { jobDirectory } from "../../export/engine.js";
import { action, usage, commandContext, siteByKey } from "../shared.js";

export function exportCommand(): Command {
  return new Command("export")
    .description("export a site's data to CSV files now, with progress")
    .requiredOption("-s, --site <key>", "site context path, e.g. wiki")
    .option("-f, --from <date>", "export rows created or updated since (ISO date or date-time; default 365 days ago)")
    .option("--force", "export even if pre-validation fails")
    .option("--schema-version <n>", "schema version (Jira: 1 or 2)")
    .option("--rows-per-second <n>", "throttle the export")
    .action(
      action(async (opts: { site: string; from?: string; force?: boolean; schemaVersion?: string; rowsPerSecond?: string }, cmd: Command) => {
        const extra = opts.rowsPerSecond ? { export: { exportRowsPerSecond: opts.rowsPerSecond } } : {};
        const ctx = await commandContext(cmd, extra);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          let from = opts.from;
          if (from && /^\d{4}-\d{2}-\d{2}$/.test(from)) from = `${from}T00:00Z`;
          let params;
          try {
            params = parseExportParams(
              { ...(from ? { fromDate: from } : {}), ...(opts.force ? { forceExport: "true" } : {}), ...(opts.schemaVersion ? { schemaVersion: opts.schemaVersion } : {}) },
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
          const tty = process.stderr.isTTY;
          const bar = new cliProgress.SingleBar(
            {
              format: "{file} |{bar}| {value}/{total} rows | {rate} rows/s | ETA {eta_s}",
              hideCursor: true,
              stream: process.stderr,
              noTTYOutput: !tty,
              notTTYSchedule: 2000,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          let currentFile = "";
          let started = false;
          const timer = setInterval(() => {
            const live = ctx.exports.withLiveProgress(job);
            const p = live.progress;
            if (!p || !p.file) return;
            if (p.file !== currentFile) {
              if (started) bar.stop();
              currentFile = p.file;
              bar.start(Math.max(p.rowsEstimated, p.rowsWritten), p.rowsWritten, { file: p.entity.padEnd(24), rate: p.rowsPerSecond });
              started = true;
            }
            bar.setTotal(Math.max(p.rowsEstimated, p.rowsWritten));
            bar.update(p.rowsWritten, { rate: p.rowsPerSecond.toLocaleString("en") });
          }, 200);
          await ctx.exports.waitFor(site.id, job.jobId);
          clearInterval(timer);
          if (started) bar.stop();
          const done = (await ctx.store.jobs.get(site.id, job.jobId))!;
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
