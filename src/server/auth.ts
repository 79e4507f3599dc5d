/**
 * Authentication: `Authorization: Bearer <personal access token>` or Basic `<user>:<token>`.
 * Tokens are looked up by their hash (`access/tokens.ts`); only system administrators may use the Data
 * pipeline and admin APIs.
 */
import { SluiceError } from "../core/errors.js";
import type { Account, Store } from "../store/port.js";
import { hashToken } from "../access/tokens.js";

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
