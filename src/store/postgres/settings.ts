import type pg from "pg";
import type { SettingsRepo } from "../port.js";

export function postgresSettings(pool: pg.Pool): SettingsRepo {
  return {
    async get<T>(siteId: number, key: string) {
      const r = await pool.query<{ value: string }>("SELECT value FROM settings WHERE site_id = $1 AND key = $2", [siteId, key]);
      const v = r.rows[0]?.value;
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    async set(siteId, key, value) {
      await pool.query(
        "INSERT INTO settings (site_id, key, value) VALUES ($1, $2, $3) ON CONFLICT (site_id, key) DO UPDATE SET value = excluded.value",
        [siteId, key, JSON.stringify(value)],
      );
    },
    async delete(siteId, key) {
      await pool.query("DELETE FROM settings WHERE site_id = $1 AND key = $2", [siteId, key]);
    },
    /** One conditional UPDATE: the row lock makes it atomic across pools and nodes. */
    async compareAndSet(siteId, key, expected, value) {
      const r = await pool.query("UPDATE settings SET value = $1 WHERE site_id = $2 AND key = $3 AND value = $4", [
        JSON.stringify(value),
        siteId,
        key,
        JSON.stringify(expected),
      ]);
      return r.rowCount === 1;
    },
  };
}
