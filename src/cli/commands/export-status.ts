/** `sluice status|cancel|history`: the Data pipeline's GET/DELETE /export and /history from the terminal. */
import { Command } from "commander";
import { jobResponse } from "../../core/export-job.js";
import { schemaStatus } from "../../core/entities/registry.js";
import { action, usage, commandContext, siteByKey } from "../shared.js";

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

export function statusCommand(): Command {
  return new Command("status")
    .description("show the running or latest export job of a site (JSON, as GET /export)")
    .requiredOption("-s, --site <key>", "site context path, e.g. wiki")
    .action(
      action(async (opts: { site: string }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          await ctx.exports.recoverLostJobs();
          const job = (await ctx.exports.running(site)) ?? (await ctx.exports.latest(site));
          print(job ? jobResponse(job, schemaStatus(site.product, job.schemaVersion), ctx.config.timeZone) : {});
        } finally {
          await ctx.close();
        }
      }),
    );
}

export function cancelCommand(): Command {
  return new Command("cancel")
    .description("request cancellation of the running export of a site")
    .requiredOption("-s, --site <key>", "site context path, e.g. wiki")
    .option("--job-id <n>", "cancel only if this job is the running one")
    .action(
      action(async (opts: { site: string; jobId?: string }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          if (opts.jobId !== undefined && !/^\d+$/.test(opts.jobId)) throw usage(`--job-id must be a positive number, not '${opts.jobId}'.`);
          const result = await ctx.exports.cancel(site, opts.jobId ? Number(opts.jobId) : undefined);
          if (result.outcome === "none") throw usage("There is no export job running to cancel.");
          process.stdout.write(`Cancellation of export job ${result.job.jobId} requested; it stops within seconds.\n`);
        } finally {
          await ctx.close();
        }
      }),
    );
}

export function historyCommand(): Command {
  return new Command("history")
    .description("list a site's export jobs, newest first")
    .requiredOption("-s, --site <key>", "site context path, e.g. wiki")
    .option("--offset <n>", "skip this many jobs", "0")
    .option("--limit <n>", "show at most this many jobs", "10")
    .option("--json", "print JSON as GET /history does")
    .action(
      action(async (opts: { site: string; offset: string; limit: string; json?: boolean }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          const offset = Number(opts.offset);
          const limit = Number(opts.limit);
          if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
            throw usage("--offset must be 0 or more and --limit between 1 and 1000.");
          }
          const { jobs, total } = await ctx.exports.history(site, offset, limit);
          if (opts.json) {
            print({ values: jobs.map((j) => jobResponse(j, schemaStatus(site.product, j.schemaVersion), ctx.config.timeZone)), offset, limit, size: jobs.length, total });
            return;
          }
          if (jobs.length === 0) {
            process.stdout.write(`No exports yet on ${site.contextPath}. Start one with 'sluice export --site ${site.key}'.\n`);
            return;
          }
          for (const j of jobs) {
            const secs = j.completedTime ? ((j.completedTime - j.startTime) / 1000).toFixed(1) + " s" : "running";
            process.stdout.write(
              `${String(j.jobId).padStart(5)}  ${j.status.padEnd(22)} ${new Date(j.startTime).toISOString()}  ${secs.padStart(9)}  ${String(j.statistics?.writtenRows ?? "").padStart(9)} rows  ${j.nodeId}\n`,
            );
          }
          process.stdout.write(`${offset + jobs.length} of ${total}\n`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
