/**
 * Authentication: `Authorization: Bearer <personal access token>` or Basic `<user>:<token>`.
 * Tokens are stored as SHA-256 hashes (they are 256-bit random values, so a fast hash is the right
 * one); only system administrators may use the Data pipeline and admin APIs.
 */
import { createHash, randomBytes } from "node:crypto";
import { SluiceError } from "../core/errors.js";
import type { Account, Store } from "../store/port.js";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new personal access token: `sluice_` + 43 base64url characters. */
export function newToken(): string {
  return `sluice_${randomBytes(32).toString("base64url")}`;
}

export async function authenticate(store: Store, header: string | undefined): Promise<Account> {
  if (!header) {
    throw new SluiceError(
      "sluice.auth.token.missing",
      "Authentication required: send 'Authorization: Bearer <personal access token>' (or Basic with user and token).",
    );
  }
  let token: string | undefined;
  let user: string | undefined;
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === "bearer") token = value;
  else if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      user = decoded.slice(0, colon);
      token = decoded.slice(colon + 1);
    }
  }
  if (!token) throw new SluiceError("sluice.auth.token.invalid", "The Authorization header is not a Bearer token or Basic user:token pair.");
  const found = await store.accounts.findToken(hashToken(token));
  if (!found || (user !== undefined && user !== found.account.username)) {
    throw new SluiceError("sluice.auth.token.invalid", "The token is not valid (unknown, revoked, or not the user's).");
  }
  return found.account;
}

export function requireSysadmin(account: Account): void {
  if (!account.sysadmin) {
    throw new SluiceError("sluice.auth.forbidden", `User ${account.username} is not a system administrator; this API needs one.`);
  }
}

/**
 * Creates (or reuses) an account and gives it a new token; returns the token in clear, once. An
 * existing account keeps its role: asking for a token of the other role is refused, never quietly given.
 */
export async function issueToken(
  store: Store,
  options: { username: string; displayName?: string; sysadmin: boolean; name: string; token?: string },
): Promise<string> {
  const existing = await store.accounts.byUsername(options.username);
  if (existing && existing.sysadmin !== options.sysadmin) {
    throw new SluiceError(
      "sluice.request.invalid",
      existing.sysadmin
        ? `Account ${existing.username} is a system administrator, so its tokens have admin rights; give --user NAME for a person without them.`
        : `Account ${existing.username} is not a system administrator; a token of it cannot have admin rights.`,
    );
  }
  const account = await store.accounts.ensureAccount(options.username, options.displayName ?? options.username, options.sysadmin);
  const token = options.token ?? newToken();
  await store.accounts.addToken(account.id, options.name, hashToken(token));
  return token;
}
