/** "Save as…": a private copy of a report you can see but not change, under a name of yours. */
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import type { Report, ReportsApi } from "../api/reports.js";
import { FieldError } from "../components/field-error.js";

export interface SaveAsDialogProps {
  reports: ReportsApi;
  /** The report to copy; null: closed. */
  report: Report | null;
  onClose: () => void;
  onSaved: (copy: Report) => void;
}

export function SaveAsDialog({ reports, report, onClose, onSaved }: SaveAsDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (report && !dialog.open) {
      setName(`Copy of ${report.name}`.slice(0, 200));
      setError(null);
      dialog.showModal();
    }
    if (!report && dialog.open) dialog.close();
  }, [report]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    dialog.addEventListener("close", onClose);
    return () => dialog.removeEventListener("close", onClose);
  }, [onClose]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!report) return;
    if (!name.trim()) return setError("Give the copy a name.");
    setBusy(true);
    setError(null);
    try {
      const copy = await reports.copyReport(report.id, name.trim());
      ref.current?.close();
      onSaved(copy);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="save-as-title">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="save-as-title">Save “{report?.name ?? ""}” as…</h2>
        <p className="muted">A private copy, owned by you: change it and schedule it as you like.</p>
        <div className="field">
          <label htmlFor="save-as-name">Name of the copy</label>
          <input id="save-as-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} autoFocus aria-invalid={error ? true : undefined} />
        </div>
        <FieldError message={error} />
        <div className="actions end">
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : "Save copy"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
