/**
 * Restores of the organisation, newest first: into which site, from which backup, what, the status
 * (waiting for consents, running, done, failed) and the rows written; each opens its page (checks and
 * consents, progress, the post-operation report). "New restore" opens the wizard.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Restore } from "../api/backup.js";
import { count, time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { BackupNav } from "./backup-nav.js";
import { siteLabel } from "./backup-format.js";
import { BackupStatusBadge } from "./backup-status-badge.js";
import { restoreWhat } from "./restore-what.js";
import { useBackupOrg } from "./use-backup-org.js";

export function RestoresPage() {
  const { value: org, error: orgError } = useBackupOrg();
  const [restores, setRestores] = useState<Restore[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!org) return;
    try {
      setRestores(await org.backups.restores());
      setError(null);
    } catch (e) {
      setError(`Could not list the restores: ${errorText(e)}`);
    }
  }, [org]);
  const running = restores?.some((r) => r.status === "IN_PROGRESS") ?? false;
  usePoll(load, org ? (running ? 1000 : 15_000) : null, org);

  return (
    <>
      <div className="page-head split">
        <div>
          <BackupNav current="restores" />
          <h1 tabIndex={-1}>Restores</h1>
          <p className="muted">Backups restored into a site: each is validated first and waits for your consent to anything it would change or skip.</p>
        </div>
        <Link to={{ name: "new-restore" }} className="button primary-link">
          New restore
        </Link>
      </div>
      <FieldError message={orgError ?? error} />
      {restores === null && !orgError && !error && (
        <p className="loading" role="status">
          Loading restores…
        </p>
      )}
      {restores && restores.length === 0 && <EmptyState title="No restores yet.">“New restore” picks a backup, the site to restore it into and what to bring back.</EmptyState>}
      {org && restores && restores.length > 0 && (
        <div className="table-wrap card">
          <table className="table" aria-label="Restores">
            <thead>
              <tr>
                <th scope="col">Into</th>
                <th scope="col">Backup</th>
                <th scope="col">What</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col">Requested</th>
              </tr>
            </thead>
            <tbody>
              {restores.map((r) => (
                <tr key={r.restoreId} data-restore-id={r.restoreId} data-status={r.status}>
                  <th scope="row">
                    <Link to={{ name: "restore", restoreId: r.restoreId }}>{siteLabel(org.sites, r.cloudId)}</Link>
                  </th>
                  <td className="nowrap">Backup {r.backupId}</td>
                  <td className="wrap">{restoreWhat(r)}</td>
                  <td>
                    <BackupStatusBadge status={r.status} />
                  </td>
                  <td className="num">{count(r.rows)}</td>
                  <td className="nowrap">{time(r.createdTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
