/**
 * `sluice report list|run|pause|resume`: scheduled reports from the terminal, as an administrator.
 *   sluice report list                 every schedule: report, site, owner, format, next run, last run, paused
 *   sluice report run 12               execute schedule 12 now, here, and print each delivery's outcome
 *   sluice report pause 12 | resume 12
 */
import { Command } from "commander";
import type { Account } from "../../store/port.js";
import { runStatus, runView } from "../../reports/run-view.js";
import { REPORT_KIND, type ReportRunResult } from "../../reports/schedule-model.js";
import { action, commandContext, runHere, usage } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The command line acts as an administrator of the server it runs on. */
const CLI: Account = { id: 0, username: "the command line", displayName: "Command line", sysadmin: true };

function scheduleId(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw usage(`a schedule id is a positive whole number, not '${text.slice(0, 20)}' (see sluice report list).`);
  return Number(text);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

export function reportCommand(): Command {
  const report = new Command("report").description("scheduled reports: list, run now, pause, resume");

  report
    .command("list")
    .description("every report schedule")
    .option("--json", "print JSON")
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const sites = new Map((await ctx.store.sites.list()).map((s) => [s.id, s]));
          const rows: string[][] = [["SCHEDULE", "REPORT", "SITE", "OWNER", "FORMAT", "NEXT RUN", "LAST RUN", "STATE"]];
          const out: Record<string, unknown>[] = [];
          for (const s of await ctx.reports.schedules(CLI)) {
            const r = await ctx.store.reports.get(s.params.reportId);
            const last = (await ctx.store.jobs.list({ kind: REPORT_KIND, scheduleId: s.record.id }, 0, 1)).jobs[0];
            const next = ctx.reports.nextRuns(s, 1)[0];
            const state = s.params.paused ? `paused: ${s.params.paused.reason}` : s.record.failures > 0 ? `${s.record.failures} failed in a row` : "active";
            const item = {
              schedule: s.record.id,
              report: r?.name ?? `#${s.params.reportId}`,
              site: sites.get(s.record.siteId ?? 0)?.contextPath ?? "",
              owner: s.record.owner ?? "",
              format: s.params.format,
              nextRun: next === undefined ? null : new Date(next).toISOString(),
              lastRun: last ? { runId: last.id, status: runStatus(last) } : null,
              state,
            };
            out.push(item);
            rows.push([String(item.schedule), item.report, item.site, item.owner, item.format, item.nextRun?.slice(0, 16).replace("T", " ") ?? "-", last ? `${last.id} ${runStatus(last)}` : "-", state]);
          }
          if (opts.json) print(JSON.stringify(out, null, 2));
          else if (rows.length === 1) print("No report schedules yet: make one in the console (Reports) or with POST /rest/reports/v1/schedules.");
          else for (const line of table(rows)) print(line);
        } finally {
          await ctx.close();
        }
      }),
    );

  report
    .command("run <schedule>")
    .description("execute a schedule now, in this process, and print the outcome of each delivery")
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const s = await ctx.reports.schedule(CLI, scheduleId(id));
          const job = await ctx.reports.runHere(s, "cli");
          const done = runView(await runHere(ctx, job.id));
          const result = (await ctx.store.jobs.get(job.id))!.result as ReportRunResult | null;
          print(`run ${done.runId}: ${done.status}, ${done.rows.toLocaleString("en")} rows, ${done.bytes.toLocaleString("en")} bytes${done.skipped ? ` (skipped: ${done.skipped})` : ""}${result?.file ? `, ${result.file.name}` : ""}`);
          for (const d of done.deliveries) print(`  ${d.type}: ${d.status} after ${d.attempts} attempt(s)${d.error ? ` - ${d.error}` : d.detail ? ` - ${d.detail}` : ""}`);
          if (done.error && done.deliveries.length === 0) print(`  ${done.error.message}`);
          if (done.status !== "SUCCEEDED") process.exitCode = 2;
        } finally {
          await ctx.close();
        }
      }),
    );

  for (const [name, what] of [
    ["pause", "pause a schedule (it runs no more until resumed)"],
    ["resume", "resume a schedule (its failure count starts again)"],
  ] as const) {
    report
      .command(`${name} <schedule>`)
      .description(what)
      .action(
        action(async (id: string, _opts: unknown, cmd: Command) => {
          const ctx = await commandContext(cmd);
          try {
            const s = name === "pause" ? await ctx.reports.pause(CLI, scheduleId(id)) : await ctx.reports.resume(CLI, scheduleId(id));
            const next = ctx.reports.nextRuns(s, 1)[0];
            print(s.params.paused ? `schedule ${s.record.id} is paused (${s.params.paused.reason})` : `schedule ${s.record.id} is active; next run ${next === undefined ? "none" : new Date(next).toISOString()}`);
          } finally {
            await ctx.close();
          }
        }),
      );
  }
  return report;
}
