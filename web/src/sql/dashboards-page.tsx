/** A site's dashboards you can see (your own and the public ones), and a form to make a new one. */
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import { createSqlApi } from "../api/sql.js";
import type { Visibility } from "../api/sql.js";
import { navigate } from "../app/router.js";
import { time } from "../app/format.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { siteTitle } from "./sql-sites-page.js";
import { VisibilityBadge } from "./visibility-badge.js";

export function DashboardsPage({ siteKey }: { siteKey: string }) {
  const { api } = useSession();
  const sql = useMemo(() => createSqlApi(api, siteKey), [api, siteKey]);
  const { value: dashboards, error } = useLoad(() => sql.dashboards(), [sql], "Could not load the dashboards");
  const [name, setName] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("private");
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setFormError("Give the dashboard a name.");
    setBusy(true);
    setFormError(null);
    try {
      const created = await sql.saveDashboard({ name: name.trim(), visibility, items: [] });
      navigate({ name: "dashboard", siteKey, dashboardId: created.id });
    } catch (e) {
      setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "sql", siteKey }}>SQL {siteTitle(siteKey)}</Link> <span aria-hidden="true">/</span> Dashboards
      </nav>
      <div className="page-head split">
        <div>
          <h1 tabIndex={-1}>Dashboards</h1>
          <p className="muted">Saved charts of {siteTitle(siteKey)} on one page. Yours and the public ones are listed.</p>
        </div>
        <Link to={{ name: "sql", siteKey }} className="button">
          SQL editor
        </Link>
      </div>
      <section className="card" aria-labelledby="dashboards-title">
        <h2 id="dashboards-title" className="sr-only">
          Dashboard list
        </h2>
        <FieldError message={error} />
        {dashboards && dashboards.length === 0 && <EmptyState title="No dashboards yet.">Make one below, or from “Save as chart…” on the SQL page.</EmptyState>}
        {dashboards && dashboards.length > 0 && (
          <div className="table-wrap">
            <table className="table compact" data-testid="dashboards">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="num">
                    Charts
                  </th>
                  <th scope="col">Owner</th>
                  <th scope="col">Visibility</th>
                  <th scope="col">Changed</th>
                </tr>
              </thead>
              <tbody>
                {dashboards.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <Link to={{ name: "dashboard", siteKey, dashboardId: d.id }}>{d.name}</Link>
                    </th>
                    <td className="num">{d.items.length}</td>
                    <td>{d.owner}</td>
                    <td>
                      <VisibilityBadge visibility={d.visibility} />
                    </td>
                    <td className="nowrap">{time(d.updatedTime)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="new-dashboard-title">
        <h2 id="new-dashboard-title">New dashboard</h2>
        <form className="inline-form" onSubmit={(e) => void create(e)} noValidate>
          <div className="field grow">
            <label htmlFor="new-dashboard-name">Name</label>
            <input id="new-dashboard-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} aria-invalid={formError ? true : undefined} />
          </div>
          <div className="field">
            <label htmlFor="new-dashboard-visibility">Who sees it</label>
            <select id="new-dashboard-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)}>
              <option value="private">Only me</option>
              <option value="public">Everyone signed in</option>
            </select>
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Create
          </button>
        </form>
        <FieldError message={formError} />
      </section>
    </>
  );
}
