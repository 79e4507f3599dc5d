import type { Verification } from "../api/backup.js";
import { count, time } from "../app/format.js";

/** A backup's last verification: every part good, or which failed and why. */
export function VerifyResult({ verified }: { verified: Verification | null }) {
  if (!verified) return <span className="muted">Not yet</span>;
  return (
    <div className="verify-result" data-testid="verified" data-ok={verified.ok}>
      <span className={`badge badge-${verified.ok ? "ok" : "bad"}`}>{verified.ok ? "Good" : "Damaged"}</span>{" "}
      <span className="muted">
        {count(verified.checkedParts)} part(s) checked {time(verified.at)}
      </span>
      {verified.failures.length > 0 && (
        <ul className="job-error">
          {verified.failures.map((f) => (
            <li key={f.part}>
              <span className="mono">{f.part}</span>: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
