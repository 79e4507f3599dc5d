/**
 * Storages: where backups can be kept besides the built-in one — S3 buckets (any S3-compatible endpoint,
 * credentials named by environment variables) and filesystem folders — and the form that adds one (the
 * server checks that it is reachable with its credentials before saving it).
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Storage } from "../api/backup.js";
import { time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { BackupNav } from "./backup-nav.js";
import { StorageForm } from "./storage-form.js";
import { useBackupOrg } from "./use-backup-org.js";

export function StoragesPage() {
  const { value: org, error: orgError } = useBackupOrg();
  const [storages, setStorages] = useState<Storage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!org) return;
    try {
      setStorages(await org.backups.storages());
      setError(null);
    } catch (e) {
      setError(`Could not list the storages: ${errorText(e)}`);
    }
  }, [org]);
  usePoll(load, org ? 30_000 : null, org);

  return (
    <>
      <div className="page-head">
        <BackupNav current="storages" />
        <h1 tabIndex={-1}>Storages</h1>
        <p className="muted">Where backups are kept. A policy without a storage keeps its backups in the server's built-in one; with a storage, they go there and can be copied to it again.</p>
      </div>
      <FieldError message={orgError ?? error} />
      {storages === null && !orgError && !error && (
        <p className="loading" role="status">
          Loading storages…
        </p>
      )}
      {storages && storages.length === 0 && <EmptyState title="No storages yet.">Add an S3 bucket or a folder below; backups go to the built-in storage until a policy names one.</EmptyState>}
      {storages && storages.length > 0 && (
        <div className="table-wrap card">
          <table className="table" aria-label="Storages">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Region</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {storages.map((s) => (
                <tr key={s.storageId} data-storage-id={s.storageId}>
                  <th scope="row" className="wrap">
                    {s.storageName}
                  </th>
                  <td>{s.storageType === "s3" ? "S3" : "Filesystem"}</td>
                  <td>{s.storageRegion}</td>
                  <td className="mono wrap">{s.storagePrefix || "–"}</td>
                  <td className="nowrap">{time(s.createdTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {org && (
        <StorageForm
          backups={org.backups}
          onCreated={(storage) => {
            setNotice(`Storage ${storage.storageName} added.`);
            setStorages((current) => [...(current ?? []), storage]);
          }}
        />
      )}
    </>
  );
}
