/**
 * A report's schedules that you may manage: the list, a new one (the report's owner only), and the one
 * picked (its address is `/admin/reports/<id>/schedules/<id>`) with its next runs, actions and runs.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Report, ReportSchedule, ReportsApi } from "../api/reports.js";
import { navigate } from "../app/router.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { PausedState } from "./paused-state.js";
import { runTime, scheduleText } from "./repeat-text.js";
import { RunStatusBadge } from "./run-status-badge.js";
import { ScheduleEditor } from "./schedule-editor.js";
import { SchedulePanel } from "./schedule-panel.js";

export interface ReportSchedulesProps {
  reports: ReportsApi;
  report: Report;
  scheduleId?: number;
}

export function ReportSchedules({ reports, report, scheduleId }: ReportSchedulesProps) {
  const [schedules, setSchedules] = useState<ReportSchedule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [justSaved, setJustSaved] = useState<number | null>(null);

  const load = useCallback(async () => {
    try {
      setSchedules(await reports.schedules(report.id));
      setError(null);
    } catch (e) {
      setError(`Could not load the schedules: ${errorText(e)}`);
    }
  }, [reports, report.id]);
  usePoll(load, 30_000);

  const changed = useCallback((schedule: ReportSchedule) => {
    setSchedules((current) => {
      if (!current) return [schedule];
      return current.some((s) => s.id === schedule.id) ? current.map((s) => (s.id === schedule.id ? schedule : s)) : [...current, schedule];
    });
  }, []);

  const selected = schedules?.find((s) => s.id === scheduleId) ?? null;
  return (
    <>
      <section className="card report-schedules" aria-labelledby="schedules-title">
        <div className="section-head">
          <h2 id="schedules-title">Schedules</h2>
          {report.editable && (
            <button type="button" onClick={() => setCreating(true)} disabled={creating} aria-expanded={creating}>
              New schedule
            </button>
          )}
        </div>
        <FieldError message={error} />
        {schedules === null && !error && (
          <p className="loading" role="status">
            Loading schedules…
          </p>
        )}
        {schedules && schedules.length === 0 && !creating && (
          <EmptyState title="Not scheduled.">{report.editable ? "“New schedule” runs it on a repeat and delivers the file." : "Only its owner schedules it; “Save as…” makes a copy you can schedule."}</EmptyState>
        )}
        {schedules && schedules.length > 0 && (
          <div className="table-wrap">
            <table className="table compact" aria-label={`Schedules of ${report.name}`}>
              <thead>
                <tr>
                  <th scope="col">Schedule</th>
                  <th scope="col">Deliveries</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last outcome</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {schedules.map((s) => (
                  <tr key={s.id} data-schedule-id={s.id} className={s.id === scheduleId ? "selected" : undefined}>
                    <th scope="row">
                      <Link to={{ name: "report", reportId: report.id, scheduleId: s.id }} current={s.id === scheduleId}>
                        {scheduleText(s)}
                      </Link>
                    </th>
                    <td>{s.deliveries.map((d) => d.type).join(", ")}</td>
                    <td className="nowrap">{s.nextRunTime ? runTime(s.nextRunTime) : <span className="muted">–</span>}</td>
                    <td className="nowrap">{s.lastRun ? <RunStatusBadge status={s.lastRun.status} /> : <span className="muted">Never run</span>}</td>
                    <td>
                      <PausedState schedule={s} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {scheduleId !== undefined && schedules && !selected && <FieldError message={`There is no schedule ${scheduleId} of this report that you can see.`} />}
      </section>
      {creating && (
        <ScheduleEditor
          reports={reports}
          reportId={report.id}
          site={report.site}
          schedule={null}
          onSaved={(s) => {
            changed(s);
            setCreating(false);
            setJustSaved(s.id);
            navigate({ name: "report", reportId: report.id, scheduleId: s.id });
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {selected && (
        <SchedulePanel
          key={selected.id}
          reports={reports}
          reportName={report.name}
          site={report.site}
          schedule={selected}
          justSaved={justSaved === selected.id}
          onChanged={changed}
          onRunsChanged={() => void load()}
          onDeleted={() => {
            setSchedules((current) => current?.filter((s) => s.id !== selected.id) ?? null);
            navigate({ name: "report", reportId: report.id });
          }}
        />
      )}
    </>
  );
}
