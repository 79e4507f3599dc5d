/** A query's rows as a table: the column names with their types, NULL shown as such. */
import type { SqlColumn } from "../api/sql.js";
import { isNumeric } from "./chart-data.js";

function cell(value: unknown): { text: string; muted: boolean } {
  if (value === null || value === undefined) return { text: "NULL", muted: true };
  if (typeof value === "object") return { text: JSON.stringify(value), muted: false };
  return { text: String(value), muted: false };
}

export function ResultTable({ columns, rows, label }: { columns: readonly SqlColumn[]; rows: readonly unknown[][]; label: string }) {
  const numeric = columns.map(isNumeric);
  return (
    <div className="table-wrap result-wrap">
      <table className="table compact result-table" aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={`${c.name}-${i}`} scope="col" className={numeric[i] ? "num" : undefined}>
                {c.name} <span className="col-type">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {columns.map((c, i) => {
                const { text, muted } = cell(row[i]);
                return (
                  <td key={`${c.name}-${i}`} className={[numeric[i] ? "num" : "", muted ? "muted" : ""].join(" ").trim() || undefined}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
