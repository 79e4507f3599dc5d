import { useEffect, useState } from "react";
import { errorText } from "../api/client.js";
import type { JobsApi } from "../api/jobs.js";
import type { JobDetail, JobView } from "../api/types.js";
import { time } from "../app/format.js";
import { FieldError } from "../components/field-error.js";
import { MessageList } from "../pipeline/message-list.js";

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** One job of a kind with no page of its own: when and how it ran, its params and result, its messages. Reloaded when its status changes. */
export function JobDetailsPanel({ jobs, job }: { jobs: JobsApi; job: JobView }) {
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    jobs
      .get(job.id)
      .then((value) => {
        if (cancelled) return;
        setDetail(value);
        setError(null);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not load job ${job.id}: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [jobs, job.id, job.status]);

  return (
    <section className="job-panel" aria-label={`Job ${job.id} details`} data-testid={`job-${job.id}-details`}>
      <FieldError message={error} />
      {!detail && !error && (
        <p className="muted" role="status">
          Loading job {job.id}…
        </p>
      )}
      {detail && (
        <>
          <dl className="facts">
            <div>
              <dt>Trigger</dt>
              <dd>{detail.trigger}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{time(detail.createdTime)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd>{time(detail.completedTime)}</dd>
            </div>
            {detail.cancelledTime && (
              <div>
                <dt>Cancelled</dt>
                <dd>{time(detail.cancelledTime)}</dd>
              </div>
            )}
          </dl>
          <MessageList job={detail} />
          <div className="json-grid">
            <div>
              <h3>Params</h3>
              <pre className="json">{json(detail.params)}</pre>
            </div>
            <div>
              <h3>Result</h3>
              {detail.result ? <pre className="json">{json(detail.result)}</pre> : <p className="muted">No result yet.</p>}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
