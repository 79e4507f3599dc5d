/**
 * A report: its definition (editable by its owner, read only with "Save as…" for others), and for a
 * saved one its schedules — each with its next runs, actions and run history.
 */
import { useCallback, useMemo, useState } from "react";
import { errorText } from "../api/client.js";
import { createReportsApi } from "../api/reports.js";
import type { Report } from "../api/reports.js";
import { navigate } from "../app/router.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { VisibilityBadge } from "../sql/visibility-badge.js";
import { ReportForm } from "./report-form.js";
import { ReportSchedules } from "./report-schedules.js";
import { sourceOf } from "./report-source.js";
import { SaveAsDialog } from "./save-as-dialog.js";

export function ReportPage({ reportId, scheduleId }: { reportId?: number; scheduleId?: number }) {
  const { api } = useSession();
  const reports = useMemo(() => createReportsApi(api), [api]);
  const { value: report, error: loadError, set: setReport } = useLoad(
    async () => (reportId === undefined ? null : reports.report(reportId)),
    [reports, reportId],
    "Could not open the report",
  );
  const [copying, setCopying] = useState<Report | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const closeCopy = useCallback(() => setCopying(null), []);

  const saved = useCallback(
    (r: Report, created: boolean) => {
      if (created) navigate({ name: "report", reportId: r.id });
      else setReport(r);
    },
    [setReport],
  );

  async function remove() {
    if (!report) return;
    try {
      await reports.deleteReport(report.id);
      navigate({ name: "reports" });
    } catch (e) {
      setError(`Could not delete the report: ${errorText(e)}`);
    }
  }

  const isNew = reportId === undefined;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "reports" }}>Reports</Link> <span aria-hidden="true">/</span> {isNew ? "New" : (report?.name ?? `Report ${reportId}`)}
      </nav>
      <div className="page-head split">
        <div>
          <h1 tabIndex={-1}>
            {isNew ? "New report" : (report?.name ?? `Report ${reportId}`)}
            {report && <VisibilityBadge visibility={report.visibility} />}
          </h1>
          {isNew && <p className="muted">Pick a site and what it reads — an entity and its columns, or a saved SQL query; preview the rows, then save and schedule it.</p>}
          {report && (
            <p className="muted">
              By {report.owner} · <span className="mono">{report.site ?? "–"}</span> · <span className="mono">{sourceOf(report)}</span>
              {!report.editable && " · not yours: “Save as…” makes a copy you can change and schedule."}
            </p>
          )}
        </div>
        <div className="actions">
          {report && !report.editable && (
            <button type="button" onClick={() => setCopying(report)}>
              Save as…
            </button>
          )}
          {report?.deletable && (
            <button type="button" className="danger" onClick={() => setDeleting(true)}>
              Delete report
            </button>
          )}
        </div>
      </div>
      <FieldError message={loadError ?? error} />
      {!isNew && !report && !loadError && (
        <p className="loading" role="status">
          Loading the report…
        </p>
      )}
      {isNew && <ReportForm reports={reports} report={null} readOnly={false} onSaved={saved} />}
      {report && <ReportForm key={report.id} reports={reports} report={report} readOnly={!report.editable} onSaved={saved} />}
      {report && <ReportSchedules reports={reports} report={report} {...(scheduleId !== undefined ? { scheduleId } : {})} />}
      <SaveAsDialog reports={reports} report={copying} onClose={closeCopy} onSaved={(copy) => navigate({ name: "report", reportId: copy.id })} />
      <ConfirmDialog
        open={deleting}
        title={`Delete the report “${report?.name ?? ""}”?`}
        message="The report and its schedules go; their past runs stay in the jobs view."
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onConfirm={() => void remove()}
        onClose={() => setDeleting(false)}
      />
    </>
  );
}
