/** `sluice migrate`: apply store migrations (they also run at every start). */
import { Command } from "commander";
import { action, commandStore } from "../shared.js";

export function migrateCommand(): Command {
  return new Command("migrate").description("apply the store's schema migrations and exit").action(
    action(async (_opts: unknown, cmd: Command) => {
      const store = await commandStore(cmd);
      await store.close();
      process.stdout.write(`The ${store.kind} store is up to date.\n`);
    }),
  );
}
