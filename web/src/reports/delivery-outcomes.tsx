/**
 * A run's deliveries: type, status, attempts, error and detail (a download link as a link); Re-send any
 * failed one (of a re-send run, the server re-sends the original run's delivery).
 */
import type { DeliveryOutcome, ReportRun } from "../api/reports.js";
import { DELIVERY_NAMES } from "./deliveries-editor.js";
import { RunStatusBadge } from "./run-status-badge.js";

export interface DeliveryOutcomesProps {
  run: ReportRun;
  /** Which delivery is being re-sent (its index), if any. */
  resending: number | null;
  onResend: (outcome: DeliveryOutcome) => void;
}

function Detail({ outcome, run }: { outcome: DeliveryOutcome; run: ReportRun }) {
  if (!outcome.detail) return null;
  if (outcome.type === "link" && /^https?:\/\//.test(outcome.detail)) {
    return (
      <a href={outcome.detail} className="wrap" rel="noreferrer">
        Download {run.fileName ?? "the file"}
      </a>
    );
  }
  return <span className="mono wrap">{outcome.detail}</span>;
}

export function DeliveryOutcomes({ run, resending, onResend }: DeliveryOutcomesProps) {
  if (run.deliveries.length === 0) return <span className="muted">{run.skipped ? "Nothing delivered" : "–"}</span>;
  return (
    <ul className="plain delivery-outcomes">
      {run.deliveries.map((d) => (
        <li key={d.index} data-delivery-index={d.index} data-delivery-type={d.type}>
          <span className="delivery-type">{DELIVERY_NAMES[d.type] ?? d.type}</span> <RunStatusBadge status={d.status} />{" "}
          <span className="muted">
            {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
          </span>{" "}
          <Detail outcome={d} run={run} />
          {d.error && <span className="job-error"> {d.error}</span>}
          {d.status === "FAILED" && (
            <>
              {" "}
              <button type="button" className="small" onClick={() => onResend(d)} disabled={resending !== null}>
                {resending === d.index ? "Re-sending…" : "Re-send"}
                <span className="sr-only">
                  {" "}
                  the {DELIVERY_NAMES[d.type] ?? d.type} delivery of run {run.runId}
                </span>
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
