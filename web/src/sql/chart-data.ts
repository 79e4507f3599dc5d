/**
 * A query's rows as a chart draws them: one label per category (the `x` column's values, in row order)
 * and one series per value column — or, with a `series` column, one per value of that column (rows in
 * long form). Values that are not numbers are gaps. Pure.
 */
import type { ChartSpec, SqlColumn } from "../api/sql.js";

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

export interface ChartData {
  labels: string[];
  series: ChartSeries[];
}

/** What a chart cannot draw from these columns, or null. */
export function chartProblem(spec: ChartSpec, columns: readonly SqlColumn[]): string | null {
  if (spec.type === "table") return null;
  const names = new Set(columns.map((c) => c.name));
  const missing = [spec.x, spec.series, ...spec.y].filter((c): c is string => c !== undefined && !names.has(c));
  if (missing.length > 0) return `The query no longer has the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: edit the chart or the query.`;
  return null;
}

export function labelOf(value: unknown): string {
  if (value === null || value === undefined) return "(null)";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function numberOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  return null;
}

/** Column types whose values chart as numbers. */
export function isNumeric(column: SqlColumn): boolean {
  return /int|real|double|float|numeric|decimal|number|bigint/i.test(column.type);
}

export function chartData(spec: ChartSpec, columns: readonly SqlColumn[], rows: readonly unknown[][]): ChartData {
  const index = (name: string | undefined) => (name === undefined ? -1 : columns.findIndex((c) => c.name === name));
  const x = index(spec.x);
  const labelAt = (row: readonly unknown[], i: number) => (x >= 0 ? labelOf(row[x]) : String(i + 1));
  if (spec.series === undefined) {
    return {
      labels: rows.map(labelAt),
      series: spec.y.map((name) => {
        const at = index(name);
        return { name, values: rows.map((row) => numberOf(row[at])) };
      }),
    };
  }
  // Long form: each (x, series) pair is a cell; a pair seen twice adds up.
  const s = index(spec.series);
  const y = index(spec.y[0]);
  const labels: string[] = [];
  const byLabel = new Map<string, number>();
  const series = new Map<string, Map<number, number>>();
  rows.forEach((row, i) => {
    const label = labelAt(row, i);
    let at = byLabel.get(label);
    if (at === undefined) {
      at = labels.push(label) - 1;
      byLabel.set(label, at);
    }
    const name = labelOf(row[s]);
    const cells = series.get(name) ?? new Map<number, number>();
    series.set(name, cells);
    const value = numberOf(row[y]);
    if (value !== null) cells.set(at, (cells.get(at) ?? 0) + value);
  });
  return {
    labels,
    series: [...series].map(([name, cells]) => ({ name, values: labels.map((_, i) => cells.get(i) ?? null) })),
  };
}
