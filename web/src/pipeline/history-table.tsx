import { useEffect, useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { HistoryPage } from "../api/types.js";
import { count, duration, secondsBetween, time } from "../app/format.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { StatusBadge } from "../components/status-badge.js";

const PAGE_SIZE = 10;

/** Past exports, newest first, ten a page. */
export function HistoryTable({ siteKey, pipeline, generation }: { siteKey: string; pipeline: PipelineApi; generation: number }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<HistoryPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    pipeline
      .history(offset, PAGE_SIZE)
      .then((next) => {
        if (cancelled) return;
        setPage(next);
        setError(null);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not load the history: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [pipeline, offset, generation]);

  const size = page?.size ?? 0;
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  const current = Math.floor(offset / PAGE_SIZE) + 1;
  const lastPage = page?.lastPage ?? true;

  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <FieldError message={error} />
      {page && page.values.length === 0 && offset === 0 && (
        <EmptyState title="No exports yet.">Start an export above; each run is listed here with its outcome.</EmptyState>
      )}
      {page && page.values.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="history">
            <caption className="sr-only">Export history, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col" className="num">
                  Rows
                </th>
              </tr>
            </thead>
            <tbody>
              {page.values.map((job) => (
                <tr key={job.jobId}>
                  <td>
                    <Link to={{ name: "job", siteKey, jobId: job.jobId }}>Job {job.jobId}</Link>
                  </td>
                  <td>
                    <StatusBadge status={job.status} />
                  </td>
                  <td className="nowrap">{time(job.startTime)}</td>
                  <td className="nowrap">{duration(secondsBetween(job.startTime, job.completedTime))}</td>
                  <td className="num">{job.statistics ? count(job.statistics.writtenRows) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {size > PAGE_SIZE && (
        <nav className="pager" aria-label="History pages">
          {/* aria-disabled rather than disabled: the focused button keeps focus on the first or last page. */}
          <button type="button" onClick={() => offset > 0 && setOffset(Math.max(0, offset - PAGE_SIZE))} aria-disabled={offset === 0}>
            Newer
          </button>
          <span aria-live="polite">
            Page {current} of {pages}
          </span>
          <button type="button" onClick={() => !lastPage && setOffset(offset + PAGE_SIZE)} aria-disabled={lastPage}>
            Older
          </button>
        </nav>
      )}
    </section>
  );
}
