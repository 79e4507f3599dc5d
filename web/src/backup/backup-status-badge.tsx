import type { BackupStatus, RestoreStatus, TransferStatus } from "../api/backup.js";

type Shown = BackupStatus | RestoreStatus | TransferStatus;

const LOOKS: Record<Shown, { tone: string; text: string }> = {
  IN_PROGRESS: { tone: "info", text: "In progress" },
  COMPLETE: { tone: "ok", text: "Complete" },
  INCOMPLETE: { tone: "warn", text: "Incomplete" },
  EXPIRED: { tone: "neutral", text: "Expired" },
  FAILED: { tone: "bad", text: "Failed" },
  AWAITING_CONSENT: { tone: "warn", text: "Awaiting consent" },
};

/** A backup's, restore's or copy's status as a badge. */
export function BackupStatusBadge({ status }: { status: Shown }) {
  const look = LOOKS[status] ?? { tone: "neutral", text: status };
  return (
    <span className={`badge badge-${look.tone}`} data-status={status}>
      {look.text}
    </span>
  );
}
