/**
 * The restore wizard: pick a backup, the site to restore it into (of the same product; the backed-up
 * site itself only for a partial restore), and the options. Submitting asks the server to validate the
 * request: the restore's own page then shows its checks, takes a consent for each, follows its progress
 * and shows the post-operation report.
 */
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import type { NewRestore } from "../api/backup.js";
import { bytes, time } from "../app/format.js";
import { navigate } from "../app/router.js";
import { useLoad } from "../app/use-load.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { problemAt, problemsOf, type Problem } from "../reports/api-problems.js";
import { FieldProblem } from "../reports/field-problem.js";
import { ProblemList } from "../reports/problem-list.js";
import { BackupNav } from "./backup-nav.js";
import { CONTAINERS, ITEMS, siteLabel } from "./backup-format.js";
import { restorableBackups, type RestorableBackup } from "./restorable-backups.js";
import { parseIds, RestoreOptions, type RestoreOptionsDraft } from "./restore-options.js";
import { RESTORE_STEPS, RestoreSteps } from "./restore-steps.js";
import { parseKeys } from "./scope-picker.js";
import { labelled } from "./problem-labels.js";
import { useBackupOrg } from "./use-backup-org.js";

const LABELS = { backup: "Backup", backupId: "Backup", destination: "Restore into", product: "Product", includeAttachments: "Restore attachments", includeUsersAndGroups: "Restore users and groups", scopes: "What to restore", items: "What to restore", dryRun: "Dry run" };

const STATUS_WORDS: Record<string, string> = { COMPLETE: "complete", INCOMPLETE: "incomplete" };

