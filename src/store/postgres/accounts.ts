import type pg from "pg";
import type { Account, AccountsRepo } from "../port.js";

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  sysadmin: boolean;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  sysadmin: r.sysadmin,
});

export function postgresAccounts(pool: pg.Pool): AccountsRepo {
  return {
    async ensureAccount(username, displayName, sysadmin) {
      await pool.query(
        "INSERT INTO accounts (username, display_name, sysadmin) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING",
        [username, displayName, sysadmin],
      );
      const r = await pool.query<AccountRow>("SELECT * FROM accounts WHERE username = $1", [username]);
      return toAccount(r.rows[0]!);
    },
    async byUsername(username) {
      const r = (await pool.query<AccountRow>("SELECT * FROM accounts WHERE username = $1", [username])).rows[0];
      return r ? toAccount(r) : undefined;
    },
    async addToken(accountId, name, tokenHash) {
      const r = await pool.query<{ id: number }>(
        "INSERT INTO tokens (account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        [accountId, name, tokenHash, Date.now()],
      );
      return r.rows[0]!.id;
    },
    async findToken(tokenHash) {
      const r = (
        await pool.query<AccountRow & { token_id: number; token_name: string; created_at: number }>(
          `SELECT t.id AS token_id, t.name AS token_name, t.created_at, a.*
           FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1`,
          [tokenHash],
        )
      ).rows[0];
      if (!r) return undefined;
      return { id: r.token_id, name: r.token_name, createdAt: r.created_at, account: toAccount(r) };
    },
    async list() {
      return (await pool.query<AccountRow>("SELECT * FROM accounts ORDER BY username")).rows.map(toAccount);
    },
    async countTokens() {
      return (await pool.query<{ n: number }>("SELECT count(*) AS n FROM tokens")).rows[0]!.n;
    },
  };
}
