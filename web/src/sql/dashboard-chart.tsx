/**
 * One chart of a dashboard: its saved query run as the viewer (again at each refresh), drawn as saved,
 * with the rows folded beneath. The owner may widen, move or remove it.
 */
import { useEffect } from "react";
import type { DashboardItem, SqlApi } from "../api/sql.js";
import { Link } from "../components/link.js";
import { RunStatus } from "./run-status.js";
import { ChartNumbers, SqlChart } from "./sql-chart.js";
import { SqlErrorBox } from "./sql-error.js";
import { useSqlRun } from "./use-sql-run.js";
import { VisibilityBadge } from "./visibility-badge.js";

export interface ItemActions {
  widen: () => void;
  moveUp: () => void;
  remove: () => void;
}

export interface DashboardChartProps {
  sql: SqlApi;
  siteKey: string;
  item: DashboardItem;
  /** Bumped by Refresh: the query runs again. */
  refresh: number;
  first: boolean;
  actions: ItemActions | null;
}

export function DashboardChart({ sql, siteKey, item, refresh, first, actions }: DashboardChartProps) {
  const query = item.query ?? null;
  const text = query?.sql;
  const { state, run } = useSqlRun(sql);
  useEffect(() => {
    if (text !== undefined) void run(text);
  }, [text, run, refresh]);

  const title = query?.name ?? `Saved query ${item.queryId}`;
  const headingId = `chart-${item.queryId}`;
  return (
    <article className={`card dash-item ${item.width === "full" ? "full" : ""}`} aria-labelledby={headingId} data-testid="dashboard-chart">
      <header className="dash-item-head">
        <h2 id={headingId}>{title}</h2>
        {query && <VisibilityBadge visibility={query.visibility} />}
      </header>
      {!query && <p className="muted">This chart is private to its owner, or was deleted.</p>}
      {query && (
        <>
          <RunStatus state={state} />
          {state.kind === "failed" && <SqlErrorBox error={state.error} text={state.text} onShow={() => undefined} />}
          {state.kind === "done" && (
            <>
              <SqlChart title={title} spec={query.chart} result={state.result} />
              {query.chart.type !== "table" && <ChartNumbers title={title} result={state.result} />}
            </>
          )}
        </>
      )}
      <div className="actions dash-item-actions">
        {query && (
          <Link to={{ name: "sql", siteKey, queryId: query.id }} className="button small">
            Open in the editor
          </Link>
        )}
        {actions && (
          <>
            <button type="button" className="small" onClick={actions.widen}>
              {item.width === "full" ? "Half width" : "Full width"}
            </button>
            {!first && (
              <button type="button" className="small" onClick={actions.moveUp} aria-label={`Move ${title} up`}>
                Move up
              </button>
            )}
            <button type="button" className="small" onClick={actions.remove} aria-label={`Remove ${title} from the dashboard`}>
              Remove
            </button>
          </>
        )}
      </div>
    </article>
  );
}
