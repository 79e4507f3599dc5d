/** The `sluice` command line. */
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { registerConsole } from "../server/routes/console.js";
import { demoCommand } from "./commands/demo.js";
import { exportCommand } from "./commands/export.js";
import { cancelCommand, historyCommand, statusCommand } from "./commands/export-status.js";
import { jobsCommand } from "./commands/jobs.js";
import { accessCommand } from "./commands/access.js";
import { sqlCommand } from "./commands/sql.js";
import { reportCommand } from "./commands/report.js";
import { backupCommand } from "./commands/backup.js";
import { restoreCommand } from "./commands/restore.js";
import { migrateCommand } from "./commands/migrate.js";
import { repoCommand } from "./commands/repo.js";
import { siteCommand } from "./commands/site.js";
import { startCommand } from "./commands/start.js";
import { tokenCommand } from "./commands/token.js";
import { addSourceOptions, saveSourceFromOptions, syncCommand } from "./commands/sync.js";
import { commandStore, readConfig } from "./shared.js";
import { secretsFolder } from "../sources/connector/credentials.js";
import { mirrorsFolder } from "../sources/bitbucket/git-mirror.js";

/** The built console: dist/src/cli → <repo>/web/dist. */
const WEB_DIST = fileURLToPath(new URL("../../../web/dist", import.meta.url));

export function program(): Command {
  const cli = new Command("sluice")
    .description("Sluice: a self-hosted data pipeline for Jira, Confluence and Bitbucket data")
    .version("0.1.0")
    .option("-c, --config <file>", "config file (default ./sluice.config.json|yaml)")
    .option("--home <dir>", "Sluice home directory (default ./sluice-home or $SLUICE_HOME)")
    .option("--store <url>", "store: a postgres:// URL or a SQLite file path")
    .showHelpAfterError();
  cli.addCommand(
    startCommand([(app) => registerConsole(app, { webRoot: WEB_DIST })]),
  );
  cli.addCommand(exportCommand());
  cli.addCommand(demoCommand());
  cli.addCommand(
    siteCommand({
      addOptions: addSourceOptions,
      afterCreate: async (ctx, key, opts) => {
        const site = (await ctx.store.sites.byKey(key))!;
        await saveSourceFromOptions(ctx.store, site, opts);
      },
    }),
  );
  cli.addCommand(tokenCommand());
  cli.addCommand(statusCommand());
  cli.addCommand(cancelCommand());
  cli.addCommand(historyCommand());
  cli.addCommand(jobsCommand());
  cli.addCommand(accessCommand());
  cli.addCommand(sqlCommand());
  cli.addCommand(reportCommand());
  cli.addCommand(backupCommand());
  cli.addCommand(restoreCommand());
  cli.addCommand(migrateCommand());
  cli.addCommand(repoCommand({ openStore: () => commandStore(cli) }));
  cli.addCommand(syncCommand({ openStore: () => commandStore(cli), env: () => readConfig(cli).env, secretsDir: () => secretsFolder(readConfig(cli).home), mirrorsDir: () => mirrorsFolder(readConfig(cli).home) }));
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  await program().parseAsync(argv);
}
