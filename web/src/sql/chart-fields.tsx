/** The chart's choices: its type, the label column (x), the value columns (y) and an optional series column. */
import type { ChartSpec, ChartType, SqlColumn } from "../api/sql.js";
import { isNumeric } from "./chart-data.js";

const TYPES: { type: ChartType; label: string }[] = [
  { type: "table", label: "Table" },
  { type: "bar", label: "Bar" },
  { type: "line", label: "Line" },
  { type: "pie", label: "Pie" },
];

/** A first guess from the columns: labels from the first text column, values from the first number column. */
export function defaultSpec(type: ChartType, columns: readonly SqlColumn[]): ChartSpec {
  if (type === "table") return { type, y: [] };
  const value = columns.find(isNumeric) ?? columns[1] ?? columns[0];
  const label = columns.find((c) => c !== value && !isNumeric(c)) ?? columns.find((c) => c !== value) ?? columns[0];
  return { type, ...(label ? { x: label.name } : {}), y: value ? [value.name] : [] };
}

/** What is missing for this chart, in words (the server says the same). */
export function specProblem(spec: ChartSpec): string | null {
  if (spec.type === "table") return null;
  if (!spec.x) return "Pick the label column.";
  if (spec.y.length === 0) return "Pick a value column.";
  if ((spec.type === "pie" || spec.series) && spec.y.length > 1) return spec.type === "pie" ? "A pie has one value column." : "With a series column, pick one value column.";
  return null;
}

export function ChartFields({ spec, columns, onChange }: { spec: ChartSpec; columns: readonly SqlColumn[]; onChange: (spec: ChartSpec) => void }) {
  const setType = (type: ChartType) => {
    if (type === "table") return onChange({ type, y: [] });
    const guess = defaultSpec(type, columns);
    const x = spec.x ?? guess.x;
    const y = spec.y.length > 0 ? (type === "pie" ? spec.y.slice(0, 1) : spec.y) : guess.y;
    onChange({ type, ...(x ? { x } : {}), y, ...(type !== "pie" && spec.series ? { series: spec.series } : {}) });
  };
  const toggleY = (name: string, on: boolean) => {
    const single = spec.type === "pie" || spec.series !== undefined;
    const y = on ? (single ? [name] : [...spec.y, name]) : spec.y.filter((n) => n !== name);
    onChange({ ...spec, y: columns.map((c) => c.name).filter((n) => y.includes(n)) });
  };
  return (
    <>
      <fieldset className="chart-types">
        <legend>Chart</legend>
        {TYPES.map((t) => (
          <label key={t.type} className="day">
            <input type="radio" name="chart-type" value={t.type} checked={spec.type === t.type} onChange={() => setType(t.type)} />
            {t.label}
          </label>
        ))}
      </fieldset>
      {spec.type !== "table" && (
        <div className="chart-columns">
          <div className="field">
            <label htmlFor="chart-x">{spec.type === "pie" ? "Slices (labels)" : "X axis (labels)"}</label>
            <select id="chart-x" value={spec.x ?? ""} onChange={(e) => onChange({ ...spec, x: e.target.value })}>
              {columns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <fieldset className="field">
            <legend>{spec.type === "pie" ? "Value" : "Values (Y, one series each)"}</legend>
            {columns.map((c) => (
              <label key={c.name} className="check-line">
                <input type={spec.type === "pie" || spec.series ? "radio" : "checkbox"} name="chart-y" checked={spec.y.includes(c.name)} onChange={(e) => toggleY(c.name, e.target.checked)} />
                <span className="mono">{c.name}</span> <span className="col-type">{c.type}</span>
              </label>
            ))}
          </fieldset>
          {spec.type !== "pie" && (
            <div className="field">
              <label htmlFor="chart-series">Series from a column</label>
              <select
                id="chart-series"
                value={spec.series ?? ""}
                onChange={(e) => {
                  const { series: _drop, ...rest } = spec;
                  onChange(e.target.value ? { ...rest, series: e.target.value, y: spec.y.slice(0, 1) } : rest);
                }}
              >
                <option value="">None: one series per value column</option>
                {columns.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name}
                  </option>
                ))}
              </select>
              <p className="hint">For rows like (month, status, count): one series per status.</p>
            </div>
          )}
        </div>
      )}
    </>
  );
}
