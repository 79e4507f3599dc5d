/**
 * The network store: PostgreSQL through a `pg.Pool`, for several nodes sharing one database. Values
 * come back in the same shapes as from the SQLite store; bigint columns are parsed to JS numbers by
 * this pool's own type parsers (the global `pg.types` is left alone).
 */
import pg from "pg";
import type { Store } from "../port.js";
import { postgresAccounts } from "./accounts.js";
import { postgresData } from "./data.js";
import { postgresJobs } from "./jobs.js";
import { migrate } from "./schema.js";
import { postgresBackups } from "./backups.js";
import { postgresReports } from "./reports.js";
import { postgresSavedSql } from "./saved-sql.js";
import { postgresSchedules } from "./schedules.js";
import { postgresSettings } from "./settings.js";
import { postgresSites } from "./sites.js";
import { postgresSql } from "./sql.js";

const INT8_OID = 20;

/** Ids, counts and millisecond times fit in a double; a bigint outside 2^53 is refused, not rounded. */
function parseBigint(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`Integer ${text} is outside the range Sluice keeps (±2^53)`);
  return n;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary" ? parseBigint : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** The url without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable url)";
  }
}

export async function openPostgresStore(url: string, options: { sqlConnections?: number } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, types, max: 10 });
  // An idle connection dropped by the server must not crash the process: the next query reports it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(`Could not open the PostgreSQL store at ${redact(url)}: ${(error as Error).message}`, { cause: error });
  }
  let closed = false;
  const sql = postgresSql(url, pool, options.sqlConnections ?? 2);
  return {
    sql,
    kind: "postgres",
    sites: postgresSites(pool),
    accounts: postgresAccounts(pool),
    settings: postgresSettings(pool),
    jobs: postgresJobs(pool),
    schedules: postgresSchedules(pool),
    savedSql: postgresSavedSql(pool),
    reports: postgresReports(pool),
    backups: postgresBackups(pool),
    data: postgresData(pool),
    async close() {
      if (closed) return;
      closed = true;
      await sql.close();
      await pool.end();
    },
  };
}
