/** A report run (a `report` job) as the API, the console and the CLI show it. */
import type { Job } from "../core/job.js";
import type { ReportRunResult } from "./schedule-model.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The run statuses of the reports API. */
export function runStatus(job: Job): "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" {
  switch (job.status) {
    case "QUEUED":
      return "QUEUED";
    case "STARTED":
    case "CANCELLATION_REQUESTED":
      return "RUNNING";
    case "COMPLETED":
      return "SUCCEEDED";
    default:
      return "FAILED";
  }
}

export function runView(job: Job) {
  const result = (job.result ?? job.progress?.detail ?? null) as ReportRunResult | null;
  return {
    runId: job.id,
    scheduleId: job.scheduleId,
    status: runStatus(job),
    trigger: job.trigger,
    rows: result?.rows ?? 0,
    bytes: result?.bytes ?? 0,
    fileName: result?.file?.name ?? null,
    sha256: result?.file?.sha256 ?? null,
    skipped: result?.skipped ?? null,
    resendOf: result?.resendOf ?? null,
    deliveries: (result?.deliveries ?? []).map((d) => ({ index: d.index, id: d.id ?? null, type: d.type, status: d.status, attempts: d.attempts, error: d.error, detail: d.detail, time: iso(d.at) })),
    error: job.errors[0] ?? null,
    warnings: job.warnings,
    progress: job.progress ? { label: job.progress.label, rows: job.progress.done } : null,
    createdTime: iso(job.createdAt),
    completedTime: iso(job.completedTime),
  };
}

