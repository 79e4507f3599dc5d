/**
 * A report's definition: name, site, who sees it, and what it reads — an entity of the site (its
 * columns, JQL where the entity takes it) or one of the site's saved SQL queries. Preview shows its
 * first rows as you see them; Save makes it, or sends what changed. A report that is not yours is shown
 * read only (preview still works). Filters and sorts set through the API are kept while the entity stays.
 */
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import type { Preview, Report, ReportSource, ReportsApi } from "../api/reports.js";
import { createSqlApi, sqlSites } from "../api/sql.js";
import type { Visibility } from "../api/sql.js";
import { productName } from "../app/format.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { problemAt, problemsOf, type Problem } from "./api-problems.js";
import { parseColumns } from "./column-picker.js";
import { EntityFields } from "./entity-fields.js";
import { FieldProblem } from "./field-problem.js";
import { ProblemList } from "./problem-list.js";
import { changesOf, entityOf } from "./report-changes.js";
import { ReportPreview } from "./report-preview.js";
import { SourceChoice, type SourceMode } from "./source-choice.js";
import { SqlQueryFields } from "./sql-query-fields.js";
import { useSiteEntities } from "./use-site-entities.js";

const PREVIEW_ROWS = 20;

export interface ReportFormProps {
  reports: ReportsApi;
  /** null: a new report. */
  report: Report | null;
  readOnly: boolean;
  onSaved: (report: Report, created: boolean) => void;
}

