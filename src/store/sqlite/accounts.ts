import type Database from "better-sqlite3";
import type { Account, AccountsRepo } from "../port.js";

interface AccountRow {
  id: number;
  username: string;
  display_name: string;
  sysadmin: number;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  sysadmin: r.sysadmin === 1,
});

export function sqliteAccounts(db: Database.Database): AccountsRepo {
  return {
    async ensureAccount(username, displayName, sysadmin) {
      db.prepare("INSERT OR IGNORE INTO accounts (username, display_name, sysadmin) VALUES (?, ?, ?)").run(
        username,
        displayName,
        sysadmin ? 1 : 0,
      );
      return toAccount(db.prepare("SELECT * FROM accounts WHERE username = ?").get(username) as AccountRow);
    },
    async byUsername(username) {
      const r = db.prepare("SELECT * FROM accounts WHERE username = ?").get(username) as AccountRow | undefined;
      return r ? toAccount(r) : undefined;
    },
    async addToken(accountId, name, tokenHash) {
      const info = db
        .prepare("INSERT INTO tokens (account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
        .run(accountId, name, tokenHash, Date.now());
      return Number(info.lastInsertRowid);
    },
    async findToken(tokenHash) {
      const r = db
        .prepare(
          `SELECT t.id AS token_id, t.name AS token_name, t.created_at, a.*
           FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ?`,
        )
        .get(tokenHash) as (AccountRow & { token_id: number; token_name: string; created_at: number }) | undefined;
      if (!r) return undefined;
      return { id: r.token_id, name: r.token_name, createdAt: r.created_at, account: toAccount(r) };
    },
    async list() {
      return (db.prepare("SELECT * FROM accounts ORDER BY username").all() as AccountRow[]).map(toAccount);
    },
    async countTokens() {
      return (db.prepare("SELECT count(*) AS n FROM tokens").get() as { n: number }).n;
    },
  };
}
