/** Sluice's own admin API under `/rest/admin/v1`. */
import { ApiError } from "./client.js";
import type { Api } from "./client.js";
import type { Myself, Product, Scope, ScopeType, Site, SyncRun } from "./types.js";

const BASE = "/rest/admin/v1";

export interface NewSite {
  product: Product;
  contextPath: string;
  plan?: string;
  region?: string;
}

export interface AdminApi {
  myself(): Promise<Myself>;
  sites(): Promise<Site[]>;
  createSite(site: NewSite): Promise<Site>;
  scopes(siteKey: string, type: ScopeType, query: string): Promise<Scope[]>;
  syncNow(siteKey: string): Promise<void>;
  /** Recent syncs of a site, or null when this server has no sync endpoint. */
  syncs(siteKey: string): Promise<SyncRun[] | null>;
}

const site = (key: string): string => `${BASE}/sites/${encodeURIComponent(key)}`;

export function createAdminApi(api: Api): AdminApi {
  return {
    myself() {
      return api.get(`${BASE}/myself`);
    },
    async sites() {
      const body = await api.get<{ sites?: Site[] }>(`${BASE}/sites`);
      return body?.sites ?? [];
    },
    async createSite(newSite) {
      return (await api.request<Site>("POST", `${BASE}/sites`, { body: newSite })).body;
    },
    async scopes(siteKey, type, query) {
      const params = new URLSearchParams({ type, query });
      const body = await api.get<{ values?: Scope[] }>(`${site(siteKey)}/scopes?${params.toString()}`);
      return body?.values ?? [];
    },
    async syncNow(siteKey) {
      try {
        await api.request("POST", `${site(siteKey)}/syncs`);
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
          throw new ApiError(error.status, "This server cannot start a sync for this site.", error.errors, error.body);
        }
        throw error;
      }
    },
    async syncs(siteKey) {
      const response = await api.request<unknown>("GET", `${site(siteKey)}/syncs`, { accept: [404, 405] });
      if (response.status !== 200) return null;
      const body = response.body;
      if (Array.isArray(body)) return body as SyncRun[];
      if (body && typeof body === "object") {
        const record = body as { values?: unknown; syncs?: unknown };
        if (Array.isArray(record.values)) return record.values as SyncRun[];
        if (Array.isArray(record.syncs)) return record.syncs as SyncRun[];
      }
      return [];
    },
  };
}
