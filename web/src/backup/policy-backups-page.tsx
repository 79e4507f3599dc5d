/**
 * One policy's backups, newest first: status, when, size, rows per entity, what an INCOMPLETE one
 * misses, the last verification; Start backup (a refusal — within the server's cadence, 409 — is shown
 * beside the button in the server's words), Verify, Export to the policy's storage and Restore. Polls
 * every second while a backup runs.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Backup, BackupApi, BackupSite, Policy, Storage } from "../api/backup.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { problemsOf, type Problem } from "../reports/api-problems.js";
import { ProblemList } from "../reports/problem-list.js";
import { BackupNav } from "./backup-nav.js";
import { siteLabel, storageLabel } from "./backup-format.js";
import { BackupRow } from "./backup-row.js";
import { useBackupOrg } from "./use-backup-org.js";

export function PolicyBackupsPage({ policyId }: { policyId: string }) {
  const { value: org, error: orgError } = useBackupOrg();
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [storages, setStorages] = useState<Storage[] | null>(null);
  const [backups, setBackups] = useState<Backup[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    if (!org) return;
    try {
      const [p, s, b] = await Promise.all([org.backups.policy(policyId), org.backups.storages(), org.backups.backups(policyId)]);
      setPolicy(p);
      setStorages(s);
      setBackups(b);
      setError(null);
    } catch (e) {
      setError(`Could not load the policy's backups: ${errorText(e)}`);
    }
  }, [org, policyId]);
  const running = backups?.some((b) => b.status === "IN_PROGRESS") ?? false;
  usePoll(load, org ? (running ? 1000 : 15_000) : null, `${org ? "org" : ""}-${generation}`);

  const site = org && policy ? siteLabel(org.sites, policy.cloudId) : null;
  return (
    <>
      <div className="page-head">
        <BackupNav current="policies" />
        <p className="crumbs">
          <Link to={{ name: "backup-policies" }}>Backup policies</Link> › {site ?? "…"}
        </p>
        <h1 tabIndex={-1}>Backups{site ? ` of ${site}` : ""}</h1>
        {policy && (
          <p className="muted">
            Kept in {policy.storageId === null ? "the built-in storage" : storageLabel(storages, policy.storageId)}; attachments {policy.includeAttachments ? "included" : "left out"}
            {policy.product === "CONFLUENCE" ? `; personal spaces ${policy.includePersonalSpaces ? "included" : "left out"}` : ""}.
          </p>
        )}
      </div>
      <FieldError message={orgError ?? error} />
      {org && policy && <StartBackup backups={org.backups} policy={policy} sites={org.sites} onStarted={() => setGeneration((g) => g + 1)} />}
      {backups === null && !orgError && !error && (
        <p className="loading" role="status">
          Loading backups…
        </p>
      )}
      {backups && backups.length === 0 && <EmptyState title="No backups of this policy yet.">“Start backup” makes one now.</EmptyState>}
      {org && policy && backups && backups.length > 0 && (
        <div className="table-wrap card">
          <table className="table backups" aria-label="Backups">
            <thead>
              <tr>
                <th scope="col">Backup</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Rows</th>
                <th scope="col">Verified</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {backups.map((b) => (
                <BackupRow
                  key={b.backupId}
                  backups={org.backups}
                  backup={b}
                  storage={policy.storageId === null ? null : storageLabel(storages, policy.storageId)}
                  storageName={(id) => storageLabel(storages, id)}
                  onChanged={(next) => setBackups((current) => current?.map((c) => (c.backupId === next.backupId ? next : c)) ?? null)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** Start backup, and why the server refused it (the cadence's 409 says from when the next may run). */
function StartBackup({ backups, policy, sites, onStarted }: { backups: BackupApi; policy: Policy; sites: readonly BackupSite[]; onStarted: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);

  async function start() {
    setNotice(null);
    setProblems([]);
    if (policy.cloudId === null) {
      setProblems([{ field: null, message: "The policy's site is gone: there is nothing to back up." }]);
      return;
    }
    setBusy(true);
    try {
      const started = await backups.startBackup(policy.policyId, policy.cloudId);
      setNotice(`Backup ${started.backupId} of ${siteLabel(sites, policy.cloudId)} started.`);
      onStarted();
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="start-backup">
      <div className="actions">
        <button type="button" className="primary" onClick={() => void start()} disabled={busy} aria-describedby={problems.length > 0 ? "start-backup-problems" : undefined}>
          {busy ? "Starting…" : "Start backup"}
        </button>
      </div>
      <ProblemList id="start-backup-problems" title="The backup was not started:" problems={problems} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </div>
  );
}
