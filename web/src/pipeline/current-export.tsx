import { useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Job } from "../api/types.js";
import { count, duration, isRunning, secondsBetween, time } from "../app/format.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { StatusBadge } from "../components/status-badge.js";
import { LiveProgress } from "./live-progress.js";
import { MessageList } from "./message-list.js";
import { StartExportForm } from "./start-export-form.js";

export interface CurrentExportProps {
  siteKey: string;
  job: Job | null | undefined;
  pipeline: PipelineApi;
  onJobChanged: (job: Job | null) => void;
}

/** The running or latest export: status, live progress, cancel; and the form to start the next one. */
export function CurrentExport({ siteKey, job, pipeline, onJobChanged }: CurrentExportProps) {
  const [confirming, setConfirming] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [cancelNotice, setCancelNotice] = useState<string | null>(null);
  const running = isRunning(job?.status);

  async function cancel(jobId: number) {
    setCancelError(null);
    setCancelNotice(null);
    try {
      const response = await pipeline.cancel(jobId);
      if (response.status === 409) setCancelError(response.body.message || "There is no running export to cancel.");
      else setCancelNotice(response.body.message || "Cancellation requested.");
      onJobChanged(null);
    } catch (e) {
      setCancelError(errorText(e));
    }
  }

  return (
    <section className="card current" aria-labelledby="current-title">
      <div className="current-head">
        <h2 id="current-title">Export status</h2>
        <span aria-live="polite" data-testid="export-status">
          {job === undefined ? <span className="muted">Loading…</span> : <StatusBadge status={job?.status} />}
        </span>
      </div>
      {job === null && (
        <p className="muted">No export has run on this site yet. Start the first one below; it writes one CSV file per entity.</p>
      )}
      {job && (
        <dl className="facts">
          <div>
            <dt>Job</dt>
            <dd>
              <Link to={{ name: "job", siteKey, jobId: job.jobId }}>Job {job.jobId} details</Link>
            </dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{time(job.startTime)}</dd>
          </div>
          {job.completedTime && (
            <div>
              <dt>{job.status === "COMPLETED" ? "Completed" : "Ended"}</dt>
              <dd>{time(job.completedTime)}</dd>
            </div>
          )}
          <div>
            <dt>Duration</dt>
            <dd>{duration(secondsBetween(job.startTime, job.completedTime ?? (running ? new Date().toISOString() : null)))}</dd>
          </div>
          <div>
            <dt>Data since</dt>
            <dd>{time(job.config?.exportFrom)}</dd>
          </div>
          {job.statistics && (
            <div>
              <dt>Rows written</dt>
              <dd>
                {count(job.statistics.writtenRows)}
                {job.files ? ` in ${job.files.length} files` : ""}
              </dd>
            </div>
          )}
        </dl>
      )}
      {job && running && <LiveProgress job={job} />}
      {job && !running && <MessageList job={job} />}
      {job && running && (
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={() => setConfirming(true)}
            disabled={job.status === "CANCELLATION_REQUESTED"}
            aria-describedby={cancelError ? "cancel-error" : undefined}
          >
            {job.status === "CANCELLATION_REQUESTED" ? "Cancelling…" : "Cancel export"}
          </button>
        </div>
      )}
      {cancelNotice && (
        <p className="notice" role="status">
          {cancelNotice}
        </p>
      )}
      <FieldError id="cancel-error" message={cancelError} />
      {job && (
        <ConfirmDialog
          open={confirming}
          title={`Cancel export job ${job.jobId}?`}
          message="The files written so far stay incomplete and the job ends as Cancelled. You can start a new export afterwards."
          confirmLabel="Cancel export"
          cancelLabel="Keep running"
          danger
          onConfirm={() => void cancel(job.jobId)}
          onClose={() => setConfirming(false)}
        />
      )}
      <StartExportForm pipeline={pipeline} running={running} onStarted={onJobChanged} />
    </section>
  );
}
