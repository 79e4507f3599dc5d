/**
 * Who may see what, per site: groups, memberships and browse grants on scopes, as the products model
 * them (a Jira project, a Confluence space, a Bitbucket project or repository; to a user, a group or
 * anyone). A Sluice account maps to the site user of the same name; `scopesFor` is the one answer to
 * "which scopes may this account browse on this site" (sysadmins: all), and queries given the account's
 * `Viewer` filter their rows by the same rule, inside the store.
 */
import { ADMINISTER, BROWSE, SITE_SCOPE, type PrincipalType, type Viewer } from "../core/access.js";
import { entity, type Product } from "../core/entities/registry.js";
import { SluiceError } from "../core/errors.js";
import { findScopes } from "../sites/scopes.js";
import type { Account, Site, Store } from "../store/port.js";

/** The scope kinds a product's grants name: what the product's permission screens offer. */
export const GRANT_SCOPES: Record<Product, readonly ("SPACE" | "PROJECT" | "REPOSITORY")[]> = {
  confluence: ["SPACE"],
  jira: ["PROJECT"],
  bitbucket: ["PROJECT", "REPOSITORY"],
};

export interface Principal {
  type: PrincipalType;
  /** The user or group name; empty for anyone. */
  name: string;
}

export interface Grant {
  scopeType: string;
  scopeKey: string;
  principal: Principal;
  permission: string;
}

export interface GroupInfo {
  name: string;
  members: string[];
}

const GRANTS = (p: Product) => entity(p, "grants");
const GROUPS = (p: Product) => entity(p, "groups");
const MEMBERS = (p: Product) => entity(p, "group_members");
const USERS = (p: Product) => entity(p, "users");

export class AccessService {
  constructor(private readonly store: Store) {}

  /** The viewer an account is on a site: everything for a sysadmin, else the site user of its name. */
  async viewerFor(site: Site, account: Pick<Account, "username" | "sysadmin">): Promise<Viewer> {
    if (account.sysadmin) return { all: true };
    return { all: false, user: (await this.userExists(site, account.username)) ? account.username : null };
  }

  /** Which scopes an account may browse on a site: all (sysadmins), or these keys. */
  async scopesFor(site: Site, account: Pick<Account, "username" | "sysadmin">): Promise<{ all: true } | { all: false; user: string | null; scopes: string[] }> {
    const viewer = await this.viewerFor(site, account);
    if (viewer.all) return { all: true };
    return { all: false, user: viewer.user, scopes: (await this.store.data.browsable(site.id, site.product, viewer)) ?? [] };
  }

  async userExists(site: Site, name: string): Promise<boolean> {
    return (await this.store.data.distinct(site.id, USERS(site.product), ["user_name"], { column: "user_name", in: [name] }, 1)).length > 0;
  }

  async groupExists(site: Site, name: string): Promise<boolean> {
    return (await this.store.data.distinct(site.id, GROUPS(site.product), ["group_name"], { column: "group_name", in: [name] }, 1)).length > 0;
  }

  async groups(site: Site): Promise<GroupInfo[]> {
    const groups = await this.store.data.distinct(site.id, GROUPS(site.product), ["group_name"], { column: "group_name" }, 100_000);
    const members = await this.store.data.distinct(site.id, MEMBERS(site.product), ["group_name", "user_name"], { column: "group_name" }, 1_000_000);
    return groups.map((g) => ({ name: String(g.group_name), members: members.filter((m) => m.group_name === g.group_name).map((m) => String(m.user_name)) }));
  }

  async grants(site: Site): Promise<Grant[]> {
    const rows = await this.store.data.distinct(
      site.id,
      GRANTS(site.product),
      ["scope_type", "scope_key", "principal_type", "principal_name", "permission"],
      { column: "scope_type" },
      1_000_000,
    );
    return rows.map((r) => ({
      scopeType: String(r.scope_type),
      scopeKey: String(r.scope_key),
      principal: { type: r.principal_type as PrincipalType, name: String(r.principal_name ?? "") },
      permission: String(r.permission),
    }));
  }

  /**
   * A scope as a grant stores it, from `SPACE:KEY`, `PROJECT:KEY`, `REPOSITORY:PROJECT/slug`,
   * `REPOSITORY:<id>` or `SITE` (the whole site: a grant on it administers the site); refuses a kind the product does not have and a scope the site does not have.
   */
  async resolveScope(site: Site, text: string): Promise<{ type: string; key: string }> {
    if (/^\s*SITE(:\*)?\s*$/i.test(text)) return { ...SITE_SCOPE };
    const m = /^(SPACE|PROJECT|REPOSITORY):(.{1,255})$/i.exec(text.trim());
    const kinds = GRANT_SCOPES[site.product];
    if (!m) {
      throw new SluiceError("sluice.access.invalid", `scope: '${text.slice(0, 80)}' is not a scope; on a ${site.product} site write ${kinds.map((k) => `${k}:KEY`).join(" or ")}.`);
    }
    const type = m[1]!.toUpperCase() as "SPACE" | "PROJECT" | "REPOSITORY";
    const key = m[2]!.trim();
    if (!kinds.includes(type)) {
      throw new SluiceError("sluice.access.invalid", `scope: a ${site.product} site has no ${type.toLowerCase()}s; grants name ${kinds.join(" or ")}.`);
    }
    if (site.product === "bitbucket" && type === "PROJECT") {
      const found = await this.store.data.distinct(site.id, entity("bitbucket", "repositories"), ["project_key"], { column: "project_key", in: [key] }, 1);
      if (found.length === 0) throw new SluiceError("sluice.access.scope.not.found", `scope: site /${site.key} has no project ${key}.`);
      return { type, key };
    }
    const found = await findScopes(this.store, site, { keys: [key] }, 2);
    const match = found.find((f) => f.key === key || f.identifier === key);
    if (!match) throw new SluiceError("sluice.access.scope.not.found", `scope: site /${site.key} has no ${type.toLowerCase()} ${key}.`);
    // Rows carry a repository's id as their scope, a space's or a project's key.
    return { type, key: type === "REPOSITORY" ? match.identifier : match.key };
  }

