/**
 * A report of a saved SQL query: the picker of the site's saved queries you can see, and the chosen
 * one's SELECT (which says the file's columns, filter and order).
 */
import type { SavedQuery } from "../api/sql.js";
import { Link } from "../components/link.js";
import { FieldProblem } from "./field-problem.js";

export interface SqlQueryFieldsProps {
  /** The site's key in console addresses; null while no site is chosen. */
  siteKey: string | null;
  queryId: number | null;
  onQueryId: (id: number | null) => void;
  /** null while loading. */
  queries: SavedQuery[] | null;
  problem: string | null;
  readOnly: boolean;
}

export function SqlQueryFields({ siteKey, queryId, onQueryId, queries, problem, readOnly }: SqlQueryFieldsProps) {
  const chosen = queries?.find((q) => q.id === queryId) ?? null;
  const unseen = queryId !== null && queries !== null && chosen === null;
  return (
    <div className="field sql-query-field">
      <label htmlFor="report-query">Saved SQL query</label>
      <select
        id="report-query"
        value={queryId ?? ""}
        onChange={(e) => onQueryId(e.target.value === "" ? null : Number(e.target.value))}
        disabled={readOnly || siteKey === null}
        aria-invalid={problem ? true : undefined}
        aria-describedby="report-query-hint report-query-problem"
      >
        <option value="">{siteKey === null ? "Choose a site first" : queries === null ? "Loading the saved queries…" : "Choose a saved query…"}</option>
        {queries?.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
            {q.editable ? "" : ` (${q.owner})`}
          </option>
        ))}
        {unseen && <option value={queryId}>Query {queryId} (not one you can see)</option>}
      </select>
      <p className="hint" id="report-query-hint">
        Its SELECT says the file's columns, filter and order.
        {siteKey !== null && (
          <>
            {" "}
            Queries are saved in the <Link to={chosen ? { name: "sql", siteKey, queryId: chosen.id } : { name: "sql", siteKey }}>SQL console</Link>.
          </>
        )}
      </p>
      <FieldProblem id="report-query-problem" message={problem} />
      {queries !== null && queries.length === 0 && <p className="muted">This site has no saved queries you can see yet.</p>}
      {chosen && (
        <pre className="query-sql mono" data-testid="query-sql">
          {chosen.sql}
        </pre>
      )}
    </div>
  );
}
