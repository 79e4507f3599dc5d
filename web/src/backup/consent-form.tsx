/**
 * A restore waiting for consents: each failing check with its control, and "Consent and restore", which
 * sends them (`revalidate`): the server runs the checks again against the destination as it is now and
 * starts the restore once each has its consent — or, when they changed, asks again.
 */
import { useState } from "react";
import type { FormEvent } from "react";
import type { BackupApi, Restore } from "../api/backup.js";
import { problemsOf, type Problem } from "../reports/api-problems.js";
import { ProblemList } from "../reports/problem-list.js";
import { answersOf, checkTitle } from "./check-words.js";
import { CheckConsent } from "./check-consent.js";

/** The answers already given: per check, the consent of it the restore holds. */
function given(restore: Restore): Record<string, string | null> {
  return Object.fromEntries(restore.checks.map((c) => [c.code, answersOf(c.consent).find((a) => restore.consents.includes(a)) ?? null]));
}

export function ConsentForm({ backups, restore, onChanged }: { backups: BackupApi; restore: Restore; onChanged: (restore: Restore) => void }) {
  const [answers, setAnswers] = useState(() => given(restore));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const open = restore.checks.filter((c) => !answers[c.code]);
    if (open.length > 0) {
      setProblems(open.map((c) => ({ field: null, message: `${checkTitle(c.code)}: give your answer.` })));
      return;
    }
    setProblems([]);
    setBusy(true);
    try {
      const consent = restore.checks.map((c) => answers[c.code]).filter((a): a is string => !!a);
      const next = await backups.revalidate(restore.cloudId, restore.restoreId, consent);
      if (next.status === "AWAITING_CONSENT") {
        setAnswers(given(next));
        setNotice("The checks were run again against the destination as it is now, and changed: answer the ones still open.");
      }
      onChanged(next);
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="checks-title">
      <h2 id="checks-title">Checks and consent</h2>
      <p className="muted">
        {restore.checks.length} check(s) need your answer before anything is written. Each is checked again when you send them.
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={problems.length > 0 ? "consent-problems" : undefined}>
        <div className="checks">
          {restore.checks.map((check) => (
            <CheckConsent key={check.code} check={check} answer={answers[check.code] ?? null} onAnswer={(a) => setAnswers((current) => ({ ...current, [check.code]: a }))} disabled={busy} />
          ))}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Sending…" : "Consent and restore"}
          </button>
        </div>
        <ProblemList id="consent-problems" title="The restore did not start:" problems={problems} />
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
      </form>
    </section>
  );
}