  private async resolvePrincipal(site: Site, principal: Principal): Promise<Principal> {
    if (principal.type === "anyone") return { type: "anyone", name: "" };
    if (principal.type === "user" && !(await this.userExists(site, principal.name))) {
      throw new SluiceError("sluice.access.user.not.found", `user: site /${site.key} has no user '${principal.name.slice(0, 80)}'.`);
    }
    if (principal.type === "group" && !(await this.groupExists(site, principal.name))) {
      throw new SluiceError("sluice.access.group.not.found", `group: site /${site.key} has no group '${principal.name.slice(0, 80)}' (create it first).`);
    }
    return principal;
  }

  async grant(site: Site, scopeText: string, principal: Principal): Promise<Grant> {
    const scope = await this.resolveScope(site, scopeText);
    const who = await this.resolvePrincipal(site, principal);
    const permission = scope.type === SITE_SCOPE.type ? ADMINISTER : BROWSE;
    if (permission === ADMINISTER && who.type === "anyone") throw new SluiceError("sluice.access.invalid", "scope: SITE administers the site; grant it to a user or a group, not to anyone.");
    await this.store.data.upsert(site.id, GRANTS(site.product), [[scope.type, scope.key, who.type, who.name, permission]]);
    return { scopeType: scope.type, scopeKey: scope.key, principal: who, permission };
  }

  /** Removes a grant; false when there was none. */
  async revoke(site: Site, scopeText: string, principal: Principal): Promise<boolean> {
    const scope = await this.resolveScope(site, scopeText);
    const name = principal.type === "anyone" ? "" : principal.name;
    return (await this.store.data.deleteByKey(site.id, GRANTS(site.product), [[scope.type, scope.key, principal.type, name]])) > 0;
  }

  /** Whether an account administers a site: a sysadmin, or the site user granted `SITE` (directly or through a group). */
  async administers(site: Site, account: Pick<Account, "username" | "sysadmin">): Promise<boolean> {
    if (account.sysadmin) return true;
    const grants = await this.store.data.distinct(site.id, GRANTS(site.product), ["principal_type", "principal_name", "permission"], { column: "scope_type", in: [SITE_SCOPE.type] }, 10_000);
    const admins = grants.filter((g) => g.permission === ADMINISTER);
    if (admins.some((g) => g.principal_type === "user" && g.principal_name === account.username)) return true;
    const groups = new Set(admins.filter((g) => g.principal_type === "group").map((g) => String(g.principal_name)));
    if (groups.size === 0) return false;
    const memberOf = await this.store.data.distinct(site.id, MEMBERS(site.product), ["group_name"], { column: "user_name", in: [account.username] }, 10_000);
    return memberOf.some((m) => groups.has(String(m.group_name)));
  }

  async createGroup(site: Site, name: string): Promise<void> {
    if (!/^[\p{L}\p{N}._ -]{1,100}$/u.test(name)) {
      throw new SluiceError("sluice.access.invalid", `group: '${name.slice(0, 80)}' is not a group name (1–100 letters, digits, spaces, . _ -).`);
    }
    await this.store.data.upsert(site.id, GROUPS(site.product), [[name]]);
  }

  async addMember(site: Site, group: string, user: string): Promise<void> {
    await this.resolvePrincipal(site, { type: "group", name: group });
    await this.resolvePrincipal(site, { type: "user", name: user });
    await this.store.data.upsert(site.id, MEMBERS(site.product), [[group, user]]);
  }

  async removeMember(site: Site, group: string, user: string): Promise<boolean> {
    return (await this.store.data.deleteByKey(site.id, MEMBERS(site.product), [[group, user]])) > 0;
  }

  /** Removes a group with its memberships and grants. */
  async deleteGroup(site: Site, group: string): Promise<boolean> {
    await this.resolvePrincipal(site, { type: "group", name: group });
    const members = (await this.groups(site)).find((g) => g.name === group)?.members ?? [];
    await this.store.data.deleteByKey(site.id, MEMBERS(site.product), members.map((m) => [group, m]));
    const grants = (await this.grants(site)).filter((g) => g.principal.type === "group" && g.principal.name === group);
    await this.store.data.deleteByKey(site.id, GRANTS(site.product), grants.map((g) => [g.scopeType, g.scopeKey, "group", group]));
    return (await this.store.data.deleteByKey(site.id, GROUPS(site.product), [[group]])) > 0;
  }
}
