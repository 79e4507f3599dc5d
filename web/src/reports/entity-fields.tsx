/** What a report of an entity reads: the entity (from the site's own list), its columns, and JQL where the entity takes it. */
import type { ReportEntity } from "../api/reports.js";
import { ColumnPicker } from "./column-picker.js";
import { FieldProblem } from "./field-problem.js";

export interface EntityFieldsProps {
  entity: string;
  onEntity: (entity: string) => void;
  columns: string;
  onColumns: (columns: string) => void;
  /** null: no JQL for this entity. */
  jql: string | null;
  onJql: (jql: string) => void;
  /** The site's entities; null while loading or when no site is chosen. */
  entities: ReportEntity[] | null;
  /** Why the site's entities could not be listed. */
  entitiesError: string | null;
  /** No site chosen yet. */
  noSite: boolean;
  at: (field: string) => string | null;
  readOnly: boolean;
}

export function EntityFields({ entity, onEntity, columns, onColumns, jql, onJql, entities, entitiesError, noSite, at, readOnly }: EntityFieldsProps) {
  const chosen = entities?.find((e) => e.name === entity) ?? null;
  const unknown = entity !== "" && entities !== null && chosen === null;
  let placeholder = "Choose an entity…";
  if (noSite) placeholder = "Choose a site first";
  else if (entities === null && !entitiesError) placeholder = "Loading the entities…";
  return (
    <>
      <div className="field entity-field">
        <label htmlFor="report-entity">Entity</label>
        <select
          id="report-entity"
          className="mono"
          value={entity}
          onChange={(e) => onEntity(e.target.value)}
          disabled={readOnly || noSite}
          aria-invalid={at("entity") ? true : undefined}
          aria-describedby="report-entity-hint report-entity-problem"
        >
          <option value="">{placeholder}</option>
          {entities?.map((e) => (
            <option key={e.name} value={e.name}>
              {e.name}
            </option>
          ))}
          {(unknown || (entity !== "" && entities === null)) && <option value={entity}>{entity}</option>}
        </select>
        <p className="hint" id="report-entity-hint">
          One file of the site's export: issues, pages, commits, …
        </p>
        <FieldProblem id="report-entity-problem" message={at("entity") ?? entitiesError ?? (unknown ? `The site has no entity ${entity} now: choose another.` : null)} />
      </div>
      {entity !== "" && (
        <ColumnPicker text={columns} onText={onColumns} available={chosen?.columns ?? null} loading={entities === null && !entitiesError} problem={at("columns")} disabled={readOnly} />
      )}
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
            Optional: project = PLAT AND status != Done ORDER BY created DESC.
          </p>
          <FieldProblem id="report-jql-problem" message={at("jql")} />
        </div>
      )}
    </>
  );
}