export function RestoreWizard({ backupId: preselected }: { backupId?: string }) {
  const { value: org, error: orgError } = useBackupOrg();
  const { value: choices, error: choicesError } = useLoad(async () => (org ? restorableBackups(org.backups) : null), [org], "Could not list the backups");
  const [step, setStep] = useState(0);
  const [backupId, setBackupId] = useState(preselected ?? "");
  const [destination, setDestination] = useState("");
  const [options, setOptions] = useState<RestoreOptionsDraft>({ attachments: true, usersAndGroups: true, mode: "all", scopes: "", items: "", dryRun: false });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  // A new step: its heading takes the focus (not on the first render: the page's own heading has it).
  useEffect(() => {
    if (!moved.current) {
      moved.current = true;
      return;
    }
    headingRef.current?.focus();
  }, [step]);

  const sites = org?.sites ?? [];
  const chosen: RestorableBackup | null = choices?.find((c) => c.backup.backupId === backupId) ?? null;
  const product = chosen?.backup.product ?? null;
  const source = chosen ? (sites.find((s) => s.cloudId === chosen.backup.cloudId) ?? null) : null;
  const destinations = product ? sites.filter((s) => s.product === product) : [];
  const intoSource = destination !== "" && destination === chosen?.backup.cloudId;
  const hasAttachments = !!chosen && chosen.policy.includeAttachments && chosen.backup.product !== "BITBUCKET";
  const mode = intoSource && options.mode === "all" ? "scopes" : options.mode;

  function go(next: number) {
    setProblems([]);
    setStep(next);
  }

  function checked(): Problem[] {
    if (step === 0 && !chosen) return [{ field: "backup", message: "choose a backup" }];
    if (step === 1 && !destinations.some((d) => d.cloudId === destination)) return [{ field: "destination", message: "choose the site to restore into" }];
    return [];
  }

  function request(): NewRestore | Problem[] {
    if (!chosen || !product) return [{ field: "backup", message: "choose a backup" }];
    const body: NewRestore = { backupId: chosen.backup.backupId, product, includeAttachments: options.attachments && hasAttachments, includeUsersAndGroups: options.usersAndGroups };
    if (mode === "scopes") {
      const keys = parseKeys(options.scopes);
      if (keys.length === 0) return [{ field: "scopes", message: `enter at least one ${CONTAINERS[product].one} key, or find them by name` }];
      body.scopes = keys;
    }
    const items = ITEMS[product];
    if (mode === "items" && items) {
      const { ids, wrong } = parseIds(options.items);
      if (wrong.length > 0) return [{ field: "items", message: `${items.one} ids are whole numbers; not ${wrong.slice(0, 3).join(", ")}` }];
      if (ids.length === 0) return [{ field: "items", message: `enter at least one ${items.one} id` }];
      body.items = ids.map((id) => ({ type: items.type, id }));
    }
    if (options.dryRun) body.dryRun = true;
    return body;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (step < 2) {
      const before = checked();
      setProblems(before);
      if (before.length === 0) go(step + 1);
      return;
    }
    const body = request();
    if (Array.isArray(body)) {
      setProblems(body);
      return;
    }
    setBusy(true);
    setProblems([]);
    try {
      const restore = await org!.backups.createRestore(destination, body);
      navigate({ name: "restore", restoreId: restore.restoreId });
    } catch (e) {
      setProblems(problemsOf(e));
      setBusy(false);
    }
  }

  const at = (field: string) => problemAt(problems, field);
  const title = `Step ${step + 1} of 3: ${RESTORE_STEPS[step]}`;
  return (
    <>
      <div className="page-head">
        <BackupNav current="restores" />
        <p className="crumbs">
          <Link to={{ name: "restores" }}>Restores</Link> › New restore
        </p>
        <h1 tabIndex={-1}>New restore</h1>
        <p className="muted">Nothing is written yet: the server first checks the request against the destination and asks for your consent to anything it would change or skip.</p>
      </div>
      <RestoreSteps current={step} />
      <FieldError message={orgError ?? choicesError} />
      {org && choices === null && !choicesError && (
        <p className="loading" role="status">
          Loading backups…
        </p>
      )}
      {choices && (
        <section className="card wizard" aria-labelledby="wizard-step-title">
          <h2 id="wizard-step-title" ref={headingRef} tabIndex={-1}>
            {title}
          </h2>
          <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={problems.length > 0 ? "restore-problems" : undefined}>
            {step === 0 && (
              <div className="field wide-field">
                <label htmlFor="restore-backup">Backup</label>
                <select id="restore-backup" value={backupId} onChange={(e) => setBackupId(e.target.value)} aria-invalid={at("backup") ? true : undefined} aria-describedby="restore-backup-hint restore-backup-problem">
                  <option value="">Choose a backup…</option>
                  {choices.map(({ backup }) => (
                    <option key={backup.backupId} value={backup.backupId}>
                      Backup {backup.backupId} of {siteLabel(sites, backup.cloudId)}, {time(backup.completedTime ?? backup.createdTime)}, {bytes(backup.size)}, {STATUS_WORDS[backup.status] ?? backup.status}
                    </option>
                  ))}
                </select>
                <p className="hint" id="restore-backup-hint">
                  {choices.length === 0 ? "No complete backup yet: start one from a policy's backups." : "Complete and incomplete backups (an incomplete one misses some attachment bytes)."}
                </p>
                <FieldProblem id="restore-backup-problem" message={at("backup") ?? at("backupId")} />
              </div>
            )}
            {step === 1 && chosen && (
              <div className="field wide-field">
                <label htmlFor="restore-destination">Restore into</label>
                <select id="restore-destination" value={destination} onChange={(e) => setDestination(e.target.value)} aria-invalid={at("destination") ? true : undefined} aria-describedby="restore-destination-hint restore-destination-problem">
                  <option value="">Choose a site…</option>
                  {destinations.map((s) => (
                    <option key={s.cloudId} value={s.cloudId}>
                      {siteLabel(sites, s.cloudId)}
                      {s.cloudId === chosen.backup.cloudId ? " (the backed-up site: chosen parts only)" : ""}
                    </option>
                  ))}
                </select>
                <p className="hint" id="restore-destination-hint">
                  Sites of the same product. To restore a whole backup, add an empty site on the <Link to={{ name: "sites" }}>Sites</Link> page first.
                </p>
                <FieldProblem id="restore-destination-problem" message={at("destination")} />
              </div>
            )}
            {step === 2 && chosen && product && (
              <>
                <p className="muted">
                  Backup {chosen.backup.backupId} of {siteLabel(sites, chosen.backup.cloudId)} into {siteLabel(sites, destination)}.
                </p>
                <RestoreOptions product={product} draft={{ ...options, mode }} onChange={setOptions} hasAttachments={hasAttachments} intoSource={intoSource} source={source} at={at} />
              </>
            )}
            <div className="actions">
              {step > 0 && (
                <button type="button" onClick={() => go(step - 1)} disabled={busy}>
                  Back
                </button>
              )}
              <button type="submit" className="primary" disabled={busy}>
                {step < 2 ? "Next" : busy ? "Validating…" : options.dryRun ? "Validate and start the dry run" : "Validate restore"}
              </button>
            </div>
            <ProblemList id="restore-problems" title={step < 2 ? "Before the next step:" : "The restore was refused:"} problems={labelled(problems, LABELS)} />
          </form>
        </section>
      )}
    </>
  );
}
