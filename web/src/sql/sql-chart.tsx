/** A saved query's rows drawn as its chart says: a table, bars, lines or a pie, with the numbers beneath. */
import { useMemo } from "react";
import type { ChartSpec, SqlResult } from "../api/sql.js";
import { colorOf } from "../components/bar-chart.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { chartData, chartProblem } from "./chart-data.js";
import { PieChart } from "./pie-chart.js";
import { ResultTable } from "./result-table.js";
import { UplotChart } from "./uplot-chart.js";

export function SqlChart({ title, spec, result }: { title: string; spec: ChartSpec; result: SqlResult }) {
  const data = useMemo(() => chartData(spec, result.columns, result.rows), [spec, result]);
  const problem = chartProblem(spec, result.columns);
  if (problem) return <FieldError message={problem} />;
  if (result.rows.length === 0) return <EmptyState title="No rows.">The query answered with no rows to draw.</EmptyState>;
  if (spec.type === "table") return <ResultTable columns={result.columns} rows={result.rows} label={title} />;
  const names = data.series.map((s) => s.name);
  const summary = data.labels
    .slice(0, 20)
    .map((label, i) => `${label}: ${data.series.map((s) => (data.series.length > 1 ? `${s.name} ${s.values[i] ?? "–"}` : String(s.values[i] ?? "–"))).join(", ")}`)
    .join("; ");
  return (
    <figure className="chart sql-chart" role="img" aria-label={`${spec.type} chart of ${title}. ${summary}${data.labels.length > 20 ? "; …" : ""}`}>
      {spec.type === "pie" ? <PieChart data={data} /> : <UplotChart type={spec.type} data={data} />}
      {spec.type !== "pie" && names.length > 1 && (
        <ul className="legend" aria-hidden="true">
          {names.map((name) => (
            <li key={name}>
              <span className="swatch" style={{ background: colorOf(names, name) }} />
              {name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** The rows under a chart, folded away. */
export function ChartNumbers({ title, result }: { title: string; result: SqlResult }) {
  return (
    <details className="chart-data">
      <summary>Show the numbers</summary>
      <ResultTable columns={result.columns} rows={result.rows} label={`${title}: rows`} />
    </details>
  );
}
