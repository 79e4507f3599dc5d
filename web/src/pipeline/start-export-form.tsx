import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import { isJob } from "../api/pipeline.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Job, SchemaVersion } from "../api/types.js";
import { localInputToIso } from "../app/format.js";
import { FieldError } from "../components/field-error.js";

export interface StartExportFormProps {
  pipeline: PipelineApi;
  running: boolean;
  onStarted: (job: Job | null) => void;
}

/** Starts an export: data since a date (default: the last 365 days), force, schema version. */
export function StartExportForm({ pipeline, running, onStarted }: StartExportFormProps) {
  const [fromDate, setFromDate] = useState("");
  const [force, setForce] = useState(false);
  const [schemas, setSchemas] = useState<SchemaVersion[]>([]);
  const [schema, setSchema] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    pipeline
      .schemas()
      .then((list) => {
        if (!cancelled) setSchemas(list);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [pipeline]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const response = await pipeline.startExport({
        fromDate: fromDate ? localInputToIso(fromDate) : undefined,
        forceExport: force,
        schemaVersion: schema ? Number(schema) : undefined,
      });
      const job = isJob(response.body) ? response.body : null;
      if (response.status === 409) {
        setError(`An export is already running${job ? ` (job ${job.jobId})` : ""}. Wait for it to finish or cancel it first.`);
      } else if (response.status === 422) {
        const reasons = job?.errors?.map((e) => e.message).join(" ") || "the pre-export checks failed.";
        setError(`The export did not start: ${reasons} Tick "Force export" to run it anyway.`);
      }
      onStarted(job);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const max = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T23:59`;

  return (
    <form className="start-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="start-title">
      <h3 id="start-title">Start an export</h3>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="export-from">Export data changed since</label>
          <input
            id="export-from"
            type="datetime-local"
            value={fromDate}
            max={max}
            onChange={(e) => setFromDate(e.target.value)}
            aria-describedby="export-from-hint"
          />
          <span className="hint" id="export-from-hint">
            Empty: the last 365 days. Your browser's time zone.
          </span>
        </div>
        {schemas.length > 0 && (
          <div className="field">
            <label htmlFor="export-schema">Schema version</label>
            <select id="export-schema" value={schema} onChange={(e) => setSchema(e.target.value)}>
              <option value="">Default</option>
              {schemas.map((s) => (
                <option key={s.version} value={String(s.version)}>
                  {s.version} ({s.status.toLowerCase()})
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field check">
          <input id="export-force" type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} aria-describedby="export-force-hint" />
          <label htmlFor="export-force">Force export</label>
          <span className="hint" id="export-force-hint">
            Run even when a pre-export check fails (it becomes a warning).
          </span>
        </div>
        <button type="submit" className="primary" disabled={busy || running} aria-describedby={error ? "start-error" : undefined}>
          {busy ? "Starting…" : "Start export"}
        </button>
      </div>
      {running && <p className="hint">An export is running; you can start the next one when it has ended.</p>}
      <FieldError id="start-error" message={error} />
    </form>
  );
}
