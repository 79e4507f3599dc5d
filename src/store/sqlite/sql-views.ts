/**
 * A site's SQL tables on the embedded store: temp views over the store's tables, shaped like the export
 * files (src/core/sql-catalog.ts). Scoped, each scoped entity's view keeps only the rows whose scope the
 * viewer may browse, read from two temp tables the SQL thread fills before each statement
 * (`sluice_viewer`, `sluice_viewer_scopes`); unscoped (tests, benchmarks: "directly on the store"), the
 * views show every row of the site.
 */
import { tableName } from "../../core/entities/registry.js";
import { sqlTables, viewSelect } from "../../core/sql-catalog.js";
import type { SqlSite } from "../port.js";
import { quoteIdent } from "./schema.js";

export interface SiteView {
  name: string;
  ddl: string;
}

export function siteViews(site: SqlSite, scoped: boolean): SiteView[] {
  return sqlTables(site.product).map((t) => {
    let select: string;
    if (!t.entity) {
      // A WHERE on a real column: SQLite checks a statement that reads no column of a table (`count(*)`)
      // against the table itself, not through the view, and the guard would refuse that.
      select = "SELECT site_key, product, base_url, context_path FROM main.sites WHERE product <> ''";
    } else {
      select = viewSelect(t.entity, site.siteId, site.instanceUrl, `main.${quoteIdent(tableName(t.entity))}`);
      if (scoped && t.entity.scope) {
        select += " AND ((SELECT all_rows FROM temp.sluice_viewer) OR scope_key IN (SELECT scope_key FROM temp.sluice_viewer_scopes))";
      }
    }
    return { name: t.name, ddl: `CREATE TEMP VIEW ${quoteIdent(t.name)} AS ${select}` };
  });
}
