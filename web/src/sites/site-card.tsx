import { useState } from "react";
import { errorText } from "../api/client.js";
import type { Site } from "../api/types.js";
import { count, productName, time } from "../app/format.js";
import { useSession } from "../app/session.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { StatusBadge } from "../components/status-badge.js";
import { routeKeyOf, siteLabel } from "./use-site.js";
import { SyncHistory } from "./sync-history.js";
import { SyncStatus } from "./sync-status.js";

export function SiteCard({ site, onChanged }: { site: Site; onChanged: () => Promise<void> }) {
  const { admin } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const counts = Object.entries(site.counts ?? {});
  const headingId = `site-${site.key || "root"}`;
  const syncRunning = /run|start|queue|pend/i.test(site.source?.lastSync?.status ?? "");

  async function syncNow() {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await admin.syncNow(routeKeyOf(site));
      setNotice("Sync started.");
      await onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="card site-card" aria-labelledby={headingId}>
      <header className="site-card-head">
        <h2 id={headingId}>
          <Link to={{ name: "pipeline", siteKey: routeKeyOf(site) }}>
            {productName(site.product)} <span className="path">{siteLabel(site)}</span>
          </Link>
        </h2>
        {site.state && site.state !== "ready" && <span className="badge badge-warn">{site.state}</span>}
      </header>
      <p className="base-url">
        <span className="sr-only">Base URL: </span>
        {site.baseUrl}
      </p>
      {counts.length > 0 ? (
        <dl className="counts" aria-label="Entity counts">
          {counts.map(([entity, n]) => (
            <div key={entity}>
              <dt>{entity.replace(/_/g, " ")}</dt>
              <dd>{count(n)}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">No data yet.</p>
      )}
      <div className="site-row">
        <span className="label">Last export</span>
        {site.lastExport ? (
          <span>
            <StatusBadge status={site.lastExport.status} />{" "}
            <Link to={{ name: "job", siteKey: routeKeyOf(site), jobId: site.lastExport.jobId }}>
              Job {site.lastExport.jobId}
            </Link>{" "}
            <span className="muted">{time(site.lastExport.completedTime ?? site.lastExport.startTime)}</span>
          </span>
        ) : (
          <span className="muted">Never exported</span>
        )}
      </div>
      <div className="site-row">
        <span className="label">Source</span>
        {site.source ? (
          <span>
            {site.source.kind}
            {site.source.url ? <span className="muted"> · {site.source.url}</span> : null}
          </span>
        ) : (
          <span className="muted">Local data (no live connector)</span>
        )}
      </div>
      {site.source && <SyncStatus sync={site.source.lastSync} />}
      {site.source?.nextSyncAt && (
        <div className="site-row">
          <span className="label">Next sync</span>
          <span>
            {time(site.source.nextSyncAt)}
            {site.source.nextReconcileAt ? <span className="muted"> · reconcile {time(site.source.nextReconcileAt)}</span> : null}
          </span>
        </div>
      )}
      {site.source && <SyncHistory siteKey={routeKeyOf(site)} />}
      <div className="actions">
        <Link to={{ name: "pipeline", siteKey: routeKeyOf(site) }} className="button">
          Data pipeline
        </Link>
        <Link to={{ name: "sql", siteKey: routeKeyOf(site) }} className="button">
          SQL
        </Link>
        {site.source && (
          <button
            type="button"
            onClick={() => void syncNow()}
            disabled={busy || syncRunning}
            aria-describedby={error ? `${headingId}-sync-error` : undefined}
          >
            {busy ? "Starting…" : syncRunning ? "Sync running…" : "Sync now"}
          </button>
        )}
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FieldError id={`${headingId}-sync-error`} message={error} />
    </article>
  );
}
