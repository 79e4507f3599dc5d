import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Job } from "../api/types.js";
import { bytes, count, duration, isRunning, secondsBetween, time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { StatusBadge } from "../components/status-badge.js";
import { findJob } from "./find-job.js";
import { JobFiles } from "./job-files.js";
import { LiveProgress } from "./live-progress.js";
import { MessageList } from "./message-list.js";

/** Everything about one export job: config, statistics, messages, files; polled while it runs. */
export function JobDetails({ pipeline, jobId, siteKey }: { pipeline: PipelineApi; jobId: number; siteKey: string }) {
  const [job, setJob] = useState<Job | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setJob(await findJob(pipeline, jobId));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [pipeline, jobId]);
  usePoll(load, isRunning(job?.status) ? 1000 : job === undefined ? 5000 : null);

  const totalBytes = (job?.files ?? []).reduce((sum, f) => sum + f.bytes, 0);

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>
          Export job {jobId} {job && <StatusBadge status={job.status} />}
        </h1>
      </div>
      <FieldError message={error} />
      {job === null && (
        <EmptyState title={`There is no job ${jobId} on this site.`}>
          <Link to={{ name: "pipeline", siteKey }}>See the export history</Link>
        </EmptyState>
      )}
      {job && (
        <div className="job-grid">
          <section className="card" aria-labelledby="job-summary">
            <h2 id="job-summary">Summary</h2>
            <dl className="facts">
              <div>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={job.status} />
                </dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>{time(job.startTime)}</dd>
              </div>
              <div>
                <dt>Ended</dt>
                <dd>{time(job.completedTime)}</dd>
              </div>
              {job.cancelledTime && (
                <div>
                  <dt>Cancelled</dt>
                  <dd>{time(job.cancelledTime)}</dd>
                </div>
              )}
              <div>
                <dt>Duration</dt>
                <dd>{duration(secondsBetween(job.startTime, job.completedTime))}</dd>
              </div>
              <div>
                <dt>Node</dt>
                <dd className="mono">{job.nodeId ?? "–"}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="job-config">
            <h2 id="job-config">Configuration</h2>
            <dl className="facts">
              <div>
                <dt>Data since</dt>
                <dd>{time(job.config?.exportFrom)}</dd>
              </div>
              <div>
                <dt>Forced</dt>
                <dd>{job.config?.forcedExport ? "Yes" : "No"}</dd>
              </div>
              <div>
                <dt>Schema</dt>
                <dd>{job.schema ? `version ${job.schema.version} (${job.schema.status.toLowerCase()})` : "–"}</dd>
              </div>
              <div>
                <dt>Opted out</dt>
                <dd>{job.optedOutEntities && job.optedOutEntities.length > 0 ? job.optedOutEntities.map((o) => o.key).join(", ") : "Nothing"}</dd>
              </div>
            </dl>
          </section>
          <section className="card" aria-labelledby="job-stats">
            <h2 id="job-stats">Statistics</h2>
            {job.statistics ? (
              <dl className="facts">
                <div>
                  <dt>Entities exported</dt>
                  <dd>{count(job.statistics.exportedEntities)}</dd>
                </div>
                <div>
                  <dt>Rows written</dt>
                  <dd>{count(job.statistics.writtenRows)}</dd>
                </div>
                {job.files && (
                  <>
                    <div>
                      <dt>Files</dt>
                      <dd>{count(job.files.length)}</dd>
                    </div>
                    <div>
                      <dt>Total size</dt>
                      <dd>{bytes(totalBytes)}</dd>
                    </div>
                  </>
                )}
              </dl>
            ) : (
              <p className="muted">{isRunning(job.status) ? "Counted when the export ends." : "No statistics were recorded."}</p>
            )}
          </section>
          {isRunning(job.status) && (
            <section className="card wide" aria-labelledby="job-progress">
              <h2 id="job-progress">Progress</h2>
              <LiveProgress job={job} />
            </section>
          )}
          {((job.errors?.length ?? 0) > 0 || (job.warnings?.length ?? 0) > 0) && (
            <section className="card wide" aria-label="Warnings and errors">
              <MessageList job={job} />
            </section>
          )}
          <JobFiles job={job} />
        </div>
      )}
    </>
  );
}
