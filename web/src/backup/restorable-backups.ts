/** Every backup of the organisation that can be restored (COMPLETE or INCOMPLETE), newest first, with its policy. */
import type { Backup, BackupApi, Policy } from "../api/backup.js";

export interface RestorableBackup {
  backup: Backup;
  policy: Policy;
}

export async function restorableBackups(backups: BackupApi): Promise<RestorableBackup[]> {
  const policies = await backups.policies();
  const lists = await Promise.all(policies.map(async (policy) => (await backups.backups(policy.policyId)).map((backup) => ({ backup, policy }))));
  return lists
    .flat()
    .filter((b) => b.backup.status === "COMPLETE" || b.backup.status === "INCOMPLETE")
    .sort((a, b) => (b.backup.createdTime ?? "").localeCompare(a.backup.createdTime ?? ""));
}
