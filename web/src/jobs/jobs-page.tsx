import { useCallback, useEffect, useMemo, useState } from "react";
import { errorText } from "../api/client.js";
import { createJobsApi } from "../api/jobs.js";
import type { Site } from "../api/types.js";
import { useSession } from "../app/session.js";
import { FieldError } from "../components/field-error.js";
import { JobFilters } from "./job-filters.js";
import { JobsTable } from "./jobs-table.js";
import { useJobsQuery } from "./jobs-query.js";
import { SchedulesTable } from "./schedules-table.js";

/** The kinds offered before any is seen (more appear as jobs of them are listed). */
const KNOWN_KINDS = ["export", "sync", "report"];

/** Every job of every kind and site, filterable, with live progress; the schedules that start them below. */
export function JobsPage() {
  const { api, admin } = useSession();
  const jobs = useMemo(() => createJobsApi(api), [api]);
  const [query, setQuery] = useJobsQuery();
  const [sites, setSites] = useState<Site[] | null>(null);
  const [sitesError, setSitesError] = useState<string | null>(null);
  const [kinds, setKinds] = useState<string[]>(KNOWN_KINDS);
  // Bumped when a schedule ran: the jobs table and the schedules reload at once.
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let cancelled = false;
    admin
      .sites()
      .then((list) => {
        if (!cancelled) setSites(list);
      })
      .catch((e) => {
        if (!cancelled) setSitesError(`Could not load the sites: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [admin]);

  const seeKinds = useCallback((seen: string[]) => {
    setKinds((current) => {
      const added = seen.filter((k, i) => !current.includes(k) && seen.indexOf(k) === i);
      return added.length > 0 ? [...current, ...added].sort() : current;
    });
  }, []);
  const ran = useCallback(() => setGeneration((g) => g + 1), []);

  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>Jobs</h1>
        <p className="muted">Every job of every kind on this server — exports, syncs — newest first, with live progress; the schedules that start them below.</p>
      </div>
      <FieldError message={sitesError} />
      <section className="card" aria-labelledby="jobs-title">
        <h2 id="jobs-title" className="sr-only">
          Job list
        </h2>
        <JobFilters query={query} sites={sites} kinds={kinds} onChange={setQuery} />
        <JobsTable jobs={jobs} query={query} sites={sites} generation={generation} onQuery={setQuery} onKinds={seeKinds} />
      </section>
      <SchedulesTable jobs={jobs} sites={sites} generation={generation} onRan={ran} />
    </>
  );
}
