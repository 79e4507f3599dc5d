import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Site } from "../api/types.js";
import { useSession } from "../app/session.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { SiteCard } from "./site-card.js";
import { AddSiteForm } from "./add-site-form.js";

function syncing(sites: Site[]): boolean {
  return sites.some((s) => {
    const status = s.source?.lastSync?.status?.toLowerCase() ?? "";
    return status === "running" || status === "started" || status === "queued" || status === "pending";
  });
}

/** Every site of the server: product, base URL, counts, last export and the source's sync state. */
export function SitesPage() {
  const { admin } = useSession();
  const [sites, setSites] = useState<Site[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSites(await admin.sites());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [admin]);

  usePoll(load, sites && syncing(sites) ? 2000 : 10000);

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>Sites</h1>
        <p className="muted">Each site is one Jira, Confluence or Bitbucket instance served by this Sluice server.</p>
      </div>
      <FieldError message={error} />
      {sites === null && !error && (
        <p className="loading" role="status">
          Loading sites…
        </p>
      )}
      {sites && sites.length === 0 && (
        <EmptyState title="No sites yet.">
          Add one below: choose its product and the context path it is served at.
        </EmptyState>
      )}
      {sites && sites.length > 0 && (
        <ul className="site-grid" aria-label="Sites">
          {sites.map((site) => (
            <li key={site.key}>
              <SiteCard site={site} onChanged={load} />
            </li>
          ))}
        </ul>
      )}
      <AddSiteForm onCreated={load} />
    </>
  );
}
