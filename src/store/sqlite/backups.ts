/** Backup storages and policies on SQLite. */
import type Database from "better-sqlite3";
import { POLICY_COLUMNS, policyPatchColumns, policyValues, RESTORE_COLUMNS, restorePatchColumns, restoreValues, STORAGE_COLUMNS, storageValues, toPolicy, toRestore, toStorage, type PolicyRow, type RestoreRow, type StorageRow } from "../backup-rows.js";
import type { BackupsRepo } from "../port.js";

const bool = (b: boolean) => (b ? 1 : 0);
const insert = (table: string, columns: readonly string[]) => `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;

export function sqliteBackups(db: Database.Database): BackupsRepo {
  const storage = (id: string) => {
    const row = db.prepare("SELECT * FROM backup_storages WHERE id = ?").get(id) as StorageRow | undefined;
    return row ? toStorage(row) : undefined;
  };
  const policy = (id: string) => {
    const row = db.prepare("SELECT * FROM backup_policies WHERE id = ?").get(id) as PolicyRow | undefined;
    return row ? toPolicy(row) : undefined;
  };
  const restore = (id: string) => {
    const row = db.prepare("SELECT * FROM backup_restores WHERE id = ?").get(id) as RestoreRow | undefined;
    return row ? toRestore(row) : undefined;
  };
  return {
    async addStorage(s, now) {
      db.prepare(insert("backup_storages", STORAGE_COLUMNS)).run(...storageValues(s, now));
      return storage(s.id)!;
    },
    storage: async (id) => storage(id),
    storages: async (orgId) => (db.prepare("SELECT * FROM backup_storages WHERE org_id = ? ORDER BY created_at, id").all(orgId) as StorageRow[]).map(toStorage),
    async addPolicy(p, now) {
      db.prepare(insert("backup_policies", POLICY_COLUMNS)).run(...policyValues(p, now, bool));
      return policy(p.id)!;
    },
    policy: async (id) => policy(id),
    policies: async (orgId) => (db.prepare("SELECT * FROM backup_policies WHERE org_id = ? ORDER BY created_at, id").all(orgId) as PolicyRow[]).map(toPolicy),
    async updatePolicy(id, patch, now) {
      const set = [...policyPatchColumns(patch, bool), ["updated_at", now] as [string, unknown]];
      db.prepare(`UPDATE backup_policies SET ${set.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`).run(...set.map(([, v]) => v), id);
      return policy(id);
    },
    async addRestore(r, now) {
      db.prepare(insert("backup_restores", RESTORE_COLUMNS)).run(...restoreValues(r, now));
      return restore(r.id)!;
    },
    restore: async (id) => restore(id),
    restores: async (orgId) => (db.prepare("SELECT * FROM backup_restores WHERE org_id = ? ORDER BY created_at DESC, id").all(orgId) as RestoreRow[]).map(toRestore),
    async updateRestore(id, patch, now) {
      const set = restorePatchColumns(patch, now);
      db.prepare(`UPDATE backup_restores SET ${set.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`).run(...set.map(([, v]) => v), id);
      return restore(id);
    },
  };
}
