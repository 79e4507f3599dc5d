/**
 * A report's columns: a comma list in file order (empty: every column), and a box per column of the
 * entity — ticking one adds it at the end, unticking takes it out.
 */
import type { SqlColumn } from "../api/sql.js";
import { FieldProblem } from "./field-problem.js";

export function parseColumns(text: string): string[] {
  return text
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
}

export interface ColumnPickerProps {
  text: string;
  onText: (text: string) => void;
  /** The entity's columns; null while not known. */
  available: SqlColumn[] | null;
  loading: boolean;
  problem: string | null;
  disabled: boolean;
}

export function ColumnPicker({ text, onText, available, loading, problem, disabled }: ColumnPickerProps) {
  const chosen = parseColumns(text);
  const toggle = (name: string) => onText((chosen.includes(name) ? chosen.filter((c) => c !== name) : [...chosen, name]).join(", "));
  return (
    <div className="column-picker">
      <div className="field">
        <label htmlFor="report-columns">Columns</label>
        <input
          id="report-columns"
          className="mono"
          value={text}
          onChange={(e) => onText(e.target.value)}
          disabled={disabled}
          aria-describedby="report-columns-hint report-columns-problem"
          aria-invalid={problem ? true : undefined}
        />
        <p className="hint" id="report-columns-hint">
          Comma-separated, in the file's order. Leave empty for every column.
        </p>
        <FieldProblem id="report-columns-problem" message={problem} />
      </div>
      {loading && (
        <p className="muted" role="status">
          Finding the entity's columns…
        </p>
      )}
      {available && available.length > 0 && (
        <fieldset className="column-boxes" disabled={disabled}>
          <legend>Pick columns</legend>
          <div className="column-grid">
            {available.map((c) => (
              <label key={c.name} className="check-line">
                <input type="checkbox" checked={chosen.includes(c.name)} onChange={() => toggle(c.name)} />
                <span className="mono">{c.name}</span> <span className="col-type">{c.type}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
    </div>
  );
}
