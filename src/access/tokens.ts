/**
 * Sluice accounts' personal access tokens: 256-bit random values, stored as SHA-256 hashes (a fast hash
 * is the right one for values that random), shown in clear once, when made.
 */
import { createHash, randomBytes } from "node:crypto";
import { SluiceError } from "../core/errors.js";
import type { Store } from "../store/port.js";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new personal access token: `sluice_` + 43 base64url characters. */
export function newToken(): string {
  return `sluice_${randomBytes(32).toString("base64url")}`;
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
