import type { ReportSchedule } from "../api/reports.js";

/** Active, or Paused with why (by hand, or after failed runs in a row). */
export function PausedState({ schedule }: { schedule: ReportSchedule }) {
  if (!schedule.paused) {
    return (
      <span>
        <span className="badge badge-ok">Active</span>
        {schedule.failures > 0 && <span className="job-error"> · failed {schedule.failures === 1 ? "once" : `${schedule.failures} times`} in a row</span>}
      </span>
    );
  }
  return (
    <span className="paused-state">
      <span className="badge badge-warn">Paused</span> <span className="paused-reason">{schedule.pausedReason ?? "No reason given."}</span>
    </span>
  );
}
