/** `sluice site create|list`. */
import { Command } from "commander";
import { siteBaseUrl } from "../../export/export-paths.js";
import { createSite } from "../../sites/site-service.js";
import { action, commandContext } from "../shared.js";

export type SiteCreateHook = (cmd: Command) => void;

export function siteCommand(hooks: { addOptions?: (cmd: Command) => void; afterCreate?: (ctx: Awaited<ReturnType<typeof commandContext>>, siteKey: string, opts: Record<string, unknown>) => Promise<void> } = {}): Command {
  const site = new Command("site").description("create and list sites");
  const create = new Command("create")
    .description("create an empty site mounted at a context path")
    .requiredOption("--product <product>", "jira, confluence or bitbucket")
    .requiredOption("--context-path <path>", "e.g. /docs")
    .option("--plan <plan>", "free, standard, premium or enterprise", "standard")
    .option("--region <region>", "region name, e.g. eu", "local")
    .option("--base-url <url>", "the site's public base URL (default: server URL + context path)");
  hooks.addOptions?.(create);
  create.action(
    action(async (opts: Record<string, unknown>, cmd: Command) => {
      const ctx = await commandContext(cmd);
      try {
        const created = await createSite(ctx.store, {
          product: opts.product,
          contextPath: opts.contextPath,
          plan: opts.plan,
          region: opts.region,
          baseUrl: opts.baseUrl,
        });
        await hooks.afterCreate?.(ctx, created.key, opts);
        process.stdout.write(`Created ${created.product} site ${created.contextPath} at ${siteBaseUrl(ctx.config, created)} (cloudId ${created.cloudId})\n`);
      } finally {
        await ctx.close();
      }
    }),
  );
  const list = new Command("list").description("list sites").option("--json", "print JSON").action(
    action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = await commandContext(cmd);
      try {
        const sites = await ctx.store.sites.list();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(sites.map((s) => ({ ...s, baseUrl: siteBaseUrl(ctx.config, s) })), null, 2)}\n`);
          return;
        }
        if (sites.length === 0) process.stdout.write("No sites yet: 'sluice start' seeds a demo, 'sluice site create' makes an empty one.\n");
        for (const s of sites) {
          process.stdout.write(`${s.contextPath.padEnd(14)} ${s.product.padEnd(11)} ${s.plan.padEnd(10)} ${s.region.padEnd(8)} ${s.state.padEnd(8)} ${siteBaseUrl(ctx.config, s)}\n`);
        }
      } finally {
        await ctx.close();
      }
    }),
  );
  return site.addCommand(create).addCommand(list);
}
