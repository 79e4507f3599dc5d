/** Execute now, and Pause or Resume, for one schedule (the owner's or an administrator's). */
import { useState } from "react";
import { errorText } from "../api/client.js";
import type { QueuedRun, ReportSchedule, ReportsApi } from "../api/reports.js";

export interface ScheduleActionsProps {
  reports: ReportsApi;
  schedule: ReportSchedule;
  /** What the buttons act on, for screen readers (`schedule 3 of Open bugs`). */
  label: string;
  onQueued: (run: QueuedRun) => void;
  onChanged: (schedule: ReportSchedule) => void;
  onError: (message: string) => void;
}

export function ScheduleActions({ reports, schedule, label, onQueued, onChanged, onError }: ScheduleActionsProps) {
  const [busy, setBusy] = useState<"execute" | "toggle" | null>(null);

  async function act(which: "execute" | "toggle") {
    setBusy(which);
    try {
      if (which === "execute") onQueued(await reports.execute(schedule.id));
      else onChanged(schedule.paused ? await reports.resume(schedule.id) : await reports.pause(schedule.id));
    } catch (e) {
      onError(`${which === "execute" ? "Could not execute" : schedule.paused ? "Could not resume" : "Could not pause"} ${label}: ${errorText(e)}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <span className="row-actions">
      <button type="button" className="small" onClick={() => void act("execute")} disabled={busy !== null}>
        {busy === "execute" ? "Queuing…" : "Execute now"}
        <span className="sr-only"> {label}</span>
      </button>
      <button type="button" className="small" onClick={() => void act("toggle")} disabled={busy !== null}>
        {schedule.paused ? "Resume" : "Pause"}
        <span className="sr-only"> {label}</span>
      </button>
    </span>
  );
}
