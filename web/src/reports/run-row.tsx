/** One run of a schedule: status (and why it failed or skipped), when, rows, size, file, deliveries. */
import type { DeliveryOutcome, ReportRun } from "../api/reports.js";
import { bytes, count } from "../app/format.js";
import { DeliveryOutcomes } from "./delivery-outcomes.js";
import { runTime } from "./repeat-text.js";
import { RunStatusBadge } from "./run-status-badge.js";

const SKIPPED: Record<string, string> = {
  empty: "Skipped: no rows.",
  unchanged: "Skipped: unchanged since the last delivery.",
};

/** Who started a run. */
const TRIGGERS: Record<string, string> = {
  api: "hand",
  cli: "the command line",
  schedule: "the schedule",
};

export interface RunRowProps {
  run: ReportRun;
  resending: number | null;
  onResend: (outcome: DeliveryOutcome) => void;
}

export function RunRow({ run, resending, onResend }: RunRowProps) {
  return (
    <tr data-run-id={run.runId} data-status={run.status}>
      <th scope="row" className="nowrap">
        Run {run.runId}
        {run.resendOf && <span className="muted"> · re-send of run {run.resendOf.runId}</span>}
      </th>
      <td>
        <RunStatusBadge status={run.status} />
        {run.progress && run.status === "RUNNING" && (
          <span className="muted">
            {" "}
            {run.progress.label}: {count(run.progress.rows)} rows
          </span>
        )}
        {run.skipped && <span className="muted"> {SKIPPED[run.skipped] ?? run.skipped}</span>}
        {run.error && <div className="job-error">{run.error.message}</div>}
      </td>
      <td className="nowrap">
        {runTime(run.completedTime ?? run.createdTime)}
        <div className="muted">{run.completedTime ? "finished" : "queued"}, by {TRIGGERS[run.trigger] ?? run.trigger}</div>
      </td>
      <td className="num">{count(run.rows)}</td>
      <td className="num nowrap">{bytes(run.bytes)}</td>
      <td>
        <DeliveryOutcomes run={run} resending={resending} onResend={onResend} />
      </td>
    </tr>
  );
}
