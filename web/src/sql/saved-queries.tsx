/** The site's saved queries you can see: open one in the editor, delete your own. */
import { useState } from "react";
import { errorText } from "../api/client.js";
import type { SavedQuery, SqlApi } from "../api/sql.js";
import { time } from "../app/format.js";
import { useLoad } from "../app/use-load.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { VisibilityBadge } from "./visibility-badge.js";

export function SavedQueries({ sql, siteKey, generation }: { sql: SqlApi; siteKey: string; generation: number }) {
  const [deleting, setDeleting] = useState<SavedQuery | null>(null);
  const [reload, setReload] = useState(0);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const { value: queries, error } = useLoad(() => sql.queries(), [sql, generation, reload], "Could not load the saved queries");

  async function remove(query: SavedQuery) {
    try {
      await sql.deleteQuery(query.id);
      setReload((n) => n + 1);
      setDeleteError(null);
    } catch (e) {
      setDeleteError(errorText(e));
    }
  }

  return (
    <section className="card" aria-labelledby="saved-title">
      <h2 id="saved-title">Saved queries</h2>
      <FieldError message={error ?? deleteError} />
      {queries && queries.length === 0 && <EmptyState title="No saved queries yet.">Run a query, then “Save as chart…”.</EmptyState>}
      {queries && queries.length > 0 && (
        <div className="table-wrap">
          <table className="table compact" data-testid="saved-queries">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Chart</th>
                <th scope="col">Owner</th>
                <th scope="col">Visibility</th>
                <th scope="col">Changed</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {queries.map((q) => (
                <tr key={q.id}>
                  <th scope="row">
                    <Link to={{ name: "sql", siteKey, queryId: q.id }}>{q.name}</Link>
                  </th>
                  <td>{q.chart.type}</td>
                  <td>{q.owner}</td>
                  <td>
                    <VisibilityBadge visibility={q.visibility} />
                  </td>
                  <td className="nowrap">{time(q.updatedTime)}</td>
                  <td>
                    {q.deletable && (
                      <button type="button" className="small" onClick={() => setDeleting(q)} aria-label={`Delete ${q.name}`}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ""}”?`}
        message="The query and its chart go, from every dashboard too."
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onConfirm={() => deleting && void remove(deleting)}
        onClose={() => setDeleting(null)}
      />
    </section>
  );
}
