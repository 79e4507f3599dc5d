/** What a report reads: the entity (suggested from the site's tables), its columns, and JQL for Jira issues. */
import type { SqlTable } from "../api/sql.js";
import { ColumnPicker } from "./column-picker.js";
import { FieldProblem } from "./field-problem.js";
import type { EntityColumns } from "./use-entity-columns.js";

export interface EntityFieldsProps {
  entity: string;
  onEntity: (entity: string) => void;
  columns: string;
  onColumns: (columns: string) => void;
  /** null: no JQL for this entity. */
  jql: string | null;
  onJql: (jql: string) => void;
  tables: SqlTable[] | null;
  found: EntityColumns;
  at: (field: string) => string | null;
  readOnly: boolean;
}

export function EntityFields({ entity, onEntity, columns, onColumns, jql, onJql, tables, found, at, readOnly }: EntityFieldsProps) {
  return (
    <>
      <div className="field entity-field">
        <label htmlFor="report-entity">Entity</label>
        <input
          id="report-entity"
          className="mono"
          list="report-entities"
          value={entity}
          onChange={(e) => onEntity(e.target.value)}
          disabled={readOnly}
          aria-invalid={at("entity") ? true : undefined}
          aria-describedby="report-entity-hint report-entity-problem"
        />
        <datalist id="report-entities">
          {tables?.map((t) => <option key={t.name} value={t.name} />)}
        </datalist>
        <p className="hint" id="report-entity-hint">
          One file of the export: issues, pages, commits, …
        </p>
        <FieldProblem id="report-entity-problem" message={at("entity")} />
      </div>
      <ColumnPicker text={columns} onText={onColumns} available={found.columns} loading={found.loading} availableError={found.error} problem={at("columns")} disabled={readOnly} />
      {jql !== null && (
        <div className="field">
          <label htmlFor="report-jql">JQL</label>
          <textarea
            id="report-jql"
            className="mono jql-text"
            value={jql}
            onChange={(e) => onJql(e.target.value)}
            rows={2}
            disabled={readOnly}
            aria-invalid={at("jql") ? true : undefined}
            aria-describedby="report-jql-hint report-jql-problem"
          />
          <p className="hint" id="report-jql-hint">
            Optional, Jira issues only: project = PLAT AND status != Done ORDER BY created DESC.
          </p>
          <FieldProblem id="report-jql-problem" message={at("jql")} />
        </div>
      )}
    </>
  );
}
