import type { JobsApi } from "../api/jobs.js";
import type { JobView } from "../api/types.js";
import { duration, isActive, isRunning, secondsBetween, time } from "../app/format.js";
import { Link } from "../components/link.js";
import { StatusBadge } from "../components/status-badge.js";
import { JobDetailsPanel } from "./job-details-panel.js";
import { JobProgress } from "./job-progress.js";
import { siteRouteKey } from "./job-site.js";

export const JOB_COLUMNS = 10;

export interface JobRowProps {
  job: JobView;
  jobs: JobsApi;
  siteName: string;
  expanded: boolean;
  onToggle: () => void;
  onCancel: () => void;
}

function jobDuration(job: JobView): string {
  if (job.status === "QUEUED") return "–";
  const end = isActive(job.status) ? new Date().toISOString() : (job.cancelledTime ?? job.completedTime);
  return duration(secondsBetween(job.startTime, end));
}

/** Live progress while it runs, the first error when it failed. */
function Outcome({ job }: { job: JobView }) {
  if (isRunning(job.status)) {
    return job.progress ? <JobProgress jobId={job.id} progress={job.progress} /> : <span className="muted">Starting…</span>;
  }
  if (job.status === "QUEUED") return <span className="muted">Waiting to start</span>;
  const first = job.errors[0];
  if (job.status === "FAILED") {
    return (
      <span className="job-error">
        {first?.message ?? "Failed without a message."}
        {job.errors.length > 1 && <span className="muted"> (+{job.errors.length - 1} more)</span>}
      </span>
    );
  }
  if (job.warnings.length > 0) {
    return <span className="muted">{job.warnings.length === 1 ? "1 warning" : `${job.warnings.length} warnings`}</span>;
  }
  return <span className="muted">–</span>;
}

/** One job of the jobs table; an export opens its Data pipeline page, any other kind a details row below. */
export function JobRow({ job, jobs, siteName, expanded, onToggle, onCancel }: JobRowProps) {
  const detailsId = `job-${job.id}-panel`;
  const cancelling = job.status === "CANCELLATION_REQUESTED";
  return (
    <>
      <tr data-job-id={job.id}>
        <th scope="row" className="nowrap">
          {job.kind === "export" && job.site !== null ? (
            <Link to={{ name: "job", siteKey: siteRouteKey(job.site), jobId: job.number }}>Job {job.id}</Link>
          ) : (
            <button type="button" className="link-button" onClick={onToggle} aria-expanded={expanded} aria-controls={expanded ? detailsId : undefined}>
              Job {job.id}
            </button>
          )}
        </th>
        <td>{job.kind}</td>
        <td className="mono">{siteName}</td>
        <td className="num">{job.number}</td>
        <td>
          <StatusBadge status={job.status} />
        </td>
        <td className="mono">{job.node ?? "–"}</td>
        <td className="nowrap">{time(job.startTime)}</td>
        <td className="nowrap">{jobDuration(job)}</td>
        <td className="outcome">
          <Outcome job={job} />
        </td>
        <td>
          {isActive(job.status) && (
            <button type="button" className="small danger" onClick={onCancel} disabled={cancelling}>
              {cancelling ? "Cancelling…" : "Cancel"}
              <span className="sr-only"> job {job.id}</span>
            </button>
          )}
        </td>
      </tr>
      {expanded && (
        <tr id={detailsId} className="details-row">
          <td colSpan={JOB_COLUMNS}>
            <JobDetailsPanel jobs={jobs} job={job} />
          </td>
        </tr>
      )}
    </>
  );
}
