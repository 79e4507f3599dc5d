/**
 * Who may use the backup API of an organisation: its administrators (Sluice's system administrators)
 * everything; a site administrator (a `SITE` grant, `AccessService.administers`) the policies, backups
 * and restores of the sites they administer and nothing else — not another site's backups, not a restore
 * from or into another site, not the organisation's storages. Everyone else: 403.
 */
import type { AccessService } from "../access/access-service.js";
import { SluiceError } from "../core/errors.js";
import type { Account, Site, Store } from "../store/port.js";

export type Administered = { all: true } | { all: false; siteIds: ReadonlySet<number> };

export class BackupAccess {
  constructor(
    private readonly store: Store,
    private readonly access: AccessService,
  ) {}

  /** The sites of the organisation `account` administers; 403 when none. */
  async org(account: Account, orgId: string): Promise<Administered> {
    if (account.sysadmin) return { all: true };
    const ids = new Set<number>();
    for (const site of await this.store.sites.list()) if (site.orgId === orgId && (await this.access.administers(site, account))) ids.add(site.id);
    if (ids.size === 0) throw forbidden(account, `administers no site of organisation ${orgId.slice(0, 80)}`);
    return { all: false, siteIds: ids };
  }

  /** The organisations `account` may see in the API (all for a sysadmin; those with a site they administer). */
  async orgIds(account: Account): Promise<Set<string> | "all"> {
    if (account.sysadmin) return "all";
    const ids = new Set<string>();
    for (const site of await this.store.sites.list()) if (await this.access.administers(site, account)) ids.add(site.orgId);
    return ids;
  }

  /** 403 unless `account` administers every one of `sites` (a site administrator touches only their own). */
  async sites(account: Account, sites: readonly (Site | number)[]): Promise<void> {
    if (account.sysadmin) return;
    for (const s of sites) {
      const site = typeof s === "number" ? await this.store.sites.byId(s) : s;
      if (!site || !(await this.access.administers(site, account))) throw forbidden(account, `does not administer site ${site?.cloudId ?? s}`);
    }
  }

  /** 403 for anyone but an organisation administrator (storages: shared by every site of the organisation). */
  orgAdmin(account: Account, what: string): void {
    if (!account.sysadmin) throw forbidden(account, `is not an organisation administrator; ${what} is theirs`);
  }
}

export function allows(scope: Administered, siteId: number): boolean {
  return scope.all || scope.siteIds.has(siteId);
}

function forbidden(account: Account, why: string): SluiceError {
  return new SluiceError("sluice.auth.forbidden", `User ${account.username} ${why}.`);
}
