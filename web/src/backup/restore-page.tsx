/**
 * One restore, from its validation to its report: what it restores from where into where, then — by its
 * status — the checks waiting for consent, the progress (polled every second), the error of a failed
 * one, or the post-operation report.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Restore, RestoreReport } from "../api/backup.js";
import { count, time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { ProgressBar } from "../components/progress-bar.js";
import { BackupNav } from "./backup-nav.js";
import { siteLabel } from "./backup-format.js";
import { BackupStatusBadge } from "./backup-status-badge.js";
import { ConsentForm } from "./consent-form.js";
import { RestoreReportView } from "./restore-report.js";
import { RestoreSteps } from "./restore-steps.js";
import { restoreWhat } from "./restore-what.js";
import { useBackupOrg } from "./use-backup-org.js";

const STEP: Record<Restore["status"], number> = { AWAITING_CONSENT: 3, IN_PROGRESS: 4, FAILED: 4, COMPLETE: 5 };

export function RestorePage({ restoreId }: { restoreId: string }) {
  const { value: org, error: orgError } = useBackupOrg();
  const [restore, setRestore] = useState<Restore | null>(null);
  const [report, setReport] = useState<RestoreReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!org) return;
    try {
      const next = await org.backups.restore(restoreId);
      if (next.status === "COMPLETE" && report === null) setReport((await org.backups.report(next.cloudId, next.migrationId)).report);
      setRestore(next);
      setError(null);
    } catch (e) {
      setError(`Could not load restore ${restoreId}: ${errorText(e)}`);
    }
  }, [org, restoreId, report]);
  const status = restore?.status ?? null;
  const done = status === "COMPLETE" || status === "FAILED";
  usePoll(load, org && !done ? (status === "AWAITING_CONSENT" ? 15_000 : 1000) : null, `${org ? "org" : ""}-${status ?? ""}`);

  const into = org && restore ? siteLabel(org.sites, restore.cloudId) : null;
  return (
    <>
      <div className="page-head">
        <BackupNav current="restores" />
        <p className="crumbs">
          <Link to={{ name: "restores" }}>Restores</Link> › {restoreId}
        </p>
        <h1 tabIndex={-1}>
          Restore{into ? ` into ${into}` : ""} {restore && <BackupStatusBadge status={restore.status} />}
        </h1>
      </div>
      {restore && <RestoreSteps current={STEP[restore.status]} />}
      <FieldError message={orgError ?? error} />
      {restore === null && !orgError && !error && (
        <p className="loading" role="status">
          Loading the restore…
        </p>
      )}
      {org && restore && (
        <>
          <dl className="facts card">
            <div>
              <dt>From</dt>
              <dd>Backup {restore.backupId}</dd>
            </div>
            <div>
              <dt>What</dt>
              <dd>{restoreWhat(restore)}</dd>
            </div>
            <div>
              <dt>Attachments</dt>
              <dd>{restore.includeAttachments ? "Restored" : "Left out"}</dd>
            </div>
            <div>
              <dt>Users and groups</dt>
              <dd>{restore.includeUsersAndGroups ? "Restored" : "Left out"}</dd>
            </div>
            <div>
              <dt>Requested</dt>
              <dd>{time(restore.createdTime)}</dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{time(restore.completedTime)}</dd>
            </div>
          </dl>
          {restore.status === "AWAITING_CONSENT" && <ConsentForm key={restore.checks.map((c) => c.code).join()} backups={org.backups} restore={restore} onChanged={setRestore} />}
          {restore.status === "IN_PROGRESS" && (
            <section className="card" aria-labelledby="progress-title">
              <h2 id="progress-title">Progress</h2>
              <p role="status">{restore.progress ? `${restore.dryRun ? "Checking" : "Restoring"} ${restore.progress.label}: ${count(restore.progress.done)}${restore.progress.total !== null ? ` of ${count(restore.progress.total)}` : ""}` : restore.dryRun ? "The dry run is starting…" : "The restore is starting…"}</p>
              <ProgressBar value={restore.progress?.done ?? 0} max={restore.progress?.total ?? 0} label={`Progress of restore ${restore.restoreId}`} />
              <p className="hint">The destination stays as it was until every row is read: then one transaction switches it.</p>
            </section>
          )}
          {restore.status === "FAILED" && (
            <div className="message-block bad" role="alert">
              <h2>The restore failed; the destination is as it was.</h2>
              <p>
                {restore.error?.message ?? "No reason was recorded."} {restore.error && <span className="key">{restore.error.key}</span>}
              </p>
            </div>
          )}
          {restore.status === "COMPLETE" && report && <RestoreReportView report={report} />}
        </>
      )}
    </>
  );
}
