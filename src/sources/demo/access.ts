/**
 * Demo access rules, as the products model them: everyone in the product's users group, two
 * administrators, teams (a user in one or two), and browse grants — most spaces and projects to
 * everyone, a few restricted to their team, personal spaces and projects to their owner alone. Written
 * last, from a stream of its own, so the rest of the demo data stays the same.
 */
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";

export interface DemoScope {
  type: "SPACE" | "PROJECT" | "REPOSITORY";
  key: string;
  /** Browse is for this team only (a restricted space or project). */
  team?: string;
  /** A personal space or project: its owner alone. */
  owner?: User;
}

export const TEAMS = ["engineering", "support", "hr", "finance", "legal", "security", "ops"] as const;

export async function writeAccess(ctx: DemoContext, users: readonly User[], scopes: readonly DemoScope[]): Promise<void> {
  const product = ctx.site.product;
  const rng = ctx.rng.fork(`${product}.access`);
  const everyone = product === "bitbucket" ? "stash-users" : `${product}-users`;
  const admins = `${product}-administrators`;
  const groups = ctx.sink.entity("groups");
  const members = ctx.sink.entity("group_members");
  const grants = ctx.sink.entity("grants");
  for (const name of [everyone, admins, ...TEAMS]) await groups.add({ group_name: name });
  for (const [i, user] of users.entries()) {
    await members.add({ group_name: everyone, user_name: user.username });
    if (i < 2) await members.add({ group_name: admins, user_name: user.username });
    const first = rng.pick(TEAMS);
    await members.add({ group_name: first, user_name: user.username });
    if (rng.chance(0.3)) {
      const second = rng.pick(TEAMS);
      if (second !== first) await members.add({ group_name: second, user_name: user.username });
    }
  }
  const grant = (scope: DemoScope, principal_type: "user" | "group", principal_name: string) =>
    grants.add({ scope_type: scope.type, scope_key: scope.key, principal_type, principal_name, permission: "BROWSE" });
  for (const scope of scopes) {
    if (scope.owner) await grant(scope, "user", scope.owner.username);
    else {
      await grant(scope, "group", scope.team ?? everyone);
      await grant(scope, "group", admins);
    }
  }
}
