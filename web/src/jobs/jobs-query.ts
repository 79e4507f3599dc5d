/**
 * The jobs page's filters and page, kept in the address's query (`/admin/jobs?kind=export&status=active`)
 * so that a reload or a shared link keeps them.
 */
import { useCallback, useState } from "react";
import type { JobFilter } from "../api/types.js";
import { ACTIVE_STATUSES } from "../app/format.js";
import { href } from "../app/router.js";

/** "" means any. `status` is `active` or one status. */
export interface JobsQuery {
  site: string;
  kind: string;
  status: string;
  offset: number;
}

export const ACTIVE = "active";

export const STATUS_CHOICES: { value: string; label: string }[] = [
  { value: "", label: "Any status" },
  { value: ACTIVE, label: "Active (queued, running, cancelling)" },
  { value: "COMPLETED", label: "Completed" },
  { value: "FAILED", label: "Failed" },
  { value: "CANCELLED", label: "Cancelled" },
];

export function parseJobsQuery(search: string): JobsQuery {
  const params = new URLSearchParams(search);
  const status = (params.get("status") ?? "").trim();
  const offset = Number(params.get("offset") ?? "0");
  return {
    site: params.get("site") ?? "",
    kind: params.get("kind") ?? "",
    status: status.toLowerCase() === ACTIVE ? ACTIVE : status.toUpperCase(),
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function jobsSearch(query: JobsQuery): string {
  const params = new URLSearchParams();
  if (query.site) params.set("site", query.site);
  if (query.kind) params.set("kind", query.kind);
  if (query.status) params.set("status", query.status);
  if (query.offset > 0) params.set("offset", String(query.offset));
  const search = params.toString();
  return search ? `?${search}` : "";
}

/** The API's filter for a query (a status the console does not know is passed on, for the API to explain). */
export function jobFilterOf(query: JobsQuery): JobFilter {
  const filter: JobFilter = {};
  if (query.site) filter.site = query.site;
  if (query.kind) filter.kind = query.kind;
  if (query.status) filter.statuses = query.status === ACTIVE ? [...ACTIVE_STATUSES] : [query.status];
  return filter;
}

export function isFiltered(query: JobsQuery): boolean {
  return query.site !== "" || query.kind !== "" || query.status !== "";
}

/** The query of the address, and a setter that writes it back (replacing the history entry). */
export function useJobsQuery(): [JobsQuery, (change: Partial<JobsQuery>) => void] {
  const [query, setQuery] = useState<JobsQuery>(() => parseJobsQuery(window.location.search));
  const update = useCallback(
    (change: Partial<JobsQuery>) => {
      const next = { ...query, ...change };
      window.history.replaceState(null, "", `${href({ name: "jobs" })}${jobsSearch(next)}`);
      setQuery(next);
    },
    [query],
  );
  return [query, update];
}
