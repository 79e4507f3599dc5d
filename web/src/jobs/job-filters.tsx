import type { Site } from "../api/types.js";
import { productName } from "../app/format.js";
import { routeKeyOf, siteLabel } from "../sites/use-site.js";
import { isFiltered, STATUS_CHOICES } from "./jobs-query.js";
import type { JobsQuery } from "./jobs-query.js";

export interface JobFiltersProps {
  query: JobsQuery;
  sites: Site[] | null;
  kinds: string[];
  onChange: (change: Partial<JobsQuery>) => void;
}

/** A value from the address the lists do not offer (an unknown site or kind) stays selectable, for the API to explain. */
function withCurrent(options: { value: string; label: string }[], current: string): { value: string; label: string }[] {
  return current === "" || options.some((o) => o.value === current) ? options : [...options, { value: current, label: current }];
}

/** Site, kind and status of the jobs listed; each change applies at once and goes back to the first page. */
export function JobFilters({ query, sites, kinds, onChange }: JobFiltersProps) {
  const siteOptions = withCurrent(
    [{ value: "", label: "Any site" }, ...(sites ?? []).map((s) => ({ value: routeKeyOf(s), label: `${productName(s.product)} ${siteLabel(s)}` }))],
    query.site,
  );
  const kindOptions = withCurrent([{ value: "", label: "Any kind" }, ...kinds.map((k) => ({ value: k, label: k }))], query.kind);
  const statusOptions = withCurrent(STATUS_CHOICES, query.status);
  const filtered = isFiltered(query);

  return (
    <form className="inline-form filters" role="search" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
      <div className="field">
        <label htmlFor="jobs-site">Site</label>
        <select id="jobs-site" value={query.site} onChange={(e) => onChange({ site: e.target.value, offset: 0 })}>
          {siteOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="jobs-kind">Kind</label>
        <select id="jobs-kind" value={query.kind} onChange={(e) => onChange({ kind: e.target.value, offset: 0 })}>
          {kindOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="jobs-status">Status</label>
        <select id="jobs-status" value={query.status} onChange={(e) => onChange({ status: e.target.value, offset: 0 })}>
          {statusOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      {/* aria-disabled rather than gone: a click keeps focus on the button. */}
      <button
        type="button"
        onClick={() => filtered && onChange({ site: "", kind: "", status: "", offset: 0 })}
        aria-disabled={!filtered}
      >
        Clear filters
      </button>
    </form>
  );
}
