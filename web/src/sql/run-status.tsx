/** One line under the editor: running, how many rows in how long (and whether they were cut), or cancelled. */
import { count } from "../app/format.js";
import type { RunState } from "./use-sql-run.js";

function ms(n: number): string {
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

export function RunStatus({ state }: { state: RunState }) {
  let text = "";
  if (state.kind === "running") text = "Running…";
  if (state.kind === "cancelled") text = `Cancelled after ${ms(state.ms)}; the server stopped the query.`;
  if (state.kind === "done") {
    const { rowCount, truncated, elapsedMs, error } = state.result;
    text = `${count(rowCount)} ${rowCount === 1 ? "row" : "rows"} in ${ms(elapsedMs ?? state.ms)}`;
    if (truncated) text += ` — only the first ${count(rowCount)}: add a LIMIT or narrow the query to see the rest`;
    if (error) text += " before the query failed";
  }
  return (
    <p className="run-status muted" role="status" data-testid="sql-status">
      {text}
    </p>
  );
}
