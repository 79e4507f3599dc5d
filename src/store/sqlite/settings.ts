import type Database from "better-sqlite3";
import type { SettingsRepo } from "../port.js";

export function sqliteSettings(db: Database.Database): SettingsRepo {
  const read = (siteId: number, key: string): string | undefined =>
    (db.prepare("SELECT value FROM settings WHERE site_id = ? AND key = ?").get(siteId, key) as { value: string } | undefined)
      ?.value;
  return {
    async get<T>(siteId: number, key: string) {
      const v = read(siteId, key);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    async set(siteId, key, value) {
      db.prepare("INSERT INTO settings (site_id, key, value) VALUES (?, ?, ?) ON CONFLICT (site_id, key) DO UPDATE SET value = excluded.value").run(
        siteId,
        key,
        JSON.stringify(value),
      );
    },
    async delete(siteId, key) {
      db.prepare("DELETE FROM settings WHERE site_id = ? AND key = ?").run(siteId, key);
    },
    async compareAndSet(siteId, key, expected, value) {
      const info = db
        .prepare("UPDATE settings SET value = ? WHERE site_id = ? AND key = ? AND value = ?")
        .run(JSON.stringify(value), siteId, key, JSON.stringify(expected));
      return info.changes === 1;
    },
  };
}
