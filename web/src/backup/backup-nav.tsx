import { Link } from "../components/link.js";

export type BackupSection = "policies" | "storages" | "restores";

/** The backup section's own navigation: policies (and their backups), storages, restores. */
export function BackupNav({ current }: { current: BackupSection | null }) {
  return (
    <nav aria-label="Backups" className="subnav">
      <Link to={{ name: "backup-policies" }} current={current === "policies"}>
        Policies
      </Link>
      <Link to={{ name: "backup-storages" }} current={current === "storages"}>
        Storages
      </Link>
      <Link to={{ name: "restores" }} current={current === "restores"}>
        Restores
      </Link>
    </nav>
  );
}
