/**
 * `sluice backup run|list`: backups from the terminal, as an administrator.
 *   sluice backup run --site jira        back the site up now (its policy, made with the built-in storage
 *                                        when it has none), wait, print the status, size and counts
 *   sluice backup list [--site jira]     policies and their backups, newest first
 */
import { Command } from "commander";
import { backupStatus, type BackupService } from "../../backup/backup-service.js";
import type { BackupResult } from "../../backup/backup-kind.js";
import type { Site } from "../../store/port.js";
import { action, commandContext, runHere, siteByKey } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);

async function policyFor(backups: BackupService, site: Site): Promise<string> {
  const found = (await backups.policies(site.orgId)).find((p) => p.siteId === site.id);
  if (found) return found.id;
  return (await backups.createPolicy(site.orgId, site.cloudId, { product: site.product, includeAttachments: true })).id;
}

export function backupCommand(): Command {
  const backup = new Command("backup").description("backups of whole sites: run one now, list them");

  backup
    .command("run")
    .description("back a site up now and wait for it")
    .requiredOption("-s, --site <key>", "the site, e.g. jira")
    .action(
      action(async (opts: { site: string }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          const policyId = await policyFor(ctx.backups, site);
          const job = await ctx.backups.startBackup(site.orgId, { policyId, cloudId: site.cloudId }, { here: true });
          const done = await runHere(ctx, job.id);
          const result = done.result as unknown as BackupResult | null;
          const status = backupStatus(done);
          print(`backup ${done.id} of /${site.key}: ${status}${result ? `, ${(result.bytes / 1024 / 1024).toFixed(1)} MB in ${result.parts} parts` : ""}`);
          if (result) for (const [entity, rows] of Object.entries(result.counts)) print(`  ${entity}: ${rows.toLocaleString("en")} rows`);
          if (done.errors[0]) print(`  ${done.errors[0].message}`);
          if (status !== "COMPLETE") process.exitCode = 2;
        } finally {
          await ctx.close();
        }
      }),
    );

  backup
    .command("list")
    .description("backup policies and their backups")
    .option("-s, --site <key>", "only this site's")
    .action(
      action(async (opts: { site?: string }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const only = opts.site !== undefined ? await siteByKey(ctx.store, opts.site) : undefined;
          const sites = new Map((await ctx.store.sites.list()).map((s) => [s.id, s]));
          let any = false;
          for (const org of await ctx.backups.orgs()) {
            for (const policy of await ctx.backups.policies(org.orgId)) {
              if (only && policy.siteId !== only.id) continue;
              any = true;
              print(`policy ${policy.id}  /${sites.get(policy.siteId)?.key ?? policy.siteId}  storage ${policy.storageId ?? "built-in"}`);
              for (const job of await ctx.backups.backups(org.orgId, policy.id)) {
                const r = job.result as unknown as BackupResult | null;
                print(`  ${String(job.id).padStart(6)}  ${backupStatus(job).padEnd(11)}  ${new Date(job.createdAt).toISOString().slice(0, 19).replace("T", " ")}  ${r ? `${(r.bytes / 1024 / 1024).toFixed(1)} MB` : ""}`);
              }
            }
          }
          if (!any) print("No backup policies yet: sluice backup run --site <key> makes one, or POST /rest/backup/v1/orgs/{orgId}/cloud/{cloudId}/policies.");
        } finally {
          await ctx.close();
        }
      }),
    );
  return backup;
}
