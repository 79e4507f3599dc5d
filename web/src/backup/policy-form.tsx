/**
 * A backup policy: its site (fixed once made), its storage, whether attachments and (Confluence)
 * personal spaces are backed up, and — on servers that keep it per policy — its retention. A change
 * sends only the fields that changed.
 */
import { useState } from "react";
import type { FormEvent } from "react";
import type { BackupApi, BackupSite, Policy, PolicyPatch, Storage } from "../api/backup.js";
import { problemAt, problemsOf, type Problem } from "../reports/api-problems.js";
import { CheckField } from "../reports/check-field.js";
import { FieldProblem } from "../reports/field-problem.js";
import { ProblemList } from "../reports/problem-list.js";
import { siteLabel, storageLabel } from "./backup-format.js";
import { labelled } from "./problem-labels.js";
import { retentionDraft, RetentionFields, retentionOf } from "./retention-fields.js";

export interface PolicyFormProps {
  backups: BackupApi;
  sites: readonly BackupSite[];
  storages: readonly Storage[];
  /** null: a new policy. */
  policy: Policy | null;
  onSaved: (policy: Policy, created: boolean) => void;
  onCancel?: () => void;
}

const LABELS = { site: "Site", product: "Product", storageId: "Storage", includeAttachments: "Include attachments", includePersonalSpaces: "Include personal spaces", retention: "Retention" };

export function PolicyForm({ backups, sites, storages, policy, onSaved, onCancel }: PolicyFormProps) {
  const [cloudId, setCloudId] = useState(policy?.cloudId ?? "");
  const [storageId, setStorageId] = useState(policy?.storageId ?? "");
  const [attachments, setAttachments] = useState(policy?.includeAttachments ?? true);
  const [personal, setPersonal] = useState(policy?.includePersonalSpaces ?? false);
  const [retention, setRetention] = useState(() => retentionDraft(policy?.retention));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const site = sites.find((s) => s.cloudId === cloudId) ?? null;
  const product = site?.product ?? policy?.product ?? null;
  const prefix = policy ? `policy-${policy.policyId}` : "new-policy";
  const title = policy ? `Edit the policy of ${siteLabel(sites, policy.cloudId)}` : "New policy";
  // A server that keeps retention per policy shows it in the policy; a new one sends it only when set.
  const withRetention = policy === null || policy.retention !== undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const chosenRetention = retentionOf(retention);
    try {
      setBusy(true);
      setProblems([]);
      if (!policy) {
        if (!site) {
          setProblems([{ field: "site", message: "choose the site to back up" }]);
          return;
        }
        const created = await backups.createPolicy(site.cloudId, {
          product: site.product,
          storageId: storageId || null,
          includeAttachments: attachments,
          ...(site.product === "CONFLUENCE" ? { includePersonalSpaces: personal } : {}),
          ...(chosenRetention ? { retention: chosenRetention } : {}),
        });
        onSaved(created, true);
        return;
      }
      const patch: PolicyPatch = {};
      if ((storageId || null) !== policy.storageId) patch.storageId = storageId || null;
      if (attachments !== policy.includeAttachments) patch.includeAttachments = attachments;
      if (policy.product === "CONFLUENCE" && personal !== policy.includePersonalSpaces) patch.includePersonalSpaces = personal;
      if (withRetention && JSON.stringify(chosenRetention) !== JSON.stringify(retentionOf(retentionDraft(policy.retention)))) patch.retention = chosenRetention;
      if (Object.keys(patch).length === 0) {
        setNotice("Nothing to save: it is as saved.");
        return;
      }
      onSaved(await backups.updatePolicy(policy.policyId, patch), false);
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  const at = (field: string) => problemAt(problems, field);
  return (
    <section className="card section-title" aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>{title}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={problems.length > 0 ? `${prefix}-problems` : undefined}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${prefix}-site`}>Site</label>
            <select id={`${prefix}-site`} value={cloudId} onChange={(e) => setCloudId(e.target.value)} disabled={policy !== null} aria-invalid={at("site") ? true : undefined} aria-describedby={`${prefix}-site-problem`}>
              <option value="">Choose a site…</option>
              {sites.map((s) => (
                <option key={s.cloudId} value={s.cloudId}>
                  {siteLabel(sites, s.cloudId)}
                </option>
              ))}
            </select>
            <FieldProblem id={`${prefix}-site-problem`} message={at("site") ?? at("product")} />
          </div>
          <div className="field">
            <label htmlFor={`${prefix}-storage`}>Storage</label>
            <select id={`${prefix}-storage`} value={storageId} onChange={(e) => setStorageId(e.target.value)} aria-invalid={at("storageId") ? true : undefined} aria-describedby={`${prefix}-storage-problem`}>
              <option value="">Built-in</option>
              {storages.map((s) => (
                <option key={s.storageId} value={s.storageId}>
                  {storageLabel(storages, s.storageId)}
                </option>
              ))}
            </select>
            <FieldProblem id={`${prefix}-storage-problem`} message={at("storageId")} />
          </div>
        </div>
        <CheckField id={`${prefix}-attachments`} label="Include attachments" checked={attachments} onChange={setAttachments} hint={product === "BITBUCKET" ? "Bitbucket sites have none; git repositories are always included." : "The bytes of every attachment of pages and issues."} />
        {product === "CONFLUENCE" && <CheckField id={`${prefix}-personal`} label="Include personal spaces" checked={personal} onChange={setPersonal} />}
        {withRetention && <RetentionFields draft={retention} onChange={setRetention} at={at} />}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : policy ? "Save policy" : "Create policy"}
          </button>
          {onCancel && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
        <ProblemList id={`${prefix}-problems`} title="The policy was not saved:" problems={labelled(problems, LABELS)} />
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
      </form>
    </section>
  );
}
