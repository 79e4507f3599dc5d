import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { ExportPath } from "../api/types.js";
import { FieldError } from "../components/field-error.js";

/** Where export files go: a custom absolute directory, or the default under the Sluice home. */
export function ExportPathForm({ pipeline }: { pipeline: PipelineApi }) {
  const [current, setCurrent] = useState<ExportPath | null>(null);
  const [path, setPath] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    pipeline
      .exportPath()
      .then((value) => {
        if (!cancelled) setCurrent(value);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not read the export path: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [pipeline]);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    if (!path.trim()) {
      setError("Enter an absolute directory path, for example /var/exports.");
      return;
    }
    setBusy(true);
    try {
      const value = await pipeline.setExportPath(path);
      setCurrent(value);
      setPath("");
      setNotice("Export path saved. The next export writes there.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function reset() {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      setCurrent(await pipeline.resetExportPath());
      setNotice("Back to the default export path.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="path-title">
      <h2 id="path-title">Export path</h2>
      <p>
        Files are written to <span className="mono wrap" data-testid="root-export-path">{current?.rootExportPath ?? "…"}</span>
        {current && <span className="muted"> ({current.customPathSet ? "custom" : "default"})</span>}
      </p>
      <form onSubmit={(event) => void save(event)} noValidate>
        <label htmlFor="export-path">New directory</label>
        <div className="input-row">
          <input
            id="export-path"
            value={path}
            placeholder="/var/sluice-exports"
            spellCheck={false}
            onChange={(e) => setPath(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "export-path-error" : "export-path-hint"}
          />
          <button type="submit" disabled={busy}>
            Save path
          </button>
        </div>
        <p className="hint" id="export-path-hint">
          An absolute path to a writable directory; files go to <code>&lt;path&gt;/data-pipeline/export</code>.
        </p>
        <FieldError id="export-path-error" message={error} />
      </form>
      {current?.customPathSet && (
        <div className="actions">
          <button type="button" onClick={() => void reset()} disabled={busy}>
            Use the default path
          </button>
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
