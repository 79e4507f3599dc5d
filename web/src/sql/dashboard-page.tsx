/**
 * One dashboard: its charts, each run as the viewer (the shareable link is this page's address: whoever
 * opens it signs in with their own token and sees their own rows), Refresh, Copy link, and for its
 * owner the layout, the visibility and Delete.
 */
import { useCallback, useMemo, useState } from "react";
import { errorText } from "../api/client.js";
import { createSqlApi } from "../api/sql.js";
import type { DashboardItem } from "../api/sql.js";
import { navigate } from "../app/router.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { DashboardChart, type ItemActions } from "./dashboard-chart.js";
import { siteTitle } from "./sql-sites-page.js";
import { VisibilityBadge } from "./visibility-badge.js";

const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function DashboardPage({ siteKey, dashboardId }: { siteKey: string; dashboardId: number }) {
  const { api } = useSession();
  const sql = useMemo(() => createSqlApi(api, siteKey), [api, siteKey]);
  const { value: dashboard, error: loadError, set: setDashboard } = useLoad(() => sql.dashboard(dashboardId), [sql, dashboardId], "Could not open the dashboard");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [refreshedAt, setRefreshedAt] = useState(() => new Date());
  const [deleting, setDeleting] = useState(false);
  const link = window.location.href;

  const change = useCallback(
    async (patch: Parameters<typeof sql.updateDashboard>[1]) => {
      try {
        setDashboard(await sql.updateDashboard(dashboardId, patch));
        setError(null);
      } catch (e) {
        setError(errorText(e));
      }
    },
    [sql, dashboardId, setDashboard],
  );

  const itemActions = (items: DashboardItem[], index: number): ItemActions => {
    const plain = items.map((i) => ({ queryId: i.queryId, width: i.width }));
    return {
      widen: () => void change({ items: plain.map((i, n) => (n === index ? { ...i, width: i.width === "full" ? "half" : "full" } : i)) }),
      moveUp: () => void change({ items: plain.map((_, n) => plain[n === index - 1 ? index : n === index ? index - 1 : n]!) }),
      remove: () => void change({ items: plain.filter((_, n) => n !== index) }),
    };
  };

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(link);
      setNotice("Link copied. Whoever opens it signs in with their own token and sees only their own rows.");
    } catch {
      setNotice("Copying was refused by the browser: select the link and copy it.");
    }
  }

  async function remove() {
    try {
      await sql.deleteDashboard(dashboardId);
      navigate({ name: "dashboards", siteKey });
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "sql", siteKey }}>SQL {siteTitle(siteKey)}</Link> <span aria-hidden="true">/</span>{" "}
        <Link to={{ name: "dashboards", siteKey }}>Dashboards</Link>
      </nav>
      <div className="page-head split">
        <div>
          <h1 tabIndex={-1}>
            {dashboard?.name ?? `Dashboard ${dashboardId}`}
            {dashboard && <VisibilityBadge visibility={dashboard.visibility} />}
          </h1>
          {dashboard && (
            <p className="muted">
              By {dashboard.owner}. Each chart runs its query as you. Refreshed at {clock.format(refreshedAt)}.
            </p>
          )}
        </div>
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setRefresh((n) => n + 1);
              setRefreshedAt(new Date());
            }}
          >
            Refresh
          </button>
          <button type="button" onClick={() => void copyLink()}>
            Copy link
          </button>
        </div>
      </div>
      <div className="share-link field">
        <label htmlFor="share-link">Shareable link</label>
        <input id="share-link" readOnly value={link} onFocus={(e) => e.target.select()} className="mono" />
      </div>
      <FieldError message={loadError ?? error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {dashboard && dashboard.items.length === 0 && (
        <EmptyState title="No charts on this dashboard yet.">
          On the <Link to={{ name: "sql", siteKey }}>SQL page</Link>, run a query and “Save as chart…” onto this dashboard.
        </EmptyState>
      )}
      {dashboard && (
        <div className="dash-grid">
          {dashboard.items.map((item, index) => (
            <DashboardChart
              key={item.queryId}
              sql={sql}
              siteKey={siteKey}
              item={item}
              refresh={refresh}
              first={index === 0}
              actions={dashboard.editable ? itemActions(dashboard.items, index) : null}
            />
          ))}
        </div>
      )}
      {dashboard && (dashboard.editable || dashboard.deletable) && (
        <section className="card dash-settings" aria-labelledby="dash-settings-title">
          <h2 id="dash-settings-title">Dashboard settings</h2>
          <div className="actions">
            {dashboard.editable && (
              <button type="button" onClick={() => void change({ visibility: dashboard.visibility === "public" ? "private" : "public" })}>
                {dashboard.visibility === "public" ? "Make private" : "Make public"}
              </button>
            )}
            {dashboard.deletable && (
              <button type="button" className="danger" onClick={() => setDeleting(true)}>
                Delete dashboard
              </button>
            )}
          </div>
        </section>
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete the dashboard “${dashboard?.name ?? ""}”?`}
        message="The dashboard goes; its saved queries stay."
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onConfirm={() => void remove()}
        onClose={() => setDeleting(false)}
      />
    </>
  );
}
