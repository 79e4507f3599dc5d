/** One report of the list: who owns it, where, and each of its schedules with next run, last outcome and actions. */
import type { DashboardEntry, QueuedRun, Report, ReportSchedule, ReportsApi } from "../api/reports.js";
import { Link } from "../components/link.js";
import { VisibilityBadge } from "../sql/visibility-badge.js";
import { PausedState } from "./paused-state.js";
import { sourceOf } from "./report-source.js";
import { runTime, scheduleText } from "./repeat-text.js";
import { RunStatusBadge } from "./run-status-badge.js";
import { ScheduleActions } from "./schedule-actions.js";

export interface ReportEntryProps {
  reports: ReportsApi;
  entry: DashboardEntry;
  onSaveAs: (report: Report) => void;
  onQueued: (schedule: ReportSchedule, run: QueuedRun) => void;
  onChanged: (schedule: ReportSchedule) => void;
  onError: (message: string) => void;
}

export function ReportEntry({ reports, entry, onSaveAs, onQueued, onChanged, onError }: ReportEntryProps) {
  const { report, schedules } = entry;
  const titleId = `report-${report.id}-title`;
  return (
    <article className="card report-entry" aria-labelledby={titleId} data-report-id={report.id}>
      <div className="report-entry-head">
        <div>
          <h2 id={titleId}>
            <Link to={{ name: "report", reportId: report.id }}>{report.name}</Link> <VisibilityBadge visibility={report.visibility} />
          </h2>
          <p className="muted report-meta">
            <span>Owner {report.owner}</span> · <span className="mono">{report.site ?? "–"}</span> · <span className="mono">{sourceOf(report)}</span>
          </p>
        </div>
        {!report.editable && (
          <button type="button" className="small" onClick={() => onSaveAs(report)}>
            Save as…<span className="sr-only"> a copy of {report.name}</span>
          </button>
        )}
      </div>
      {schedules.length === 0 ? (
        <p className="muted">{report.editable ? "Not scheduled: open it to add a schedule." : "No schedules of it that you can see."}</p>
      ) : (
        <div className="table-wrap">
          <table className="table compact" aria-label={`Schedules of ${report.name}`}>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last outcome</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((s) => {
                const label = `schedule ${s.id} of ${report.name}`;
                return (
                  <tr key={s.id} data-schedule-id={s.id}>
                    <th scope="row">
                      <Link to={{ name: "report", reportId: report.id, scheduleId: s.id }}>{scheduleText(s)}</Link>
                      <span className="muted"> · {s.owner}</span>
                    </th>
                    <td className="nowrap" data-testid="next-run">
                      {s.nextRunTime ? runTime(s.nextRunTime) : <span className="muted">–</span>}
                    </td>
                    <td className="nowrap" data-testid="last-outcome">
                      {s.lastRun ? (
                        <>
                          <RunStatusBadge status={s.lastRun.status} /> <span className="muted">{runTime(s.lastRun.time)}</span>
                        </>
                      ) : (
                        <span className="muted">Never run</span>
                      )}
                    </td>
                    <td data-testid="state">
                      <PausedState schedule={s} />
                    </td>
                    <td>
                      <ScheduleActions reports={reports} schedule={s} label={label} onQueued={(run) => onQueued(s, run)} onChanged={onChanged} onError={onError} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}
