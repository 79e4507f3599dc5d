/**
 * Reports: every report you can see (yours and the public ones; an administrator's: all) with the
 * schedules of them you may manage — next run, last outcome, paused and why — Execute now, Pause and
 * Resume, and "Save as…" for the reports of others. Polls quickly while a run is queued or running.
 */
import { useCallback, useMemo, useState } from "react";
import { errorText } from "../api/client.js";
import { createReportsApi } from "../api/reports.js";
import type { DashboardEntry, QueuedRun, Report, ReportSchedule } from "../api/reports.js";
import { navigate } from "../app/router.js";
import { useSession } from "../app/session.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { ReportEntry } from "./report-entry.js";
import { SaveAsDialog } from "./save-as-dialog.js";

const ACTIVE = ["QUEUED", "RUNNING"];

export function ReportsPage() {
  const { api } = useSession();
  const reports = useMemo(() => createReportsApi(api), [api]);
  const [entries, setEntries] = useState<DashboardEntry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [queued, setQueued] = useState<{ schedule: ReportSchedule; run: QueuedRun } | null>(null);
  const [copying, setCopying] = useState<Report | null>(null);
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    try {
      setEntries(await reports.dashboard());
      setLoadError(null);
    } catch (e) {
      setLoadError(`Could not load the reports: ${errorText(e)}`);
    }
  }, [reports]);
  const running = entries?.some((e) => e.schedules.some((s) => s.lastRun !== null && ACTIVE.includes(s.lastRun.status))) ?? false;
  usePoll(load, running ? 1000 : 30_000, generation);

  const changed = useCallback((schedule: ReportSchedule) => {
    setActionError(null);
    setEntries((current) => current?.map((e) => ({ ...e, schedules: e.schedules.map((s) => (s.id === schedule.id ? schedule : s)) })) ?? null);
  }, []);
  const closeCopy = useCallback(() => setCopying(null), []);

  return (
    <>
      <div className="page-head split">
        <div>
          <h1 tabIndex={-1}>Reports</h1>
          <p className="muted">Saved reports over a site's data, and their schedules: when they run, how they went, where the files go.</p>
        </div>
        <Link to={{ name: "new-report" }} className="button primary-link">
          New report
        </Link>
      </div>
      <FieldError message={loadError} />
      {entries === null && !loadError && (
        <p className="loading" role="status">
          Loading reports…
        </p>
      )}
      {entries && entries.length === 0 && <EmptyState title="No reports yet.">Make one with “New report”: pick a site, then an entity and its columns or a saved SQL query.</EmptyState>}
      {queued && (
        <p className="notice" role="status">
          Run {queued.run.runId} queued.{" "}
          <Link to={{ name: "report", reportId: queued.schedule.reportId, scheduleId: queued.schedule.id }}>See the run history of schedule {queued.schedule.id}</Link>
        </p>
      )}
      <FieldError message={actionError} />
      <div className="report-list">
        {entries?.map((entry) => (
          <ReportEntry
            key={entry.report.id}
            reports={reports}
            entry={entry}
            onSaveAs={setCopying}
            onQueued={(schedule, run) => {
              setActionError(null);
              setQueued({ schedule, run });
              setGeneration((g) => g + 1);
            }}
            onChanged={changed}
            onError={setActionError}
          />
        ))}
      </div>
      <SaveAsDialog reports={reports} report={copying} onClose={closeCopy} onSaved={(copy) => navigate({ name: "report", reportId: copy.id })} />
    </>
  );
}
