import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { NewSite, Organisation, Site, SiteState, SitesRepo } from "../port.js";
import { toSite, type SiteRow } from "../records.js";


export function postgresSites(pool: pg.Pool): SitesRepo {
  const one = async (sql: string, params: unknown[]) => {
    const r = (await pool.query<SiteRow>(sql, params)).rows[0];
    return r ? toSite(r) : undefined;
  };
  return {
    async ensureOrganisation(orgId: string, name: string): Promise<Organisation> {
      await pool.query("INSERT INTO organisations (org_id, name) VALUES ($1, $2) ON CONFLICT (org_id) DO NOTHING", [orgId, name]);
      const r = await pool.query<Organisation>('SELECT org_id AS "orgId", name FROM organisations WHERE org_id = $1', [orgId]);
      return r.rows[0]!;
    },
    async listOrganisations() {
      return (await pool.query<Organisation>('SELECT org_id AS "orgId", name FROM organisations ORDER BY org_id COLLATE "C"')).rows;
    },
    async create(orgId: string, site: NewSite): Promise<Site> {
      const key = site.contextPath.replace(/^\/+|\/+$/g, "");
      const r = await pool.query<SiteRow>(
        `INSERT INTO sites (org_id, cloud_id, product, site_key, context_path, base_url, plan, region, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          orgId,
          randomUUID(),
          site.product,
          key,
          key === "" ? "/" : `/${key}`,
          site.baseUrl,
          site.plan ?? "standard",
          site.region ?? "local",
          site.state ?? "ready",
          Date.now(),
        ],
      );
      return toSite(r.rows[0]!);
    },
    async list() {
      return (await pool.query<SiteRow>("SELECT * FROM sites ORDER BY id")).rows.map(toSite);
    },
    async byKey(key: string) {
      return one("SELECT * FROM sites WHERE site_key = $1", [key]);
    },
    async byId(id: number) {
      return one("SELECT * FROM sites WHERE id = $1", [id]);
    },
    async setState(siteId: number, state: SiteState) {
      await pool.query("UPDATE sites SET state = $1 WHERE id = $2", [state, siteId]);
    },
  };
}
