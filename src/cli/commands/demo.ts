/** `sluice demo`: (re)fill the demo sites with generated data. */
import { Command } from "commander";
import { seedDemo } from "../../app/bootstrap.js";
import { action, usage, commandContext } from "../shared.js";

export function demoCommand(): Command {
  return new Command("demo")
    .description("fill the demo sites (/jira, /wiki, /bitbucket) with generated data, replacing what they hold")
    .option("--scale <n>", "size multiplier (1 = small)", "1")
    .option("--seed <n>", "random seed: same seed, same data", "42")
    .action(
      action(async (opts: { scale: string; seed: string }, cmd: Command) => {
        const scale = Number(opts.scale);
        const seed = Number(opts.seed);
        if (!(scale > 0 && scale <= 10_000)) throw usage("--scale must be a number above 0 and at most 10000.");
        if (!Number.isInteger(seed) || seed < 0) throw usage("--seed must be a whole number, 0 or more.");
        const ctx = await commandContext(cmd);
        try {
          const started = Date.now();
          let last = 0;
          await seedDemo(ctx, { scale, seed }, (site, entity, rows) => {
            if (Date.now() - last > 1000) {
              last = Date.now();
              process.stderr.write(`  /${site} ${entity}: ${rows.toLocaleString("en")} rows\n`);
            }
          });
          process.stdout.write(`Demo data generated (scale ${scale}, seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        } finally {
          await ctx.close();
        }
      }),
    );
}
