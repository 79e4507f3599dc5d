import type { DeliveryOutcome, RunStatus } from "../api/reports.js";

type Shown = RunStatus | DeliveryOutcome["status"];

const LOOKS: Record<Shown, { tone: string; text: string }> = {
  QUEUED: { tone: "neutral", text: "Queued" },
  RUNNING: { tone: "info", text: "Running" },
  SUCCEEDED: { tone: "ok", text: "Succeeded" },
  FAILED: { tone: "bad", text: "Failed" },
  SENT: { tone: "ok", text: "Sent" },
  PENDING: { tone: "neutral", text: "Pending" },
};

/** A run's or a delivery's status as a badge. */
export function RunStatusBadge({ status }: { status: Shown }) {
  const look = LOOKS[status] ?? { tone: "neutral", text: status };
  return <span className={`badge badge-${look.tone}`}>{look.text}</span>;
}
