import type { JobStatus } from "../api/types.js";
import { statusName } from "../app/format.js";

const TONES: Record<JobStatus, string> = {
  QUEUED: "neutral",
  STARTED: "info",
  CANCELLATION_REQUESTED: "warn",
  COMPLETED: "ok",
  CANCELLED: "neutral",
  FAILED: "bad",
};

export function StatusBadge({ status }: { status: JobStatus | null | undefined }) {
  const tone = status ? (TONES[status] ?? "neutral") : "neutral";
  return <span className={`badge badge-${tone}`}>{statusName(status)}</span>;
}
