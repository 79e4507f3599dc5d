import { useState } from "react";
import { errorText } from "../api/client.js";
import type { SyncRun } from "../api/types.js";
import { time } from "../app/format.js";
import { useSession } from "../app/session.js";
import { syncErrorText, syncTone } from "./sync-status.js";

/** Recent syncs of a site, loaded when opened (a server without the sync API says so). */
export function SyncHistory({ siteKey }: { siteKey: string }) {
  const { admin } = useSession();
  const [runs, setRuns] = useState<SyncRun[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  async function load() {
    try {
      setRuns(await admin.syncs(siteKey));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <details
      className="sync-history"
      onToggle={(e) => {
        if ((e.currentTarget).open) void load();
      }}
    >
      <summary>Recent syncs</summary>
      {error && <p className="field-error">{error}</p>}
      {runs === undefined && !error && <p className="muted">Loading…</p>}
      {runs === null && <p className="muted">This server does not keep a sync history.</p>}
      {runs && runs.length === 0 && <p className="muted">No syncs yet. Use Sync now to run the first one.</p>}
      {runs && runs.length > 0 && (
        <ul className="plain">
          {runs.slice(0, 10).map((run, i) => (
            <li key={run.id ?? i}>
              <span className={`badge ${syncTone(run.status)}`}>{run.status.toLowerCase()}</span> {time(run.startedAt)}
              {run.mode ? <span className="muted"> · {run.mode}</span> : null}
              {syncErrorText(run.error) ? <span className="field-error inline"> {syncErrorText(run.error)}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
