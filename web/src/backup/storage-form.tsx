/**
 * A new storage: an S3 bucket (region from the server's list, optional endpoint for S3-compatible
 * servers, the environment variables that hold its keys — never the keys themselves) or a filesystem
 * folder. Problems come back per field, shown under each and listed beside the form.
 */
import { useState } from "react";
import type { FormEvent } from "react";
import type { BackupApi, NewStorage, Storage, StorageType } from "../api/backup.js";
import { useLoad } from "../app/use-load.js";
import { problemAt, problemsOf, type Problem } from "../reports/api-problems.js";
import { CheckField } from "../reports/check-field.js";
import { FieldProblem } from "../reports/field-problem.js";
import { ProblemList } from "../reports/problem-list.js";
import { TextField } from "../reports/text-field.js";
import { labelled } from "./problem-labels.js";

const LABELS = { storageName: "Name", storageRegion: "Region", storagePrefix: "Prefix", storageType: "Type", endpoint: "Endpoint", accessKeyIdEnv: "Access key id variable", secretAccessKeyEnv: "Secret access key variable", path: "Folder" };

export function StorageForm({ backups, onCreated }: { backups: BackupApi; onCreated: (storage: Storage) => void }) {
  const { value: regions, error: regionsError } = useLoad(() => backups.regions(), [backups], "Could not list the regions");
  const [type, setType] = useState<StorageType>("s3");
  const [name, setName] = useState("");
  const [region, setRegion] = useState("");
  const [prefix, setPrefix] = useState("");
  const [endpoint, setEndpoint] = useState("");
  const [pathStyle, setPathStyle] = useState(false);
  const [keyEnv, setKeyEnv] = useState("");
  const [secretEnv, setSecretEnv] = useState("");
  const [path, setPath] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);

  const chosenRegion = region || regions?.[0] || "";

  function missing(): Problem[] {
    const out: Problem[] = [];
    if (name.trim() === "") out.push({ field: "storageName", message: type === "s3" ? "enter the bucket's name" : "give the storage a name" });
    if (chosenRegion === "") out.push({ field: "storageRegion", message: "choose a region" });
    if (type === "filesystem" && path.trim() === "") out.push({ field: "path", message: "enter an absolute folder, like /var/backups/sluice" });
    return out;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const before = missing();
    setProblems(before);
    if (before.length > 0) return;
    const storage: NewStorage = { storageName: name.trim(), storageRegion: chosenRegion, storagePrefix: prefix.trim(), storageType: type };
    if (type === "s3") {
      if (endpoint.trim()) storage.endpoint = endpoint.trim();
      if (pathStyle) storage.forcePathStyle = true;
      if (keyEnv.trim()) storage.accessKeyIdEnv = keyEnv.trim();
      if (secretEnv.trim()) storage.secretAccessKeyEnv = secretEnv.trim();
    } else storage.path = path.trim();
    setBusy(true);
    try {
      onCreated(await backups.createStorage(storage));
      setName("");
      setPrefix("");
      setPath("");
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  const at = (field: string) => problemAt(problems, field);
  return (
    <section className="card section-title" aria-labelledby="new-storage-title">
      <h2 id="new-storage-title">New storage</h2>
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={problems.length > 0 ? "storage-problems" : undefined}>
        <fieldset className="source-choice">
          <legend>Type</legend>
          <label className="check-line">
            <input type="radio" name="storage-type" checked={type === "s3"} onChange={() => setType("s3")} /> S3 bucket
          </label>
          <label className="check-line">
            <input type="radio" name="storage-type" checked={type === "filesystem"} onChange={() => setType("filesystem")} /> Folder on this server
          </label>
        </fieldset>
        <div className="form-grid">
          <TextField id="storage-name" label={type === "s3" ? "Bucket" : "Name"} value={name} onChange={setName} problem={at("storageName")} />
          <div className="field">
            <label htmlFor="storage-region">Region</label>
            <select id="storage-region" value={chosenRegion} onChange={(e) => setRegion(e.target.value)} aria-invalid={at("storageRegion") ? true : undefined} aria-describedby="storage-region-problem">
              {regions?.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <FieldProblem id="storage-region-problem" message={at("storageRegion") ?? regionsError} />
          </div>
          <TextField id="storage-prefix" label="Prefix" value={prefix} onChange={setPrefix} problem={at("storagePrefix")} hint="Backups go under this folder of the bucket or storage (optional)." mono />
          {type === "filesystem" && <TextField id="storage-path" label="Folder" value={path} onChange={setPath} problem={at("path")} hint="An absolute directory on the server, inside the allowed export roots." mono grow />}
          {type === "s3" && (
            <>
              <TextField id="storage-endpoint" label="Endpoint" value={endpoint} onChange={setEndpoint} problem={at("endpoint")} hint="For S3-compatible servers; empty: AWS." type="url" />
              <TextField id="storage-key-env" label="Access key id variable" value={keyEnv} onChange={setKeyEnv} problem={at("accessKeyIdEnv")} hint="The environment variable on the server that holds it." mono />
              <TextField id="storage-secret-env" label="Secret access key variable" value={secretEnv} onChange={setSecretEnv} problem={at("secretAccessKeyEnv")} hint="The environment variable on the server that holds it." mono />
            </>
          )}
        </div>
        {type === "s3" && <CheckField id="storage-path-style" label="Path-style addressing" checked={pathStyle} onChange={setPathStyle} hint="Most S3-compatible servers need it (MinIO, Ceph)." />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Checking the storage…" : "Add storage"}
          </button>
        </div>
        <ProblemList id="storage-problems" title="The storage was not added:" problems={labelled(problems, LABELS)} />
      </form>
    </section>
  );
}
