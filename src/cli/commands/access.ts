/**
 * `sluice access list|grant|revoke|scopes|group`: who may see what on a site — groups, memberships and
 * browse grants on scopes, as the products model them.
 *   sluice access grant --site wiki --group hr --scope SPACE:HR
 *   sluice access scopes --site wiki --user jsmith
 */
import { Command } from "commander";
import type { Principal } from "../../access/access-service.js";
import { action, commandContext, siteByKey, usage } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);

interface WhoOptions {
  user?: string;
  group?: string;
  anyone?: boolean;
}

function who(opts: WhoOptions): Principal {
  const given = [opts.user, opts.group, opts.anyone].filter((x) => x !== undefined && x !== false).length;
  if (given !== 1) throw usage("give exactly one of --user NAME, --group NAME or --anyone.");
  if (opts.user !== undefined) return { type: "user", name: opts.user };
  if (opts.group !== undefined) return { type: "group", name: opts.group };
  return { type: "anyone", name: "" };
}

const describe = (p: Principal) => (p.type === "anyone" ? "anyone" : `${p.type} ${p.name}`);

export function accessCommand(): Command {
  const access = new Command("access").description("who may see what on a site: groups, members and browse grants on spaces, projects and repositories");
  const site = (c: Command) => c.requiredOption("-s, --site <key>", "site context path, e.g. wiki");
  const principal = (c: Command) => c.option("--user <name>", "a site user (the Sluice account of the same name)").option("--group <name>", "a group of the site").option("--anyone", "every user of the site");

  site(access.command("list").description("groups with their members, and grants"))
    .option("--json", "print JSON")
    .action(
      action(async (opts: { site: string; json?: boolean }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const s = await siteByKey(ctx.store, opts.site);
          const groups = await ctx.access.groups(s);
          const grants = await ctx.access.grants(s);
          if (opts.json) {
            print(JSON.stringify({ groups, grants }, null, 2));
            return;
          }
          print(`Grants on ${s.contextPath}:`);
          for (const g of grants) print(`  ${`${g.scopeType}:${g.scopeKey}`.padEnd(28)} ${g.permission.padEnd(8)} ${describe(g.principal)}`);
          print(`Groups:`);
          for (const g of groups) print(`  ${g.name.padEnd(28)} ${g.members.length} member(s)${g.members.length ? `: ${g.members.slice(0, 8).join(", ")}${g.members.length > 8 ? ", …" : ""}` : ""}`);
        } finally {
          await ctx.close();
        }
      }),
    );

  principal(site(access.command("grant").description("let a user, a group or anyone browse a scope")))
    .requiredOption("--scope <scope>", "SPACE:KEY, PROJECT:KEY, REPOSITORY:PROJECT/slug, REPOSITORY:<id>, or SITE (administers the site: its backups and restores)")
    .action(
      action(async (opts: { site: string; scope: string } & WhoOptions, cmd: Command) => {
        const p = who(opts);
        const ctx = await commandContext(cmd);
        try {
          const g = await ctx.access.grant(await siteByKey(ctx.store, opts.site), opts.scope, p);
          print(`Granted ${g.permission} on ${g.scopeType}:${g.scopeKey} to ${describe(g.principal)}.`);
        } finally {
          await ctx.close();
        }
      }),
    );

  principal(site(access.command("revoke").description("take a grant back")))
    .requiredOption("--scope <scope>", "SPACE:KEY, PROJECT:KEY, REPOSITORY:PROJECT/slug or REPOSITORY:<id>")
    .action(
      action(async (opts: { site: string; scope: string } & WhoOptions, cmd: Command) => {
        const p = who(opts);
        const ctx = await commandContext(cmd);
        try {
          if (!(await ctx.access.revoke(await siteByKey(ctx.store, opts.site), opts.scope, p))) throw usage(`There is no such grant on ${opts.scope} for ${describe(p)}.`);
          print(`Revoked ${opts.scope} from ${describe(p)}.`);
        } finally {
          await ctx.close();
        }
      }),
    );

  site(access.command("scopes").description("the scopes a Sluice account may browse on the site"))
    .requiredOption("--user <name>", "the account's (and site user's) name")
    .action(
      action(async (opts: { site: string; user: string }, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const s = await siteByKey(ctx.store, opts.site);
          const account = (await ctx.store.accounts.byUsername(opts.user)) ?? { username: opts.user, sysadmin: false };
          const scopes = await ctx.access.scopesFor(s, account);
          if (scopes.all) print(`${opts.user} is a system administrator: every scope of ${s.contextPath}.`);
          else if (scopes.user === null) print(`${opts.user} is no user of ${s.contextPath}: only what anyone may browse (${scopes.scopes.join(", ") || "nothing"}).`);
          else print(scopes.scopes.length > 0 ? scopes.scopes.join("\n") : `${opts.user} may browse nothing on ${s.contextPath}.`);
        } finally {
          await ctx.close();
        }
      }),
    );

  const group = access.command("group").description("create or remove groups, add or remove members");
  for (const [verb, what] of [["create", "create a group"], ["remove", "remove a group with its memberships and grants"]] as const) {
    site(group.command(verb).description(what))
      .argument("<group>", "the group's name")
      .action(
        action(async (name: string, opts: { site: string }, cmd: Command) => {
          const ctx = await commandContext(cmd);
          try {
            const s = await siteByKey(ctx.store, opts.site);
            if (verb === "create") await ctx.access.createGroup(s, name);
            else await ctx.access.deleteGroup(s, name);
            print(`Group ${name} ${verb === "create" ? "created" : "removed"}.`);
          } finally {
            await ctx.close();
          }
        }),
      );
  }
  for (const [verb, what] of [["add", "add a site user to a group"], ["drop", "remove a user from a group"]] as const) {
    site(group.command(verb).description(what))
      .argument("<group>", "the group's name")
      .argument("<user>", "the site user's name")
      .action(
        action(async (name: string, user: string, opts: { site: string }, cmd: Command) => {
          const ctx = await commandContext(cmd);
          try {
            const s = await siteByKey(ctx.store, opts.site);
            if (verb === "add") await ctx.access.addMember(s, name, user);
            else if (!(await ctx.access.removeMember(s, name, user))) throw usage(`${user} is not in group ${name}.`);
            print(verb === "add" ? `${user} added to ${name}.` : `${user} removed from ${name}.`);
          } finally {
            await ctx.close();
          }
        }),
      );
  }
  return access;
}
