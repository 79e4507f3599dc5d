/**
 * The SQL page of a site: the tables beside an editor, the rows below, and the saved queries. A query
 * runs as the signed-in person (their rows only) with the console's limits; the text stays whatever
 * happens to the run (failed, timed out, cancelled) and while the console stays open.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorText } from "../api/client.js";
import { createSqlApi } from "../api/sql.js";
import type { SavedQuery } from "../api/sql.js";
import { useSession } from "../app/session.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { ResultTable } from "./result-table.js";
import { RunStatus } from "./run-status.js";
import { SaveChartDialog, type Saved } from "./save-chart-dialog.js";
import { SavedQueries } from "./saved-queries.js";
import { SqlEditor, type SqlEditorHandle } from "./sql-editor.js";
import { SqlErrorBox } from "./sql-error.js";
import { siteTitle } from "./sql-sites-page.js";
import { TablesList } from "./tables-list.js";
import { useSqlRun } from "./use-sql-run.js";

/** The editor's text per site, kept while the console is open (not in storage: nothing stays after sign-out). */
const drafts = new Map<string, string>();

export function SqlPage({ siteKey, queryId }: { siteKey: string; queryId?: number }) {
  const { api } = useSession();
  const sql = useMemo(() => createSqlApi(api, siteKey), [api, siteKey]);
  const [text, setText] = useState(() => drafts.get(siteKey) ?? "");
  const [editing, setEditing] = useState<SavedQuery | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [empty, setEmpty] = useState(false);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [saved, setSaved] = useState<Saved | null>(null);
  const [generation, setGeneration] = useState(0);
  const editor = useRef<SqlEditorHandle>(null);
  const { state, run, cancel } = useSqlRun(sql);

  useEffect(() => {
    drafts.set(siteKey, text);
  }, [siteKey, text]);

  useEffect(() => {
    if (queryId === undefined) return undefined;
    let cancelled = false;
    sql
      .query(queryId)
      .then((q) => {
        if (cancelled) return;
        setEditing(q);
        setText(q.sql);
      })
      .catch((e) => !cancelled && setLoadError(`Could not open saved query ${queryId}: ${errorText(e)}`));
    return () => {
      cancelled = true;
    };
  }, [sql, queryId]);

  const start = useCallback(() => {
    setEmpty(text.trim() === "");
    setSaved(null);
    if (text.trim() !== "") void run(text);
  }, [run, text]);
  const closeDialog = useCallback(() => setDialogOpen(false), []);
  const onSaved = useCallback((s: Saved) => {
    setSaved(s);
    setEditing(s.query);
    setGeneration((g) => g + 1);
  }, []);

  const running = state.kind === "running";
  const result = state.kind === "done" ? state.result : null;
  const failed = state.kind === "failed";
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "sql-sites" }}>SQL</Link> <span aria-hidden="true">/</span> {siteTitle(siteKey)}
      </nav>
      <div className="page-head split">
        <div>
          <h1 tabIndex={-1}>SQL</h1>
          <p className="muted">Read-only queries over {siteTitle(siteKey)}, run as you: you see only the rows you may browse. Ctrl+Enter runs.</p>
        </div>
        <Link to={{ name: "dashboards", siteKey }} className="button">
          Dashboards
        </Link>
      </div>
      <FieldError message={loadError} />
      <div className="sql-layout">
        <TablesList sql={sql} onInsert={(name) => editor.current?.insert(name)} />
        <div className="sql-main">
          <section className="card" aria-labelledby="editor-title">
            <h2 id="editor-title">{editing ? `Query: ${editing.name}` : "Query"}</h2>
            <label htmlFor="sql-text">SQL</label>
            <SqlEditor ref={editor} value={text} onChange={setText} onRun={start} invalid={failed} describedBy={failed ? "sql-error" : "sql-hint"} />
            <p className="hint" id="sql-hint">
              SELECT only. The console stops a query after 1 second and shows at most 1,000 rows.
            </p>
            <div className="actions">
              <button type="button" className="primary" onClick={start} disabled={running}>
                {running ? "Running…" : "Run"}
              </button>
              {running && (
                <button type="button" onClick={cancel}>
                  Cancel
                </button>
              )}
              <button type="button" onClick={() => setDialogOpen(true)} disabled={!result || result.columns.length === 0}>
                Save as chart…
              </button>
            </div>
            <FieldError message={empty ? "Write a query first." : null} />
            <RunStatus state={state} />
            {failed && (
              <div id="sql-error">
                <SqlErrorBox error={state.error} text={state.text} onShow={(line, column) => editor.current?.select(line, column)} />
              </div>
            )}
            {saved && (
              <p className="notice" role="status">
                Saved “{saved.query.name}”.{" "}
                {saved.dashboard && (
                  <Link to={{ name: "dashboard", siteKey, dashboardId: saved.dashboard.id }}>Open the dashboard “{saved.dashboard.name}”</Link>
                )}
              </p>
            )}
          </section>
          {result && (
            <section className="card" aria-labelledby="results-title">
              <h2 id="results-title">Results</h2>
              {result.error && <SqlErrorBox error={new Error(result.error.message)} text={text} onShow={() => undefined} />}
              <ResultTable columns={result.columns} rows={result.rows} label="Query results" />
            </section>
          )}
          <SavedQueries sql={sql} siteKey={siteKey} generation={generation} />
        </div>
      </div>
      {result && (
        <SaveChartDialog open={dialogOpen} sql={sql} text={text} result={result} editing={editing} onClose={closeDialog} onSaved={onSaved} />
      )}
    </>
  );
}
