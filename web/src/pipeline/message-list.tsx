import type { Job } from "../api/types.js";

/** A job's warnings and errors, in plain words (an export's, or any kind's from the jobs view). */
export function MessageList({ job }: { job: Pick<Job, "errors" | "warnings"> }) {
  const errors = job.errors ?? [];
  const warnings = job.warnings ?? [];
  if (errors.length === 0 && warnings.length === 0) return null;
  return (
    <div className="messages">
      {errors.length > 0 && (
        <div className="message-block bad">
          <h3>Errors</h3>
          <ul>
            {errors.map((e, i) => (
              <li key={`${e.key}-${i}`}>
                {e.message} <span className="key">{e.key}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {warnings.length > 0 && (
        <div className="message-block warn">
          <h3>Warnings</h3>
          <ul>
            {warnings.map((w, i) => (
              <li key={`${w.key}-${i}`}>
                {w.message} <span className="key">{w.key}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
