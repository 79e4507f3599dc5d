/**
 * `sluice restore`: a backup restored into a site from the terminal, as an administrator. The request is
 * validated first; when a check fails it prints each with its consent code and writes nothing, unless
 * the consents are given with `--consent`. Then it runs in this process and prints the report.
 *   sluice restore --backup 12 --to wiki-copy [--consent Accept_Custom_Group_Check …]
 *                  [--no-users] [--attachments] [--scope KEY …] [--page ID …] [--issue ID …] [--dry-run]
 */
import { Command } from "commander";
import { consented } from "../../backup/restore/restore-checks.js";
import type { RestoreReport } from "../../backup/restore/restore-kind.js";
import type { RestoreInput } from "../../backup/restore/restore-service.js";
import { SluiceError } from "../../core/errors.js";
import { action, commandContext, runHere, siteByKey } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);
const many = (value: string, previous: string[] = []) => [...previous, value];
const ids = (value: string, previous: number[] = []) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new SluiceError("sluice.cli.usage", `Not an id: ${value.slice(0, 40)} (a positive integer).`);
  return [...previous, n];
};

interface RestoreOptions {
  backup: string;
  to: string;
  consent?: string[];
  users: boolean;
  attachments?: boolean;
  scope?: string[];
  page?: number[];
  issue?: number[];
  dryRun?: boolean;
}

export function restoreCommand(): Command {
  return new Command("restore")
    .description("restore a backup into a site (validated first; nothing is written until every failing check has its --consent)")
    .requiredOption("-b, --backup <id>", "the backup's id (sluice backup list)")
    .requiredOption("-t, --to <site>", "the destination site's key, e.g. wiki-copy")
    .option("-c, --consent <code>", "consent to a failing check (repeatable): Consent_Conflicting_Space_Check, …", many)
    .option("--no-users", "leave users, groups and memberships out")
    .option("--attachments", "restore attachment files too (the backup must hold them)")
    .option("--scope <key>", "only this space, project or repository (PROJECT/slug); repeatable", many)
    .option("--page <id>", "only this page, with its comments and attachments; repeatable", ids)
    .option("--issue <id>", "only this issue, with its fields, history, worklogs and attachments; repeatable", ids)
    .option("--dry-run", "list what would be written, write nothing")
    .action(
      action(async (opts: RestoreOptions, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.to);
          const items = [...(opts.page ?? []).map((id) => ({ entity: "pages", id })), ...(opts.issue ?? []).map((id) => ({ entity: "issues", id }))];
          const input: RestoreInput = {
            backupId: opts.backup,
            product: site.product,
            includeAttachments: opts.attachments === true,
            includeUsersAndGroups: opts.users,
            ...(opts.scope ? { scopes: opts.scope } : {}),
            ...(items.length > 0 ? { items } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
          };
          let state = await ctx.restores.create(site.orgId, site.cloudId, input, { here: true });
          if (state.status === "AWAITING_CONSENT" && opts.consent?.length) {
            state = await ctx.restores.revalidate(site.orgId, site.cloudId, { restoreId: state.restore.id, consent: opts.consent }, { here: true });
          }
          if (state.status === "AWAITING_CONSENT") {
            print(`restore ${state.restore.id} into /${site.key} waits for consent; nothing was written:`);
            for (const check of state.restore.checks) {
              const mark = consented(check, state.restore.consents) ? "consented" : `--consent ${check.consent.split("|").join(" or --consent ")}`;
              print(`  ${check.code}: ${check.message}`);
              print(`    ${mark}`);
            }
            process.exitCode = 2;
            return;
          }
          const job = await runHere(ctx, state.job!.id);
          if (job.status !== "COMPLETED") {
            print(`restore ${state.restore.id} into /${site.key}: FAILED, the destination was left as it was`);
            if (job.errors[0]) print(`  ${job.errors[0].message}`);
            process.exitCode = 1;
            return;
          }
          const report = job.result as unknown as RestoreReport;
          print(`restore ${state.restore.id} into /${site.key}: ${report.dryRun ? "DRY RUN, nothing written" : "COMPLETE"}`);
          for (const [entity, listing] of Object.entries(report.restored)) print(`  ${entity}: ${listing.rows.toLocaleString("en")} rows${report.dryRun ? " would be written" : ""}`);
          if (report.skipped.scopes.length) print(`  skipped (the site has them): ${report.skipped.scopes.join(", ")}`);
          if (report.merged.groups.length) print(`  groups merged: ${report.merged.groups.join(", ")}`);
          if (report.attachments.copied) print(`  attachment files: ${report.attachments.copied}`);
          if (report.git.repositories.length) print(`  git repositories: ${report.git.repositories.join(", ")}`);
          for (const n of report.settings.notApplied) print(`  not applied: ${n.setting} (${n.reason})`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
