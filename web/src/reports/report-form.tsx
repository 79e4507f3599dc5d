/**
 * A report's definition: name, site, entity, columns, JQL (Jira issues only), who sees it; Preview shows
 * its first rows as you see them, Save makes or changes it. A report that is not yours is shown read
 * only (preview still works). Filters and sorts set through the API are kept as they are; a report of
 * a saved SQL query keeps its query.
 */
import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import type { NewReport, Preview, Report, ReportPatch, ReportsApi } from "../api/reports.js";
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
import { ReportPreview } from "./report-preview.js";
import { useEntityColumns } from "./use-entity-columns.js";

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
  const [entity, setEntity] = useState(report?.entity ?? "");
  const [columns, setColumns] = useState(report?.columns.join(", ") ?? "");
  const [jql, setJql] = useState(report?.jql ?? "");
  const [visibility, setVisibility] = useState<Visibility>(report?.visibility ?? "private");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [problemsTitle, setProblemsTitle] = useState("");
  const [busy, setBusy] = useState<"save" | "preview" | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** A report of a saved SQL query: the query says its columns, filter and order. */
  const sqlQueryId = report?.sqlQueryId ?? null;
  const chosenSite = sites?.find((s) => s.contextPath === site) ?? null;
  const siteKey = chosenSite ? chosenSite.key || "-" : null;
  const sql = useMemo(() => (siteKey === null ? null : createSqlApi(api, siteKey)), [api, siteKey]);
  const { value: tables } = useLoad(async () => (sql ? sql.tables() : []), [sql], "Could not list the entities");
  const found = useEntityColumns(reports, sqlQueryId === null ? site : "", entity);
  const jqlShown = (chosenSite?.product ?? report?.product) === "jira" && entity.trim() === "issues";
  const kept = { filter: report?.filter ?? [], sort: report?.sort ?? [] };

  const definition = () => ({ entity: entity.trim(), columns: parseColumns(columns), jql: jqlShown && jql.trim() !== "" ? jql : null });

  /** What is missing before asking the server at all. */
  function missing(withName: boolean): Problem[] {
    const out: Problem[] = [];
    if (withName && name.trim() === "") out.push({ field: "name", message: "give the report a name" });
    if (site === "") out.push({ field: "site", message: "choose a site" });
    if (sqlQueryId === null && entity.trim() === "") out.push({ field: "entity", message: "give the entity whose rows the report holds (issues, pages, commits, …)" });
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
      const source = sqlQueryId !== null ? { sqlQueryId, columns: [], jql: null } : definition();
      setPreview(await reports.preview({ site, ...source, ...kept, limit: PREVIEW_ROWS }));
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
    setBusy("save");
    show("", []);
    try {
      if (report) {
        // The whole definition goes back: what a change leaves out, the server resets.
        const patch: ReportPatch = sqlQueryId !== null ? { name: name.trim(), visibility, sqlQueryId } : { name: name.trim(), visibility, ...definition(), ...kept };
        onSaved(await reports.updateReport(report.id, patch), false);
        setNotice("Report saved.");
      } else {
        const fields: NewReport = { name: name.trim(), site, visibility, ...definition() };
        onSaved(await reports.createReport(fields), true);
      }
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
            <select id="report-site" value={site} onChange={(e) => setSite(e.target.value)} disabled={readOnly || report !== null} aria-invalid={at("site") ? true : undefined} aria-describedby="report-site-hint report-site-problem">
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
        {sqlQueryId !== null ? (
          <p className="hint">This report runs the saved SQL query {sqlQueryId} of its site: the query says its columns, filter and order.</p>
        ) : (
          <EntityFields
            entity={entity}
            onEntity={setEntity}
            columns={columns}
            onColumns={setColumns}
            jql={jqlShown ? jql : null}
            onJql={setJql}
            tables={tables}
            found={found}
            at={at}
            readOnly={readOnly}
          />
        )}
        {kept.filter.length + kept.sort.length > 0 && (
          <p className="hint">
            It also has {kept.filter.length} filter condition(s) and {kept.sort.length} sort column(s) set through the API; they are kept.
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
