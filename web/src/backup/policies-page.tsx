/**
 * Backup policies: one per site and what it keeps (attachments, personal spaces), where (the built-in
 * storage or one of the organisation's), and how long when the server keeps per-policy retention. Each
 * leads to its backups; "Edit" changes one in place, the form below makes a new one.
 */
import { useCallback, useState } from "react";
import { errorText } from "../api/client.js";
import type { Policy, Storage } from "../api/backup.js";
import { time } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { BackupNav } from "./backup-nav.js";
import { siteLabel, storageLabel } from "./backup-format.js";
import { PolicyForm } from "./policy-form.js";
import { retentionText } from "./retention-fields.js";
import { useBackupOrg } from "./use-backup-org.js";

export function PoliciesPage() {
  const { value: org, error: orgError } = useBackupOrg();
  const [policies, setPolicies] = useState<Policy[] | null>(null);
  const [storages, setStorages] = useState<Storage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    if (!org) return;
    try {
      const [p, s] = await Promise.all([org.backups.policies(), org.backups.storages()]);
      setPolicies(p);
      setStorages(s);
      setError(null);
    } catch (e) {
      setError(`Could not list the policies: ${errorText(e)}`);
    }
  }, [org]);
  usePoll(load, org ? 30_000 : null, org);

  const saved = (policy: Policy, created: boolean) => {
    setEditing(null);
    setNotice(`${created ? "Policy created" : "Policy saved"} for ${siteLabel(org?.sites ?? [], policy.cloudId)}.`);
    setPolicies((current) => (created ? [...(current ?? []), policy] : (current ?? []).map((p) => (p.policyId === policy.policyId ? policy : p))));
  };
  const withRetention = policies?.some((p) => p.retention !== undefined) ?? false;
  const sites = org?.sites ?? [];

  return (
    <>
      <div className="page-head">
        <BackupNav current="policies" />
        <h1 tabIndex={-1}>Backup policies</h1>
        <p className="muted">What each site's backups hold and where they are kept. Open a policy's backups to start one, verify it, copy it to its storage or restore it.</p>
      </div>
      <FieldError message={orgError ?? error} />
      {policies === null && !orgError && !error && (
        <p className="loading" role="status">
          Loading policies…
        </p>
      )}
      {policies && policies.length === 0 && <EmptyState title="No backup policies yet.">Make one below: choose a site and what its backups hold.</EmptyState>}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {policies && policies.length > 0 && (
        <div className="table-wrap card">
          <table className="table" aria-label="Backup policies">
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Storage</th>
                <th scope="col">Attachments</th>
                <th scope="col">Personal spaces</th>
                {withRetention && <th scope="col">Retention</th>}
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => {
                const site = siteLabel(sites, p.cloudId);
                return (
                  <tr key={p.policyId} data-policy-id={p.policyId}>
                    <th scope="row">{site}</th>
                    <td>{storageLabel(storages, p.storageId)}</td>
                    <td>{p.includeAttachments ? "Included" : "Left out"}</td>
                    <td>{p.product === "CONFLUENCE" ? (p.includePersonalSpaces ? "Included" : "Left out") : "–"}</td>
                    {withRetention && <td>{retentionText(p.retention ?? null)}</td>}
                    <td className="nowrap">{time(p.createdTime)}</td>
                    <td>
                      <span className="row-actions">
                        <Link to={{ name: "backup-policy", policyId: p.policyId }} className="button small">
                          Backups<span className="sr-only"> of {site}</span>
                        </Link>
                        <button type="button" className="small" onClick={() => setEditing(editing === p.policyId ? null : p.policyId)} aria-expanded={editing === p.policyId} aria-label={`Edit the policy of ${site}`}>
                          Edit
                        </button>
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {org && storages && editing !== null && (
        <PolicyForm key={editing} backups={org.backups} sites={sites} storages={storages} policy={policies?.find((p) => p.policyId === editing) ?? null} onSaved={saved} onCancel={() => setEditing(null)} />
      )}
      {org && storages && editing === null && <PolicyForm key="new" backups={org.backups} sites={sites} storages={storages} policy={null} onSaved={saved} />}
    </>
  );
}
