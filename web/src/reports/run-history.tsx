/**
 * A schedule's runs, newest first: each with its deliveries' outcomes and Re-send for a failed one.
 * Polls every second while a run is queued or running, slowly otherwise.
 */
import { useCallback, useRef, useState } from "react";
import { errorText } from "../api/client.js";
import type { DeliveryOutcome, QueuedRun, ReportRun, ReportSchedule, ReportsApi, RunPage } from "../api/reports.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { RunRow } from "./run-row.js";

const PAGE = 10;
const isActive = (run: ReportRun) => run.status === "QUEUED" || run.status === "RUNNING";

export interface RunHistoryProps {
  reports: ReportsApi;
  schedule: ReportSchedule;
  /** Bumped when a run was queued: load again at once. */
  generation: number;
  onResent: (run: QueuedRun) => void;
  /** A run came or changed status: the schedule's last outcome (and failure count) may have changed. */
  onChanged: () => void;
}

export function RunHistory({ reports, schedule, generation, onResent, onChanged }: RunHistoryProps) {
  const [page, setPage] = useState<RunPage | null>(null);
  const [start, setStart] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [resending, setResending] = useState<{ runId: number; index: number } | null>(null);
  /** The runs and statuses of the last answer: when they change, the schedule's last outcome has too. */
  const lastSeen = useRef<string | null>(null);

  const load = useCallback(async () => {
    try {
      const next = await reports.runs(schedule.id, start, PAGE);
      setPage(next);
      setError(null);
      const seen = next.values.map((r) => `${r.runId}:${r.status}`).join(",");
      if (lastSeen.current !== null && lastSeen.current !== seen) onChanged();
      lastSeen.current = seen;
    } catch (e) {
      setError(`Could not load the runs: ${errorText(e)}`);
    }
  }, [reports, schedule.id, start, onChanged]);
  const active = page?.values.some(isActive) ?? false;
  usePoll(load, active ? 1000 : 15_000, `${generation}-${start}`);

  async function resend(run: ReportRun, outcome: DeliveryOutcome) {
    setResending({ runId: run.runId, index: outcome.index });
    try {
      onResent(await reports.resend(run.runId, outcome.index));
      setError(null);
    } catch (e) {
      setError(`Could not re-send the ${outcome.type} delivery of run ${run.runId}: ${errorText(e)}`);
    } finally {
      setResending(null);
    }
  }

  const titleId = `runs-${schedule.id}-title`;
  return (
    <div className="run-history">
      <h3 id={titleId}>Run history</h3>
      <FieldError message={error} />
      {page === null && !error && (
        <p className="loading" role="status">
          Loading runs…
        </p>
      )}
      {page && page.total === 0 && <EmptyState title="No runs yet.">“Execute now” runs it at once; otherwise it runs at its next run time.</EmptyState>}
      {page && page.values.length > 0 && (
        <div className="table-wrap">
          <table className="table compact" aria-labelledby={titleId} data-testid="runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">When</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Deliveries</th>
              </tr>
            </thead>
            <tbody>
              {page.values.map((run) => (
                <RunRow key={run.runId} run={run} resending={resending?.runId === run.runId ? resending.index : null} onResend={(outcome) => void resend(run, outcome)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.total > PAGE && (
        <div className="pager">
          <button type="button" className="small" onClick={() => setStart(Math.max(0, start - PAGE))} disabled={start === 0}>
            Newer runs
          </button>
          <span className="muted">
            {start + 1}–{start + page.values.length} of {page.total}
          </span>
          <button type="button" className="small" onClick={() => setStart(start + PAGE)} disabled={page.isLastPage}>
            Older runs
          </button>
        </div>
      )}
    </div>
  );
}
