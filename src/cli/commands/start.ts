/** `sluice start`: the server, on the configured store, seeded with the demo on first start. */
import { Command } from "commander";
import { bootstrap, scanRepositoriesRoot } from "../../app/bootstrap.js";
import { createContext } from "../../app/context.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { buildApp, type ExtraRoutes } from "../../server/app.js";
import { action, readConfig } from "../shared.js";

export function startCommand(extras: readonly ExtraRoutes[]): Command {
  return new Command("start")
    .description("start the server (first start: demo sites and an admin token)")
    .option("-p, --port <port>", "port to listen on (default 8080; 0 = any free port)")
    .option("--host <host>", "address to listen on (default 127.0.0.1)")
    .option("--node-id <id>", "this node's id in a cluster (default the host name)")
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const config = readConfig(cmd);
        const ctx = await createContext(config);
        const out = (line = "") => process.stdout.write(`${line}\n`);
        const first = await bootstrap(ctx);
        await scanRepositoriesRoot(ctx);
        await ctx.runner.recoverLost();
        ctx.runner.startLoops();
        ctx.scheduler.start();
        const app = await buildApp(ctx, extras);
        await app.listen({ port: config.port, host: config.host });
        const address = app.server.address();
        const port = typeof address === "object" && address ? address.port : config.port;
        if (port !== config.port && !config.baseUrlGiven) {
          // Any free port: show the URL people can use.
          (config as { baseUrl: string }).baseUrl = config.baseUrl.replace(/:\d+$/, `:${port}`);
        }

        out(`Sluice ${first.seeded ? "started with a demo organisation" : "started"} (node ${config.nodeId}, ${ctx.store.kind} store, home ${config.home})`);
        out(`  Server       ${config.baseUrl}`);
        for (const site of await ctx.store.sites.list()) {
          out(`  ${site.product.padEnd(12)} ${siteBaseUrl(config, site)}`);
        }
        out(`  Console      ${config.baseUrl}/admin`);
        out(`  API docs     ${config.baseUrl}/rest/docs`);
        if (first.token) {
          out("");
          out(`Admin token (shown once; stored hashed; 'sluice token create' makes more):`);
          out(`  ${first.token}`);
          out("");
          out("Try:");
          out(
            `  curl -X POST -H "Authorization:Bearer ${first.token}" -H "X-Atlassian-Token: no-check" "${config.baseUrl}/wiki/rest/datapipeline/latest/export?fromDate=2020-12-30T22%3A03%2B01%3A00"`,
          );
        } else if (first.bootstrapTokenUsed) {
          out(`Admin token: the value of SLUICE_BOOTSTRAP_TOKEN`);
        } else {
          out(`Admin token: the one printed at first start ('sluice token create' makes another)`);
        }
        out(`Listening on ${config.host}:${port}`);

        let stopping = false;
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          ctx.logger.info({ signal }, "shutting down: running exports are cancelled");
          await app.close();
          await ctx.close();
          process.exit(0);
        };
        process.on("SIGTERM", () => void stop("SIGTERM"));
        process.on("SIGINT", () => void stop("SIGINT"));
      }),
    );
}
