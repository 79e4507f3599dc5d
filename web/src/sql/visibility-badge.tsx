import type { Visibility } from "../api/sql.js";

/** Private (only its owner sees it) or public (everyone signed in). */
export function VisibilityBadge({ visibility }: { visibility: Visibility }) {
  return <span className={`badge ${visibility === "public" ? "badge-info" : "badge-neutral"}`}>{visibility === "public" ? "Public" : "Private"}</span>;
}
