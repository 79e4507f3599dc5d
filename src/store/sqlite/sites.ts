import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { NewSite, Organisation, Site, SiteState, SitesRepo } from "../port.js";
import { toSite, type SiteRow } from "../records.js";


export function sqliteSites(db: Database.Database): SitesRepo {
  return {
    async ensureOrganisation(orgId: string, name: string): Promise<Organisation> {
      db.prepare("INSERT OR IGNORE INTO organisations (org_id, name) VALUES (?, ?)").run(orgId, name);
      return db.prepare("SELECT org_id AS orgId, name FROM organisations WHERE org_id = ?").get(orgId) as Organisation;
    },
    async listOrganisations() {
      return db.prepare("SELECT org_id AS orgId, name FROM organisations ORDER BY org_id").all() as Organisation[];
    },
    async create(orgId: string, site: NewSite): Promise<Site> {
      const key = site.contextPath.replace(/^\/+|\/+$/g, "");
      const info = db
        .prepare(
          `INSERT INTO sites (org_id, cloud_id, product, site_key, context_path, base_url, plan, region, state, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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
        );
      return toSite(db.prepare("SELECT * FROM sites WHERE id = ?").get(info.lastInsertRowid) as SiteRow);
    },
    async list() {
      return (db.prepare("SELECT * FROM sites ORDER BY id").all() as SiteRow[]).map(toSite);
    },
    async byKey(key: string) {
      const r = db.prepare("SELECT * FROM sites WHERE site_key = ?").get(key) as SiteRow | undefined;
      return r ? toSite(r) : undefined;
    },
    async byId(id: number) {
      const r = db.prepare("SELECT * FROM sites WHERE id = ?").get(id) as SiteRow | undefined;
      return r ? toSite(r) : undefined;
    },
    async setState(siteId: number, state: SiteState) {
      db.prepare("UPDATE sites SET state = ? WHERE id = ?").run(state, siteId);
    },
  };
}