export function ReportForm({ reports, report, readOnly, onSaved }: ReportFormProps) {
  const { api } = useSession();
  const { value: sites, error: sitesError } = useLoad(() => sqlSites(api), [api], "Could not list the sites");
  const [name, setName] = useState(report?.name ?? "");
  const [site, setSite] = useState(report?.site ?? "");
  const [mode, setMode] = useState<SourceMode>(report && entityOf(report) === null ? "sql" : "entity");
  const [entity, setEntity] = useState(report ? (entityOf(report) ?? "") : "");
  const [columns, setColumns] = useState(report?.columns.join(", ") ?? "");
  const [jql, setJql] = useState(report?.jql ?? "");
  const [queryId, setQueryId] = useState<number | null>(report?.sqlQueryId ?? null);
  const [visibility, setVisibility] = useState<Visibility>(report?.visibility ?? "private");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [problemsTitle, setProblemsTitle] = useState("");
  const [busy, setBusy] = useState<"save" | "preview" | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const chosenSite = sites?.find((s) => s.contextPath === site) ?? null;
  const siteKey = chosenSite ? chosenSite.key || "-" : null;
  const { entities, error: entitiesError } = useSiteEntities(reports, site);
  const sql = useMemo(() => (siteKey === null ? null : createSqlApi(api, siteKey)), [api, siteKey]);
  const { value: queries, error: queriesError } = useLoad(async () => (sql && mode === "sql" ? sql.queries() : null), [sql, mode], "Could not list the saved queries");
  const chosenEntity = entities?.find((e) => e.name === entity) ?? null;
  const jqlShown = chosenEntity ? chosenEntity.jql : report !== null && entity === entityOf(report) && report.jql !== null;
  /** The filter and sort set through the API: theirs while the entity stays. */
  const kept = report && mode === "entity" && entity === entityOf(report) ? { filter: report.filter, sort: report.sort } : { filter: [], sort: [] };

  /** What it reads (`missing` makes sure a query is chosen before this is sent). */
  function source(): ReportSource {
    if (mode === "sql") return { sqlQueryId: queryId ?? 0 };
    return { entity, columns: parseColumns(columns), jql: jqlShown && jql.trim() !== "" ? jql : null };
  }

  /** Another site or source: what was chosen for the old one does not apply. */
  function chooseSite(next: string) {
    setSite(next);
    setEntity("");
    setColumns("");
    setQueryId(null);
    setPreview(null);
  }

  /** Another entity: only the columns it has stay. */
  function chooseEntity(next: string) {
    setEntity(next);
    setPreview(null);
    const own = entities?.find((e) => e.name === next)?.columns;
    if (own) setColumns(parseColumns(columns).filter((c) => own.some((o) => o.name === c)).join(", "));
  }

  /** What is missing before asking the server at all. */
  function missing(withName: boolean): Problem[] {
    const out: Problem[] = [];
    if (withName && name.trim() === "") out.push({ field: "name", message: "give the report a name" });
    if (site === "") out.push({ field: "site", message: "choose a site" });
    else if (mode === "entity" && entity === "") out.push({ field: "entity", message: "choose the entity whose rows the report holds (issues, pages, commits, …)" });
    else if (mode === "sql" && queryId === null) out.push({ field: "sqlQueryId", message: "choose one of the site's saved SQL queries" });
    return out;
  }

  function show(title: string, list: Problem[]) {
    setProblemsTitle(title);
    setProblems(list);
  }

  async function runPreview() {
    setNotice(null);
    const before = missing(false);
    if (before.length > 0) return show("The preview needs more:", before);
    setBusy("preview");
    show("", []);
    try {
      setPreview(await reports.preview({ site, ...source(), ...kept, limit: PREVIEW_ROWS }));
    } catch (e) {
      setPreview(null);
      show("The preview was refused:", problemsOf(e));
    } finally {
      setBusy(null);
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const before = missing(true);
    if (before.length > 0) return show("The report was not saved:", before);
    show("", []);
    const draft = { name: name.trim(), visibility, source: source() };
    if (report) {
      const patch = changesOf(report, draft);
      if (Object.keys(patch).length === 0) return setNotice("Nothing to save: it is as saved.");
      setBusy("save");
      try {
        onSaved(await reports.updateReport(report.id, patch), false);
        setNotice("Report saved.");
      } catch (e) {
        show("The report was not saved:", problemsOf(e));
      } finally {
        setBusy(null);
      }
      return;
    }
    setBusy("save");
    try {
      onSaved(await reports.createReport({ name: draft.name, site, visibility, ...draft.source }), true);
    } catch (e) {
      show("The report was not saved:", problemsOf(e));
    } finally {
      setBusy(null);
    }
  }

  const at = (field: string) => problemAt(problems, field);
  return (
    <section className="card" aria-labelledby="definition-title">
      <h2 id="definition-title">Definition</h2>
      <form onSubmit={(e) => void save(e)} noValidate aria-describedby={problems.length > 0 ? "report-problems" : undefined}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="report-name">Name</label>
            <input id="report-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} disabled={readOnly} aria-invalid={at("name") ? true : undefined} aria-describedby="report-name-problem" />
            <FieldProblem id="report-name-problem" message={at("name")} />
          </div>
          <div className="field">
            <label htmlFor="report-site">Site</label>
            <select id="report-site" value={site} onChange={(e) => chooseSite(e.target.value)} disabled={readOnly || report !== null} aria-invalid={at("site") ? true : undefined} aria-describedby="report-site-hint report-site-problem">
              <option value="">Choose a site…</option>
              {sites?.map((s) => (
                <option key={s.key} value={s.contextPath}>
                  {s.contextPath} ({productName(s.product)})
                </option>
              ))}
              {report?.site && !sites?.some((s) => s.contextPath === report.site) && <option value={report.site}>{report.site}</option>}
            </select>
            {report && (
              <p className="hint" id="report-site-hint">
                A report stays on its site; so does a copy.
              </p>
            )}
            <FieldProblem id="report-site-problem" message={at("site") ?? sitesError} />
          </div>
          <div className="field">
            <label htmlFor="report-visibility">Who sees it</label>
            <select id="report-visibility" value={visibility} onChange={(e) => setVisibility(e.target.value as Visibility)} disabled={readOnly}>
              <option value="private">Only me</option>
              <option value="public">Everyone signed in</option>
            </select>
          </div>
        </div>
        <SourceChoice
          mode={mode}
          onMode={(next) => {
            setMode(next);
            setPreview(null);
          }}
          disabled={readOnly}
        />
        {mode === "sql" ? (
          <SqlQueryFields
            siteKey={siteKey}
            queryId={queryId}
            onQueryId={(id) => {
              setQueryId(id);
              setPreview(null);
            }}
            queries={queries}
            problem={at("sqlQueryId") ?? queriesError}
            readOnly={readOnly}
          />
        ) : (
          <EntityFields
            entity={entity}
            onEntity={chooseEntity}
            columns={columns}
            onColumns={setColumns}
            jql={jqlShown ? jql : null}
            onJql={setJql}
            entities={entities}
            entitiesError={entitiesError}
            noSite={site === ""}
            at={at}
            readOnly={readOnly}
          />
        )}
        {kept.filter.length + kept.sort.length > 0 && (
          <p className="hint">
            It also has {kept.filter.length} filter condition(s) and {kept.sort.length} sort column(s) set through the API: they stay while the entity does.
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => void runPreview()} disabled={busy !== null}>
            {busy === "preview" ? "Previewing…" : "Preview"}
          </button>
          {!readOnly && (
            <button type="submit" className="primary" disabled={busy !== null}>
              {busy === "save" ? "Saving…" : report ? "Save" : "Save report"}
            </button>
          )}
        </div>
        <ProblemList id="report-problems" title={problemsTitle} problems={problems} />
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
      </form>
      <ReportPreview preview={preview} loading={busy === "preview"} limit={PREVIEW_ROWS} />
    </section>
  );
}
