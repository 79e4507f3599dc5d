/** One schedule: its state, next runs, Execute now / Pause / Resume, its settings to edit, and its runs. */
import { useEffect, useRef, useState } from "react";
import { errorText } from "../api/client.js";
import type { QueuedRun, ReportSchedule, ReportsApi } from "../api/reports.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { FieldError } from "../components/field-error.js";
import { NextRuns } from "./next-runs.js";
import { PausedState } from "./paused-state.js";
import { scheduleText } from "./repeat-text.js";
import { RunHistory } from "./run-history.js";
import { ScheduleActions } from "./schedule-actions.js";
import { ScheduleEditor } from "./schedule-editor.js";

export interface SchedulePanelProps {
  reports: ReportsApi;
  reportName: string;
  /** The report's site (its context path). */
  site: string | null;
  schedule: ReportSchedule;
  /** Just made: say so, and take the focus. */
  justSaved: boolean;
  onChanged: (schedule: ReportSchedule) => void;
  /** Its runs changed: the schedule's last outcome may have too. */
  onRunsChanged: () => void;
  onDeleted: () => void;
}

export function SchedulePanel({ reports, reportName, site, schedule, justSaved, onChanged, onRunsChanged, onDeleted }: SchedulePanelProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [notice, setNotice] = useState<string | null>(justSaved ? "Schedule saved." : null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [generation, setGeneration] = useState(0);
  const titleId = `schedule-${schedule.id}-title`;
  const label = `schedule ${schedule.id} of ${schedule.reportName ?? reportName}`;

  useEffect(() => {
    if (justSaved) heading.current?.focus();
  }, [justSaved]);

  function queued(run: QueuedRun) {
    setError(null);
    setNotice(`Run ${run.runId} queued.`);
    setGeneration((g) => g + 1);
  }

  async function remove() {
    try {
      await reports.deleteSchedule(schedule.id);
      onDeleted();
    } catch (e) {
      setError(`Could not delete ${label}: ${errorText(e)}`);
    }
  }

  return (
    <section className="card schedule-panel" aria-labelledby={titleId}>
      <h2 id={titleId} ref={heading} tabIndex={-1}>
        Schedule {schedule.id}: {scheduleText(schedule)}
      </h2>
      <p className="schedule-facts">
        <PausedState schedule={schedule} /> <span className="muted">· owner {schedule.owner} · file {schedule.fileName}</span>
      </p>
      <div className="actions">
        <ScheduleActions
          reports={reports}
          schedule={schedule}
          label={label}
          onQueued={queued}
          onChanged={(s) => {
            setError(null);
            setNotice(s.paused ? "Paused: it runs again when resumed." : "Resumed.");
            onChanged(s);
          }}
          onError={setError}
        />
        <button type="button" className="small" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
          Edit schedule
        </button>
        <button type="button" className="small danger" onClick={() => setDeleting(true)}>
          Delete schedule
        </button>
      </div>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FieldError message={error} />
      <NextRuns schedule={schedule} />
      {editing && (
        <ScheduleEditor
          reports={reports}
          reportId={schedule.reportId}
          site={site}
          schedule={schedule}
          onSaved={(s) => {
            onChanged(s);
            setEditing(false);
            setNotice("Schedule saved.");
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <RunHistory reports={reports} schedule={schedule} generation={generation} onResent={queued} onChanged={onRunsChanged} />
      <ConfirmDialog
        open={deleting}
        title={`Delete ${label}?`}
        message="The schedule goes; its past runs stay in the jobs view."
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onConfirm={() => void remove()}
        onClose={() => setDeleting(false)}
      />
    </section>
  );
}
