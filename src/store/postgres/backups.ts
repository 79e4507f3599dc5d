/** Backup storages and policies on PostgreSQL, shared by every node. */
import type pg from "pg";
import { POLICY_COLUMNS, policyPatchColumns, policyValues, RESTORE_COLUMNS, restorePatchColumns, restoreValues, STORAGE_COLUMNS, storageValues, toPolicy, toRestore, toStorage, type PolicyRow, type RestoreRow, type StorageRow } from "../backup-rows.js";
import type { BackupsRepo } from "../port.js";

const bool = (b: boolean) => b;
const insert = (table: string, columns: readonly string[]) => `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;

export function postgresBackups(pool: pg.Pool): BackupsRepo {
  const storage = async (id: string) => {
    const row = (await pool.query<StorageRow>("SELECT * FROM backup_storages WHERE id = $1", [id])).rows[0];
    return row ? toStorage(row) : undefined;
  };
  const policy = async (id: string) => {
    const row = (await pool.query<PolicyRow>("SELECT * FROM backup_policies WHERE id = $1", [id])).rows[0];
    return row ? toPolicy(row) : undefined;
  };
  const restore = async (id: string) => {
    const row = (await pool.query<RestoreRow>("SELECT * FROM backup_restores WHERE id = $1", [id])).rows[0];
    return row ? toRestore(row) : undefined;
  };
  return {
    async addStorage(s, now) {
      await pool.query(insert("backup_storages", STORAGE_COLUMNS), storageValues(s, now));
      return (await storage(s.id))!;
    },
    storage,
    storages: async (orgId) => (await pool.query<StorageRow>("SELECT * FROM backup_storages WHERE org_id = $1 ORDER BY created_at, id", [orgId])).rows.map(toStorage),
    async addPolicy(p, now) {
      await pool.query(insert("backup_policies", POLICY_COLUMNS), policyValues(p, now, bool));
      return (await policy(p.id))!;
    },
    policy,
    policies: async (orgId) => (await pool.query<PolicyRow>("SELECT * FROM backup_policies WHERE org_id = $1 ORDER BY created_at, id", [orgId])).rows.map(toPolicy),
    async updatePolicy(id, patch, now) {
      const set = [...policyPatchColumns(patch, bool), ["updated_at", now] as [string, unknown]];
      await pool.query(`UPDATE backup_policies SET ${set.map(([c], i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`, [id, ...set.map(([, v]) => v)]);
      return policy(id);
    },
    async addRestore(r, now) {
      await pool.query(insert("backup_restores", RESTORE_COLUMNS), restoreValues(r, now));
      return (await restore(r.id))!;
    },
    restore,
    restores: async (orgId) => (await pool.query<RestoreRow>("SELECT * FROM backup_restores WHERE org_id = $1 ORDER BY created_at DESC, id", [orgId])).rows.map(toRestore),
    async updateRestore(id, patch, now) {
      const set = restorePatchColumns(patch, now);
      await pool.query(`UPDATE backup_restores SET ${set.map(([c], i) => `${c} = $${i + 2}`).join(", ")} WHERE id = $1`, [id, ...set.map(([, v]) => v)]);
      return restore(id);
    },
  };
}
