import type { SyncRun, SyncStream } from "../api/types.js";
import { count, duration, time } from "../app/format.js";

function label(name: string): string {
  return name
    .replace(/([A-Z])/g, " $1")
    .replace(/_/g, " ")
    .toLowerCase();
}

/** `3 worklogs`, `1 repository`: an entity name (plural) counted. */
function counted(n: number, entity: string): string {
  const plural = label(entity);
  const noun = n !== 1 ? plural : plural.endsWith("ies") ? `${plural.slice(0, -3)}y` : plural.replace(/s$/, "");
  return `${count(n)} ${noun}`;
}

function progressText(progress: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(progress)) {
    if (typeof value === "number") parts.push(`${label(name)} ${count(value)}`);
    else if (typeof value === "string") parts.push(`${label(name)} ${value}`);
  }
  return parts.join(", ");
}

function streamText(s: SyncStream): string {
  const items = s.total !== undefined ? `${count(s.items)} of ${count(s.total)}` : count(s.items);
  const rate = s.rate ? ` · ${count(s.rate)}/s` : "";
  const eta = s.etaSeconds !== undefined && s.status !== "DONE" ? ` · ${duration(s.etaSeconds)} left` : "";
  return `${label(s.stream)}: ${items}${rate}${eta}`;
}

export function syncErrorText(error: SyncRun["error"]): string | null {
  if (!error) return null;
  if (typeof error === "string") return error;
  const where = [error.entity, error.path].filter(Boolean).join(" ");
  return where ? `${error.message} (${where})` : error.message;
}

export function syncTone(status: string): string {
  if (/fail|error/i.test(status)) return "badge-bad";
  if (/run|start|queue|pend/i.test(status)) return "badge-info";
  return "badge-ok";
}

/** The last sync of a live connector: status, times, progress per stream, error. */
export function SyncStatus({ sync }: { sync: SyncRun | null }) {
  if (!sync) {
    return (
      <div className="site-row">
        <span className="label">Last sync</span>
        <span className="muted">Not synced yet — use Sync now.</span>
      </div>
    );
  }
  const error = syncErrorText(sync.error);
  const running = /run|start|queue|pend/i.test(sync.status);
  const streams = (sync.streams ?? []).filter((s) => running || s.status !== "DONE" || (s.items ?? 0) > 0);
  return (
    <>
      <div className="site-row">
        <span className="label">Last sync</span>
        <span>
          <span className={`badge ${syncTone(sync.status)}`}>{sync.status.toLowerCase()}</span>{" "}
          <span className="muted">
            {time(sync.startedAt)}
            {sync.finishedAt ? ` → ${time(sync.finishedAt)}` : ""}
          </span>
        </span>
      </div>
      {running && streams.length > 0 && (
        <div className="site-row">
          <span className="label">Sync progress</span>
          <ul className="plain">
            {streams.map((s) => (
              <li key={s.stream}>{streamText(s)}</li>
            ))}
          </ul>
        </div>
      )}
      {sync.progress && Object.keys(sync.progress).length > 0 && (
        <div className="site-row">
          <span className="label">Sync progress</span>
          <span>{progressText(sync.progress)}</span>
        </div>
      )}
      {sync.skipped && sync.skipped.length > 0 && (
        <div className="site-row">
          <span className="label">Skipped</span>
          <ul className="plain" aria-label="Items the source named but did not give">
            {sync.skipped.map((s) => (
              <li key={`${s.entity}:${s.reason}`} className="warning">
                {counted(s.count, s.entity)}: {s.reason}
                {s.names.length > 0 ? <span className="muted"> ({s.names.slice(0, 10).join(", ")}{s.count > 10 ? ", …" : ""})</span> : null}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && <p className="field-error">Last sync error: {error}</p>}
    </>
  );
}
