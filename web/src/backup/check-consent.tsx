/**
 * One failing check of a restore: what the server found, the items it names, and the consent it waits
 * for — a checkbox, or radios when it takes one of several answers (accept or deny new groups).
 */
import type { RestoreCheck } from "../api/backup.js";
import { count } from "../app/format.js";
import { answersOf, answerText, checkTitle } from "./check-words.js";

const SHOWN_ITEMS = 20;

export interface CheckConsentProps {
  check: RestoreCheck;
  /** The consent chosen for it, or null. */
  answer: string | null;
  onAnswer: (consent: string | null) => void;
  disabled: boolean;
}

export function CheckConsent({ check, answer, onAnswer, disabled }: CheckConsentProps) {
  const answers = answersOf(check.consent);
  const id = `check-${check.code}`;
  const title = checkTitle(check.code);
  return (
    <fieldset className="check" data-code={check.code} aria-describedby={`${id}-message`}>
      <legend>{title}</legend>
      <p id={`${id}-message`}>{check.message}</p>
      {check.items.length > 0 && <CheckItems id={id} items={check.items} />}
      {answers.length === 1 ? (
        <label className="check-line">
          <input type="checkbox" checked={answer === answers[0]} onChange={(e) => onAnswer(e.target.checked ? (answers[0] ?? null) : null)} disabled={disabled} /> {answerText(answers[0] ?? "")} <span className="key">{answers[0]}</span>
        </label>
      ) : (
        <div role="radiogroup" aria-label={`Your answer: ${title}`} className="answers">
          {answers.map((a) => (
            <label key={a} className="check-line">
              <input type="radio" name={id} checked={answer === a} onChange={() => onAnswer(a)} disabled={disabled} /> {answerText(a)} <span className="key">{a}</span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function CheckItems({ id, items }: { id: string; items: string[] }) {
  const list = (shown: string[]) => (
    <ul className="check-items" aria-label="Items">
      {shown.map((item) => (
        <li key={item} className="mono">
          {item}
        </li>
      ))}
    </ul>
  );
  if (items.length <= SHOWN_ITEMS) return list(items);
  return (
    <details id={`${id}-items`}>
      <summary>All {count(items.length)} items</summary>
      {list(items)}
    </details>
  );
}
