/** Every problem of a refused save or preview, in words, beside the form (read out when it appears). */
import type { Problem } from "./api-problems.js";
import { fieldLabel } from "./api-problems.js";

export function ProblemList({ id, title, problems }: { id?: string; title: string; problems: readonly Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="field-error problem-list" id={id} role="alert">
      <p>
        <strong>{title}</strong>
      </p>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>
            {p.field !== null && <span className="problem-field">{fieldLabel(p.field)}: </span>}
            {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
