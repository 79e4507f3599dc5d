/** The SQL home: each site with its editor and its dashboards. */
import { sqlSites } from "../api/sql.js";
import { productName } from "../app/format.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";

/** A site's path for headings, from its key in console addresses (`-` is the site at `/`). */
export function siteTitle(siteKey: string): string {
  return siteKey === "-" ? "/" : `/${siteKey}`;
}

/** A site's key in console addresses: `-` for the site at `/`. */
const keyOf = (site: { key: string }) => site.key || "-";

export function SqlSitesPage() {
  const { api } = useSession();
  const { value: sites, error } = useLoad(() => sqlSites(api), [api], "Could not load the sites");
  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>SQL</h1>
        <p className="muted">Query a site's data with SQL, save the answers as charts, and put charts on dashboards.</p>
      </div>
      <FieldError message={error} />
      {sites && sites.length === 0 && <EmptyState title="There are no sites yet.">An administrator adds them on the Sites page.</EmptyState>}
      <div className="site-grid">
        {sites?.map((site) => (
          <article key={site.key} className="card site-card" aria-labelledby={`sql-${keyOf(site)}`}>
            <h2 id={`sql-${keyOf(site)}`}>
              {productName(site.product)} <span className="path">{site.contextPath}</span>
            </h2>
            <div className="actions">
              <Link to={{ name: "sql", siteKey: keyOf(site) }} className="button">
                SQL editor<span className="sr-only"> of {site.contextPath}</span>
              </Link>
              <Link to={{ name: "dashboards", siteKey: keyOf(site) }} className="button">
                Dashboards<span className="sr-only"> of {site.contextPath}</span>
              </Link>
            </div>
          </article>
        ))}
      </div>
    </>
  );
}
