import type { WorkProgress } from "../api/types.js";
import { count, duration } from "../app/format.js";
import { ProgressBar } from "../components/progress-bar.js";

const decimal = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

function rateText(rate: number): string {
  return rate >= 10 ? count(rate) : decimal.format(Math.max(0, rate));
}

/** "done/total unit · rate unit/s · ETA" of a running job of any kind, with its bar. */
export function JobProgress({ jobId, progress }: { jobId: number; progress: WorkProgress }) {
  const { label, done, total, unit, rate, etaSeconds } = progress;
  const barLabel = `Progress of job ${jobId}`;
  return (
    <div className="job-progress" data-testid="job-progress">
      {total !== null ? <ProgressBar value={done} max={total} label={barLabel} /> : <progress className="bar" aria-label={barLabel} />}
      <span className="job-progress-text">
        {label && <span className="muted">{label}: </span>}
        {count(done)}
        {total !== null && `/${count(total)}`} {unit} · {rateText(rate)} {unit}/s ·{" "}
        {etaSeconds === null ? "ETA unknown" : `ETA ${duration(etaSeconds)}`}
      </span>
    </div>
  );
}
