/** Whether a report reads an entity (its columns, JQL) or runs a saved SQL query of the site. */
export type SourceMode = "entity" | "sql";

export function SourceChoice({ mode, onMode, disabled }: { mode: SourceMode; onMode: (mode: SourceMode) => void; disabled: boolean }) {
  return (
    <fieldset className="source-choice" disabled={disabled}>
      <legend>Report of</legend>
      <label className="check-line">
        <input type="radio" name="report-source" checked={mode === "entity"} onChange={() => onMode("entity")} /> Entity
      </label>
      <label className="check-line">
        <input type="radio" name="report-source" checked={mode === "sql"} onChange={() => onMode("sql")} /> Saved SQL query
      </label>
    </fieldset>
  );
}
