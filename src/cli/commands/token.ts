/** `sluice token create`: a new personal access token (shown once, stored hashed). */
import { Command } from "commander";
import { issueToken } from "../../access/tokens.js";
import { action, usage, commandStore } from "../shared.js";

export function tokenCommand(): Command {
  const token = new Command("token").description("manage personal access tokens");
  token.addCommand(
    new Command("create")
      .description("create a personal access token (printed once)")
      .option("--user <name>", "account name", "admin")
      .option("--name <label>", "what the token is for", "cli")
      .option("--no-sysadmin", "an account without system administrator rights")
      .action(
        action(async (opts: { user: string; name: string; sysadmin: boolean }, cmd: Command) => {
          if (!/^[A-Za-z0-9._@-]{1,64}$/.test(opts.user)) throw usage("--user must be 1-64 letters, digits or . _ @ -");
          const store = await commandStore(cmd);
          try {
            const value = await issueToken(store, { username: opts.user, sysadmin: opts.sysadmin, name: opts.name });
            process.stdout.write(`${value}\n`);
          } finally {
            await store.close();
          }
        }),
      ),
  );
  return token;
}
