/**
 * Saved queries and dashboards of a site, and who may do what with them: everyone sees their own and
 * the public ones (a system administrator sees every one); only the owner changes one; the owner or a
 * system administrator deletes one. Another site's, or one a reader may not see, is "not found" (its
 * existence is not told). A dashboard names only queries of its own site that its owner may see.
 */
import { SluiceError, type Problem } from "../../core/errors.js";
import type { ChartSpec, DashboardItem, Visibility } from "../../core/saved-sql.js";
import type { Account, Dashboard, SavedQuery, Site, Store } from "../../store/port.js";

export interface QueryInput {
  name: string;
  sql: string;
  chart: ChartSpec;
  visibility: Visibility;
}

export interface DashboardInput {
  name: string;
  visibility: Visibility;
  items: DashboardItem[];
}

/** A dashboard with each item's query, or null where the reader may not see it. */
export interface DashboardWithQueries {
  dashboard: Dashboard;
  queries: Map<number, SavedQuery>;
}

type Owned = { ownerId: number; visibility: Visibility; siteId: number };

export function canSee(account: Account, record: Owned): boolean {
  return account.sysadmin || record.ownerId === account.id || record.visibility === "public";
}

export function canChange(account: Account, record: Owned): boolean {
  return record.ownerId === account.id;
}

export function canDelete(account: Account, record: Owned): boolean {
  return account.sysadmin || record.ownerId === account.id;
}

const reader = (account: Account): number | null => (account.sysadmin ? null : account.id);

export class SavedSqlService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async queries(site: Site, account: Account): Promise<SavedQuery[]> {
    return this.store.savedSql.queries(site.id, reader(account));
  }

  async query(site: Site, account: Account, id: number): Promise<SavedQuery> {
    const found = await this.store.savedSql.query(id);
    if (!found || found.siteId !== site.id || !canSee(account, found)) {
      throw new SluiceError("sluice.sql.query.not.found", `There is no saved query ${id} on /${site.key} that you can see.`);
    }
    return found;
  }

  async createQuery(site: Site, account: Account, input: QueryInput): Promise<SavedQuery> {
    return this.store.savedSql.addQuery({ siteId: site.id, ownerId: account.id, ...input }, this.now());
  }

  async updateQuery(site: Site, account: Account, id: number, patch: Partial<QueryInput>): Promise<SavedQuery> {
    const found = await this.query(site, account, id);
    if (!canChange(account, found)) throw forbidden(`Saved query ${id} belongs to ${found.ownerName}: only they may change it.`);
    const updated = await this.store.savedSql.updateQuery(id, patch, this.now());
    if (!updated) throw new SluiceError("sluice.sql.query.not.found", `Saved query ${id} was deleted meanwhile.`);
    return updated;
  }

  async deleteQuery(site: Site, account: Account, id: number): Promise<void> {
    const found = await this.query(site, account, id);
    if (!canDelete(account, found)) throw forbidden(`Saved query ${id} belongs to ${found.ownerName}: only they (or a system administrator) may delete it.`);
    await this.store.savedSql.deleteQuery(id, this.now());
  }

  async dashboards(site: Site, account: Account): Promise<Dashboard[]> {
    return this.store.savedSql.dashboards(site.id, reader(account));
  }

  async dashboard(site: Site, account: Account, id: number): Promise<DashboardWithQueries> {
    const dashboard = await this.store.savedSql.dashboard(id);
    if (!dashboard || dashboard.siteId !== site.id || !canSee(account, dashboard)) {
      throw new SluiceError("sluice.sql.dashboard.not.found", `There is no dashboard ${id} on /${site.key} that you can see.`);
    }
    const queries = new Map<number, SavedQuery>();
    for (const item of dashboard.items) {
      const query = await this.store.savedSql.query(item.queryId);
      if (query && query.siteId === site.id && canSee(account, query)) queries.set(query.id, query);
    }
    return { dashboard, queries };
  }

  async createDashboard(site: Site, account: Account, input: DashboardInput): Promise<DashboardWithQueries> {
    await this.checkItems(site, account, input.items);
    const created = await this.store.savedSql.addDashboard({ siteId: site.id, ownerId: account.id, ...input }, this.now());
    return this.dashboard(site, account, created.id);
  }

  async updateDashboard(site: Site, account: Account, id: number, patch: Partial<DashboardInput>): Promise<DashboardWithQueries> {
    const { dashboard } = await this.dashboard(site, account, id);
    if (!canChange(account, dashboard)) throw forbidden(`Dashboard ${id} belongs to ${dashboard.ownerName}: only they may change it.`);
    // Items already on it stay allowed (a query made private since is kept, shown to those who may see it).
    if (patch.items) await this.checkItems(site, account, patch.items.filter((i) => !dashboard.items.some((d) => d.queryId === i.queryId)));
    const updated = await this.store.savedSql.updateDashboard(id, patch, this.now());
    if (!updated) throw new SluiceError("sluice.sql.dashboard.not.found", `Dashboard ${id} was deleted meanwhile.`);
    return this.dashboard(site, account, id);
  }

  async deleteDashboard(site: Site, account: Account, id: number): Promise<void> {
    const { dashboard } = await this.dashboard(site, account, id);
    if (!canDelete(account, dashboard)) throw forbidden(`Dashboard ${id} belongs to ${dashboard.ownerName}: only they (or a system administrator) may delete it.`);
    await this.store.savedSql.deleteDashboard(id);
  }

  /** Every item names a saved query of this site that the account may see: each problem reported. */
  private async checkItems(site: Site, account: Account, items: readonly DashboardItem[]): Promise<void> {
    const problems: Problem[] = [];
    for (const [i, item] of items.entries()) {
      const query = await this.store.savedSql.query(item.queryId);
      if (!query || query.siteId !== site.id || !canSee(account, query)) {
        problems.push({ key: "sluice.sql.saved.invalid", message: `items.${i}.queryId: there is no saved query ${item.queryId} on /${site.key} that you can see.` });
      }
    }
    if (problems.length > 0) throw new SluiceError("sluice.sql.saved.invalid", "Invalid dashboard", { problems });
  }
}

function forbidden(message: string): SluiceError {
  return new SluiceError("sluice.sql.saved.forbidden", message);
}
