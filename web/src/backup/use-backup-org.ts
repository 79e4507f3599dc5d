import { backupOrgs, createBackupApi } from "../api/backup.js";
import type { BackupApi, BackupSite, Org } from "../api/backup.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";

export interface BackupOrg {
  org: Org;
  backups: BackupApi;
  /** The organisation's sites, in the backup API's words (cloud id, product in capitals). */
  sites: BackupSite[];
}

/**
 * The organisation the backup pages work in — the first this token administers (a Sluice server has one)
 * — its backup API and its sites; null while loading or after a failure (`error` says why).
 */
export function useBackupOrg(): { value: BackupOrg | null; error: string | null } {
  const { api } = useSession();
  const { value, error } = useLoad(
    async (): Promise<BackupOrg> => {
      const [org] = await backupOrgs(api);
      if (!org) throw new Error("this token administers no organisation.");
      const backups = createBackupApi(api, org.orgId);
      return { org, backups, sites: await backups.sites() };
    },
    [api],
    "Could not load the organisation",
  );
  return { value, error };
}
