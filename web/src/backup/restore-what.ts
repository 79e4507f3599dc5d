/** What a restore asked for, in words: everything, chosen containers, or single pages or issues. */
import type { Restore } from "../api/backup.js";
import { CONTAINERS } from "./backup-format.js";

export function restoreWhat(restore: Pick<Restore, "product" | "scopes" | "items" | "dryRun">): string {
  const containers = CONTAINERS[restore.product];
  let what = "Everything";
  if (restore.scopes && restore.scopes.length > 0) what = `${restore.scopes.length === 1 ? containers.one : containers.many} ${restore.scopes.join(", ")}`;
  else if (restore.items && restore.items.length > 0) what = restore.items.map((i) => `${i.entity === "pages" ? "page" : "issue"} ${i.id}`).join(", ");
  return restore.dryRun ? `${what} (dry run)` : what;
}
