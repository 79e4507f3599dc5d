import { useCallback, useRef, useState } from "react";
import { errorText } from "../api/client.js";
import type { JobsApi } from "../api/jobs.js";
import type { JobList, JobView, Site } from "../api/types.js";
import { isActive } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { JobRow } from "./job-row.js";
import { siteName } from "./job-site.js";
import { isFiltered, jobFilterOf, jobsSearch } from "./jobs-query.js";
import type { JobsQuery } from "./jobs-query.js";

const PAGE_SIZE = 20;

export interface JobsTableProps {
  jobs: JobsApi;
  query: JobsQuery;
  sites: Site[] | null;
  /** Bumped by the page when something started a job (Run now): reload at once. */
  generation: number;
  onQuery: (change: Partial<JobsQuery>) => void;
  /** The kinds of the jobs listed. */
  onKinds: (kinds: string[]) => void;
}

/**
 * The jobs of the filters, newest first, a page at a time: polled every second while one listed is
 * active, every ten seconds otherwise; active ones can be cancelled.
 */
export function JobsTable({ jobs, query, sites, generation, onQuery, onKinds }: JobsTableProps) {
  const [list, setList] = useState<{ search: string; page: JobList } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const [expanded, setExpanded] = useState<number[]>([]);
  const [target, setTarget] = useState<JobView | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const search = jobsSearch(query);
  // The query of the latest render: an answer for an older one is dropped.
  const latest = useRef(search);
  latest.current = search;

  const load = useCallback(async () => {
    try {
      const page = await jobs.list(jobFilterOf(query), query.offset, PAGE_SIZE);
      if (latest.current !== search) return;
      setList({ search, page });
      setError(null);
      onKinds(page.values.map((j) => j.kind));
    } catch (e) {
      if (latest.current === search) setError(`Could not load the jobs: ${errorText(e)}`);
    }
  }, [jobs, query, search, onKinds]);

  const page = list?.page ?? null;
  const active = page ? page.values.filter((j) => isActive(j.status)).length : 0;
  usePoll(load, active > 0 ? 1000 : 10_000, `${search}#${generation}#${reloads}`);

  const closeDialog = useCallback(() => setConfirming(false), []);

  async function cancel(job: JobView) {
    setNotice(null);
    setCancelError(null);
    try {
      const after = await jobs.cancel(job.id);
      setNotice(after.status === "CANCELLED" ? `Job ${job.id} cancelled.` : `Cancellation of job ${job.id} requested: it stops within seconds.`);
    } catch (e) {
      setCancelError(`Could not cancel job ${job.id}: ${errorText(e)}`);
    }
    setReloads((n) => n + 1);
  }

  function toggle(id: number) {
    setExpanded((current) => (current.includes(id) ? current.filter((x) => x !== id) : [...current, id]));
  }

  const stale = list !== null && list.search !== search;
  const offset = page?.offset ?? query.offset;
  const pages = page ? Math.max(1, Math.ceil(page.total / PAGE_SIZE)) : 1;
  const current = Math.floor(offset / PAGE_SIZE) + 1;
  const lastPage = page?.lastPage ?? true;

  return (
    <>
      <FieldError message={error} />
      {page === null && !error && (
        <p className="loading" role="status">
          Loading jobs…
        </p>
      )}
      {page && (
        <p className="jobs-summary muted" aria-live="polite" data-testid="jobs-summary">
          {page.values.length > 0 &&
            `Jobs ${page.offset + 1}–${page.offset + page.values.length} of ${page.total}${active > 0 ? ` · ${active} active` : ""}`}
        </p>
      )}
      {page && page.values.length === 0 && !stale && (
        <EmptyState title={isFiltered(query) ? "No jobs match these filters." : page.offset > 0 ? "No jobs on this page." : "No jobs yet."}>
          {isFiltered(query)
            ? "Choose other filters, or clear them to see every job."
            : page.offset > 0
              ? "Go back to the first page."
              : "Exports and syncs are listed here as soon as they start: start an export on a site's Data pipeline page."}
        </EmptyState>
      )}
      {page && page.values.length > 0 && (
        <div className="table-wrap">
          <table className="table jobs" data-testid="jobs" aria-busy={stale || undefined}>
            <caption className="sr-only">Jobs of every kind, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Kind</th>
                <th scope="col">Site</th>
                <th scope="col" className="num">
                  Number
                </th>
                <th scope="col">Status</th>
                <th scope="col">Node</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Progress</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.values.map((job) => (
                <JobRow
                  key={job.id}
                  job={job}
                  jobs={jobs}
                  siteName={siteName(job.site, sites)}
                  expanded={expanded.includes(job.id)}
                  onToggle={() => toggle(job.id)}
                  onCancel={() => {
                    setTarget(job);
                    setConfirming(true);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(pages > 1 || offset > 0) && (
        <nav className="pager" aria-label="Job pages">
          {/* aria-disabled rather than disabled: the focused button keeps focus on the first or last page. */}
          <button type="button" onClick={() => offset > 0 && onQuery({ offset: Math.max(0, offset - PAGE_SIZE) })} aria-disabled={offset === 0}>
            Previous
          </button>
          <span aria-live="polite">
            Page {current} of {pages}
          </span>
          <button type="button" onClick={() => !lastPage && onQuery({ offset: offset + PAGE_SIZE })} aria-disabled={lastPage}>
            Next
          </button>
        </nav>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FieldError message={cancelError} />
      <ConfirmDialog
        open={confirming}
        title={`Cancel ${target?.kind ?? ""} job ${target?.id ?? ""}?`}
        message="It stops within seconds and ends as Cancelled; what it did so far is kept as it is (an export's files stay incomplete)."
        confirmLabel="Cancel job"
        cancelLabel="Keep running"
        danger
        onConfirm={() => {
          if (target) void cancel(target);
        }}
        onClose={closeDialog}
      />
    </>
  );
}
