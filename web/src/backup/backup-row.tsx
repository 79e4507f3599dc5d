/**
 * One backup in a policy's list: status (progress while it runs, the error of a failed one, the missing
 * attachments of an INCOMPLETE one), times, size, rows per entity, the last verification, and its
 * actions — Verify, Export to the policy's storage (then the copy's progress), Restore.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Backup, BackupApi, Transfer } from "../api/backup.js";
import { bytes, count, time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { ProgressBar } from "../components/progress-bar.js";
import { totalRows } from "./backup-format.js";
import { BackupStatusBadge } from "./backup-status-badge.js";
import { VerifyResult } from "./verify-result.js";

export interface BackupRowProps {
  backups: BackupApi;
  backup: Backup;
  /** The policy's storage in words; null: it has none (no export). */
  storage: string | null;
  /** Any storage of the organisation in words. */
  storageName: (storageId: string) => string;
  onChanged: (backup: Backup) => void;
}

export function BackupRow({ backups, backup, storage, storageName, onChanged }: BackupRowProps) {
  const [busy, setBusy] = useState<"verify" | "export" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copy, setCopy] = useState<Transfer | null>(null);
  const restorable = backup.status === "COMPLETE" || backup.status === "INCOMPLETE";
  const name = `backup ${backup.backupId}`;

  async function verify() {
    setBusy("verify");
    setError(null);
    try {
      const verified = await backups.verify(backup.backupId);
      onChanged({ ...backup, verified });
    } catch (e) {
      setError(`Could not verify ${name}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  }

  async function exportIt() {
    setBusy("export");
    setError(null);
    try {
      setCopy(await backups.exportBackup(backup));
    } catch (e) {
      setError(`Could not export ${name}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  }

  const follow = useCallback(async () => {
    if (!copy || backup.cloudId === null) return;
    try {
      const next = await backups.exportOf(backup.cloudId, copy.id);
      setCopy(next);
      // Copied: the backup now lists the storage among its copies.
      if (next.status === "COMPLETE") onChanged(await backups.backup(backup.backupId));
    } catch (e) {
      setError(`Could not follow export ${copy.id}: ${errorText(e)}`);
    }
  }, [backups, backup.cloudId, backup.backupId, copy, onChanged]);
  usePoll(follow, copy?.status === "IN_PROGRESS" ? 1000 : null, copy?.id);

  const rows = totalRows(backup.counts);
  return (
    <tr data-backup-id={backup.backupId} data-status={backup.status}>
      <th scope="row" className="nowrap">
        Backup {backup.backupId}
      </th>
      <td>
        <BackupStatusBadge status={backup.status} />
        {backup.status === "IN_PROGRESS" && backup.progress && (
          <div className="job-progress">
            <ProgressBar value={backup.progress.done} max={backup.progress.total ?? 0} label={`Progress of ${name}`} />
            <span className="job-progress-text muted">
              {backup.progress.label}: {count(backup.progress.done)}
              {backup.progress.total !== null && `/${count(backup.progress.total)}`}
            </span>
          </div>
        )}
        {backup.error && <div className="job-error">{backup.error.message}</div>}
        {backup.localCopyKept && <div className="muted">Its storage could not take it: the archive is kept in the built-in storage.</div>}
        {backup.expiredTime && <div className="muted">Expired {time(backup.expiredTime)}; its archive is deleted.</div>}
        {backup.copies && backup.copies.length > 0 && <div className="muted">Exported to {backup.copies.map((c) => storageName(c)).join(", ")}.</div>}
        {backup.missing.length > 0 && (
          <details className="missing">
            <summary>{count(backup.missing.length)} attachment(s) missing</summary>
            <ul>
              {backup.missing.map((m) => (
                <li key={m} className="mono">
                  {m}
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      <td className="nowrap">{time(backup.createdTime)}</td>
      <td className="nowrap">{time(backup.completedTime)}</td>
      <td className="num nowrap" data-testid="size">
        {bytes(backup.size)}
      </td>
      <td>
        {rows === null ? (
          "–"
        ) : (
          <details className="entity-counts">
            <summary>{count(rows)} rows</summary>
            <dl className="counts">
              {Object.entries(backup.counts ?? {}).map(([entity, n]) => (
                <div key={entity}>
                  <dt>{entity}</dt>
                  <dd>{count(n)}</dd>
                </div>
              ))}
            </dl>
          </details>
        )}
      </td>
      <td>
        <VerifyResult verified={backup.verified} />
      </td>
      <td>
        <span className="row-actions">
          {restorable && (
            <button type="button" className="small" onClick={() => void verify()} disabled={busy !== null} aria-label={`Verify ${name}`}>
              {busy === "verify" ? "Verifying…" : "Verify"}
            </button>
          )}
          {restorable && storage !== null && (
            <button type="button" className="small" onClick={() => void exportIt()} disabled={busy !== null || copy?.status === "IN_PROGRESS"} aria-label={`Export ${name} to ${storage}`} title={`Copy it to ${storage}`}>
              {busy === "export" ? "Exporting…" : "Export to storage"}
            </button>
          )}
          {restorable && (
            <Link to={{ name: "new-restore", backupId: backup.backupId }} className="button small">
              Restore…<span className="sr-only"> {name}</span>
            </Link>
          )}
        </span>
        {copy && (
          <p className="transfer" role="status" data-testid="export-status">
            Export {copy.id} to {storage}: <BackupStatusBadge status={copy.status} />
            {copy.status === "COMPLETE" && ` ${count(copy.parts)} parts, ${bytes(copy.size)}`}
            {copy.error && <span className="job-error"> {copy.error.message}</span>}
          </p>
        )}
        <FieldError message={error} />
      </td>
    </tr>
  );
}
