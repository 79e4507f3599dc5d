/**
 * "Save as chart": a name, the chart (with a live preview on the rows just fetched), who sees it, and
 * optionally a dashboard to put it on — one of yours, or a new one. A saved query of yours that is open
 * in the editor is updated, unless "save as a new query" is ticked.
 */
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import type { ChartSpec, Dashboard, SavedQuery, SqlApi, SqlResult, Visibility } from "../api/sql.js";
import { FieldError } from "../components/field-error.js";
import { ChartFields, defaultSpec, specProblem } from "./chart-fields.js";
import { SqlChart } from "./sql-chart.js";

export interface Saved {
  query: SavedQuery;
  dashboard: Dashboard | null;
}

export interface SaveChartDialogProps {
  open: boolean;
  sql: SqlApi;
  text: string;
  result: SqlResult;
  /** The saved query open in the editor, if any. */
  editing: SavedQuery | null;
  onClose: () => void;
  onSaved: (saved: Saved) => void;
}

const NONE = "";
const NEW = "new";

export function SaveChartDialog(props: SaveChartDialogProps) {
  const { open, sql, text, result, editing, onClose, onSaved } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState("");
  const [spec, setSpec] = useState<ChartSpec>({ type: "bar", y: [] });
  const [visibility, setVisibility] = useState<Visibility>("private");
  const [asNew, setAsNew] = useState(false);
  const [boards, setBoards] = useState<Dashboard[]>([]);
  const [board, setBoard] = useState(NONE);
  const [boardName, setBoardName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      setName(editing?.name ?? "");
      setSpec(editing?.chart ?? defaultSpec("bar", result.columns));
      setVisibility(editing?.visibility ?? "private");
      setAsNew(false);
      setBoard(NONE);
      setBoardName("");
      setError(null);
      dialog.showModal();
      sql
        .dashboards()
        .then((list) => setBoards(list.filter((d) => d.editable)))
        .catch(() => setBoards([]));
    }
    if (!open && dialog.open) dialog.close();
  }, [open, editing, result, sql]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    dialog.addEventListener("close", onClose);
    return () => dialog.removeEventListener("close", onClose);
  }, [onClose]);

  const updating = editing !== null && editing.editable && !asNew;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = !name.trim() ? "Give the chart a name." : specProblem(spec) ?? (board === NEW && !boardName.trim() ? "Name the new dashboard." : null);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      const fields = { name: name.trim(), sql: text, chart: spec, visibility };
      const query = updating ? await sql.updateQuery(editing.id, fields) : await sql.saveQuery(fields);
      let dashboard: Dashboard | null = null;
      if (board === NEW) {
        dashboard = await sql.saveDashboard({ name: boardName.trim(), visibility, items: [{ queryId: query.id, width: "half" }] });
      } else if (board !== NONE) {
        const current = await sql.dashboard(Number(board));
        const items = current.items.map((i) => ({ queryId: i.queryId, width: i.width }));
        if (!items.some((i) => i.queryId === query.id)) items.push({ queryId: query.id, width: "half" });
        dashboard = await sql.updateDashboard(current.id, { items });
      }
      onSaved({ query, dashboard });
      ref.current?.close();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog save-chart" aria-labelledby="save-chart-title">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="save-chart-title">{updating ? `Update “${editing.name}”` : "Save as chart"}</h2>
        <div className="save-chart-grid">
          <div className="save-chart-fields">
            <div className="field">
              <label htmlFor="chart-name">Name</label>
              <input id="chart-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoFocus />
            </div>
            <ChartFields spec={spec} columns={result.columns} onChange={setSpec} />
          </div>
          <div className="save-chart-side">
            <div className="save-chart-preview" aria-label="Preview">
              <h3>Preview</h3>
              {specProblem(spec) ? <p className="muted">{specProblem(spec)}</p> : <SqlChart title={name || "Preview"} spec={spec} result={spec.type === "table" ? { ...result, rows: result.rows.slice(0, 20) } : result} />}
            </div>
            <div className="field">
              <label htmlFor="chart-visibility">Who sees it</label>
              <select id="chart-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)}>
                <option value="private">Only me (private)</option>
                <option value="public">Everyone signed in (public)</option>
              </select>
              <p className="hint">Everyone who opens it runs the query as themselves and sees only the rows they may see.</p>
            </div>
            <div className="field">
              <label htmlFor="chart-dashboard">Add to a dashboard</label>
              <select id="chart-dashboard" value={board} onChange={(e) => setBoard(e.target.value)}>
                <option value={NONE}>No dashboard</option>
                {boards.map((d) => (
                  <option key={d.id} value={String(d.id)}>
                    {d.name}
                  </option>
                ))}
                <option value={NEW}>A new dashboard…</option>
              </select>
            </div>
            {board === NEW && (
              <div className="field">
                <label htmlFor="dashboard-name">New dashboard name</label>
                <input id="dashboard-name" value={boardName} onChange={(e) => setBoardName(e.target.value)} maxLength={200} />
              </div>
            )}
            {editing?.editable && (
              <label className="check-line">
                <input type="checkbox" checked={asNew} onChange={(e) => setAsNew(e.target.checked)} /> Save as a new query
              </label>
            )}
          </div>
        </div>
        <FieldError id="save-chart-error" message={error} />
        <div className="actions end">
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : updating ? "Update" : "Save"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
