import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { JobsApi } from "../api/jobs.js";
import type { ScheduleView, Site } from "../api/types.js";
import { time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { siteName } from "./job-site.js";

export interface SchedulesTableProps {
  jobs: JobsApi;
  sites: Site[] | null;
  /** Bumped when a job started: the last-fired times may have changed. */
  generation: number;
  /** A schedule was run now: the jobs table reloads. */
  onRan: () => void;
}

/** Every schedule of the server: what it runs, when next (the next five runs on demand), when it last fired; run one now. */
export function SchedulesTable({ jobs, sites, generation, onRan }: SchedulesTableProps) {
  const [schedules, setSchedules] = useState<ScheduleView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [runError, setRunError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setSchedules(await jobs.schedules());
      setError(null);
    } catch (e) {
      setError(`Could not load the schedules: ${errorText(e)}`);
    }
  }, [jobs]);
  usePoll(load, 30_000, generation);

  async function runNow(schedule: ScheduleView) {
    setBusy(schedule.id);
    setNotice(null);
    setRunError(null);
    try {
      const run = await jobs.runSchedule(schedule.id);
      setNotice(
        run.jobId === null
          ? `Schedule ${schedule.name} ran, but made no job.`
          : `Schedule ${schedule.name} started job ${run.jobId}.`,
      );
      onRan();
    } catch (e) {
      setRunError(`Could not run schedule ${schedule.name}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card schedules" aria-labelledby="schedules-title">
      <h2 id="schedules-title">Schedules</h2>
      <FieldError message={error} />
      {schedules === null && !error && (
        <p className="loading" role="status">
          Loading schedules…
        </p>
      )}
      {schedules && schedules.length === 0 && (
        <EmptyState title="No schedules yet.">
          Save a schedule on a site's Data pipeline page, or give a site a source: its syncs run on an interval.
        </EmptyState>
      )}
      {schedules && schedules.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="schedules">
            <caption className="sr-only">Schedules of every kind</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Kind</th>
                <th scope="col">Name</th>
                <th scope="col">Runs</th>
                <th scope="col">Enabled</th>
                <th scope="col">Next run</th>
                <th scope="col">Last fired</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((s) => (
                <tr key={s.id} data-schedule-id={s.id}>
                  <td className="mono">{siteName(s.site, sites)}</td>
                  <td>{s.kind}</td>
                  <th scope="row" className="mono">
                    {s.name}
                  </th>
                  <td>
                    {s.description}
                    {s.failures > 0 && <span className="job-error"> · failed {s.failures === 1 ? "once" : `${s.failures} times`} in a row</span>}
                  </td>
                  <td>{s.enabled ? <span className="badge badge-ok">Yes</span> : <span className="badge badge-neutral">No</span>}</td>
                  <td className="nowrap">
                    {s.nextRunTime ? time(s.nextRunTime) : <span className="muted">–</span>}
                    {s.nextRuns.length > 0 && (
                      <details className="next-runs">
                        <summary>Next {s.nextRuns.length} runs</summary>
                        <ol>
                          {s.nextRuns.map((t) => (
                            <li key={t}>{time(t)}</li>
                          ))}
                        </ol>
                      </details>
                    )}
                  </td>
                  <td className="nowrap">
                    {s.lastFiredTime ? time(s.lastFiredTime) : <span className="muted">Never</span>}
                    {s.lastJobId !== null && <span className="muted"> · job {s.lastJobId}</span>}
                  </td>
                  <td>
                    <button type="button" className="small" onClick={() => void runNow(s)} disabled={busy === s.id}>
                      {busy === s.id ? "Starting…" : "Run now"}
                      <span className="sr-only">
                        {` ${s.kind} ${s.name}`}
                        {s.site !== null && ` of ${siteName(s.site, sites)}`}
                      </span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FieldError message={runError} />
    </section>
  );
}
