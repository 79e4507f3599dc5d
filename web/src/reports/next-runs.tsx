/** A schedule's next run times as the server computed them (in the schedule's zone). */
import type { ReportSchedule } from "../api/reports.js";
import { runTime } from "./repeat-text.js";

export function NextRuns({ schedule }: { schedule: ReportSchedule }) {
  const id = `next-runs-${schedule.id}`;
  return (
    <div className="next-runs-box">
      <h3 id={id}>Next runs</h3>
      {schedule.paused ? (
        <p className="muted">None while paused.</p>
      ) : (
        <ol className="next-runs-list" aria-labelledby={id} data-testid="next-runs">
          {schedule.nextRuns.map((t) => (
            <li key={t}>
              <time dateTime={t}>{runTime(t)}</time>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
