/**
 * `sluice jobs list|show|watch|cancel`: every job of every kind (exports, syncs, …) from the terminal,
 * with the progress every kind reports in the same words.
 */
import { Command } from "commander";
import { isActive, JOB_STATUSES, type Job, type JobStatus } from "../../core/job.js";
import { formatEta, watchJob } from "../job-progress.js";
import { action, commandContext, siteByKey, usage } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);

function positive(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw usage(`${what} must be a positive whole number, not '${text.slice(0, 20)}'.`);
  return Number(text);
}

function row(job: Job, sites: Map<number, string>): string[] {
  const p = isActive(job.status) && job.progress ? `${job.progress.done.toLocaleString("en")}${job.progress.total !== null ? `/${job.progress.total.toLocaleString("en")}` : ""} ${job.progress.unit}, ETA ${formatEta(job.progress.etaSeconds)}` : "";
  const site = job.siteId === null ? "" : `/${sites.get(job.siteId) ?? job.siteId}`;
  return [String(job.id), job.kind, site, String(job.seq), job.status, job.nodeId, new Date(job.startTime).toISOString().slice(0, 19).replace("T", " "), p];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

export function jobsCommand(): Command {
  const jobs = new Command("jobs").description("every job of every kind: list, show, watch the progress of, cancel");

  jobs
    .command("list")
    .description("jobs, newest first")
    .option("-s, --site <key>", "only this site's")
    .option("--kind <kind>", "only this kind (export, sync, …)")
    .option("--status <statuses>", `only these statuses, comma-separated (${JOB_STATUSES.join(", ")})`)
    .option("--limit <n>", "at most this many", "20")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { site?: string; kind?: string; status?: string; limit: string; json?: boolean }, cmd: Command) => {
        const limit = positive(opts.limit, "--limit");
        const statuses = opts.status?.split(",").map((s) => s.trim().toUpperCase());
        const bad = statuses?.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s)) ?? [];
        if (bad.length > 0) throw usage(`--status: ${bad.join(", ")} is not a job status; use ${JOB_STATUSES.join(", ")}.`);
        const ctx = await commandContext(cmd);
        try {
          if (opts.kind !== undefined && !ctx.runner.kindNames.includes(opts.kind)) throw usage(`--kind: ${opts.kind} is not a job kind; use ${ctx.runner.kindNames.join(", ")}.`);
          const site = opts.site ? await siteByKey(ctx.store, opts.site) : undefined;
          const { jobs: list, total } = await ctx.store.jobs.list(
            { ...(site ? { siteId: site.id } : {}), ...(opts.kind ? { kind: opts.kind } : {}), ...(statuses ? { statuses: statuses as JobStatus[] } : {}) },
            0,
            limit,
          );
          if (opts.json) {
            print(JSON.stringify({ values: list, total }, null, 2));
            return;
          }
          if (list.length === 0) {
            print("No jobs yet.");
            return;
          }
          const sites = new Map((await ctx.store.sites.list()).map((s) => [s.id, s.key]));
          for (const line of table([["ID", "KIND", "SITE", "#", "STATUS", "NODE", "STARTED (UTC)", "PROGRESS"], ...list.map((j) => row(j, sites))])) print(line);
          print(`${list.length} of ${total}`);
        } finally {
          await ctx.close();
        }
      }),
    );

  jobs
    .command("show")
    .description("one job in full (JSON)")
    .argument("<id>", "the job's id (sluice jobs list)")
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const job = await ctx.store.jobs.get(positive(id, "the job id"));
          if (!job) throw usage(`There is no job ${id}.`);
          print(JSON.stringify(job, null, 2));
        } finally {
          await ctx.close();
        }
      }),
    );

  jobs
    .command("watch")
    .description("follow a job's progress until it ends, on whichever node it runs")
    .argument("<id>", "the job's id (sluice jobs list)")
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const n = positive(id, "the job id");
          if (!(await ctx.store.jobs.get(n))) throw usage(`There is no job ${id}.`);
          const done = await watchJob(n, { store: ctx.store, runner: ctx.runner });
          print(`${done.kind} job ${done.id} ${done.status}${done.errors.length > 0 ? `: ${done.errors.map((e) => e.message).join("; ")}` : ""}`);
          if (done.status !== "COMPLETED") process.exitCode = 1;
        } finally {
          await ctx.close();
        }
      }),
    );

  jobs
    .command("cancel")
    .description("cancel a queued or running job (its node stops it within seconds)")
    .argument("<id>", "the job's id (sluice jobs list)")
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const job = await ctx.store.jobs.get(positive(id, "the job id"));
          if (!job) throw usage(`There is no job ${id}.`);
          if (!isActive(job.status)) throw usage(`Job ${id} has already ended (${job.status}).`);
          const after = await ctx.runner.cancel(job.id);
          print(`Cancellation of ${job.kind} job ${job.id} requested (${after?.status ?? "?"}).`);
        } finally {
          await ctx.close();
        }
      }),
    );

  return jobs;
}

