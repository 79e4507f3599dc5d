/** The site's SQL tables and their columns, beside the editor; a click puts a name in the query. */
import type { SqlApi } from "../api/sql.js";
import { useLoad } from "../app/use-load.js";
import { FieldError } from "../components/field-error.js";

export function TablesList({ sql, onInsert }: { sql: SqlApi; onInsert: (name: string) => void }) {
  const { value: tables, error } = useLoad(() => sql.tables(), [sql], "Could not list the tables");
  return (
    <nav className="card sql-tables" aria-labelledby="tables-title">
      <h2 id="tables-title">Tables</h2>
      <FieldError message={error} />
      {!tables && !error && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      {tables && tables.length === 0 && <p className="muted">This site has no tables yet.</p>}
      <ul className="table-list">
        {tables?.map((t) => (
          <li key={t.name}>
            <details>
              <summary>
                <span className="mono">{t.name}</span>
              </summary>
              <ul className="column-list">
                <li>
                  <button type="button" className="link-button mono" onClick={() => onInsert(t.name)} aria-label={`Insert table name ${t.name}`}>
                    insert {t.name}
                  </button>
                </li>
                {t.columns.map((c) => (
                  <li key={c.name}>
                    <button type="button" className="link-button mono" onClick={() => onInsert(c.name)} aria-label={`Insert column ${t.name}.${c.name}`}>
                      {c.name}
                    </button>{" "}
                    <span className="col-type">{c.type}</span>
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ul>
    </nav>
  );
}
