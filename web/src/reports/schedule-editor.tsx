/**
 * A schedule's settings: the file (format, name, when to skip), when it runs, and its deliveries. Saves
 * a new schedule of the report or replaces an existing one's fields; the server's problems show beside
 * the form and under their fields.
 */
import { useId, useState } from "react";
import type { FormEvent } from "react";
import { REPORT_FORMATS } from "../api/reports.js";
import type { ReportFormat, ReportSchedule, ReportsApi } from "../api/reports.js";
import { AddonPermissionsField } from "./addon-permissions-field.js";
import { problemAt, problemsOf, type Problem } from "./api-problems.js";
import { CheckField } from "./check-field.js";
import { DeliveriesEditor } from "./deliveries-editor.js";
import { ProblemList } from "./problem-list.js";
import { RepeatFields } from "./repeat-fields.js";
import { draftOf, fieldsOf, newDraft, type ScheduleDraft } from "./schedule-draft.js";
import { TextField } from "./text-field.js";

export interface ScheduleEditorProps {
  reports: ReportsApi;
  reportId: number;
  /** The report's site (its context path): whether add-on permissions are allowed there. */
  site: string | null;
  /** null: a new schedule. */
  schedule: ReportSchedule | null;
  onSaved: (schedule: ReportSchedule) => void;
  onCancel: () => void;
}

export function ScheduleEditor({ reports, reportId, site, schedule, onSaved, onCancel }: ScheduleEditorProps) {
  const p = `schedule${useId().replace(/:/g, "")}`;
  const [draft, setDraft] = useState<ScheduleDraft>(() => (schedule ? draftOf(schedule) : newDraft()));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const change = (patch: Partial<ScheduleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const at = (field: string) => problemAt(problems, field);
  const title = schedule ? `Edit schedule ${schedule.id}` : "New schedule";

  async function save(event: FormEvent) {
    event.preventDefault();
    const { fields, problems: found } = fieldsOf(draft);
    setProblems(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      onSaved(schedule ? await reports.updateSchedule(schedule.id, fields) : await reports.createSchedule(reportId, fields));
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card schedule-editor" aria-labelledby={`${p}-title`}>
      <h2 id={`${p}-title`}>{title}</h2>
      <form onSubmit={(e) => void save(e)} noValidate aria-describedby={problems.length > 0 ? `${p}-problems` : undefined}>
        <fieldset className="form-section">
          <legend>File</legend>
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${p}-format`}>Format</label>
              <select id={`${p}-format`} value={draft.format} onChange={(e) => change({ format: e.target.value as ReportFormat })}>
                {REPORT_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f.toUpperCase()}
                  </option>
                ))}
              </select>
            </div>
            <TextField id={`${p}-file-name`} label="File name" value={draft.fileName} onChange={(fileName) => change({ fileName })} mono grow hint="Placeholders: {{exportConfigName}}, {{reportDate}}, {{format}}." problem={at("fileName")} />
            <TextField id={`${p}-retention`} label="Keep files (days)" type="number" value={draft.retentionDays} onChange={(retentionDays) => change({ retentionDays })} hint="Blank: the server's default." problem={at("retentionDays")} />
          </div>
          <div className="form-grid">
            <CheckField id={`${p}-skip-empty`} label="Skip when empty" checked={draft.skipEmpty} onChange={(skipEmpty) => change({ skipEmpty })} hint="Deliver nothing when the report has no rows." />
            <CheckField id={`${p}-only-changed`} label="Only when changed" checked={draft.onlyWhenChanged} onChange={(onlyWhenChanged) => change({ onlyWhenChanged })} hint="Deliver only when the rows changed since the last delivery." />
            <AddonPermissionsField id={`${p}-addon`} reports={reports} site={site} checked={draft.addonPermissions} onChange={(addonPermissions) => change({ addonPermissions })} />
          </div>
        </fieldset>
        <RepeatFields p={p} draft={draft} onChange={change} problems={problems} />
        <DeliveriesEditor p={p} deliveries={draft.deliveries} onChange={(deliveries) => change({ deliveries })} problems={problems} />
        <ProblemList id={`${p}-problems`} title="The schedule was not saved:" problems={problems} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : "Save schedule"}
          </button>
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
