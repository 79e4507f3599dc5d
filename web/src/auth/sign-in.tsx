import { useState } from "react";
import type { FormEvent } from "react";
import { ApiError, createApi, errorText } from "../api/client.js";
import { createAdminApi } from "../api/admin.js";
import type { Myself } from "../api/types.js";
import { FieldError } from "../components/field-error.js";

export interface SignInProps {
  notice: string | null;
  onSignedIn: (token: string, me: Myself) => void;
}

export function SignIn({ notice, onSignedIn }: SignInProps) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError("Enter a personal access token.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(value, await createAdminApi(createApi(value, () => undefined)).myself());
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? "That token was not accepted. Check that you copied all of it and that it has not been revoked."
          : errorText(e),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sluice admin</h1>
        <p className="muted">
          Sign in with your personal access token. Administrators run the whole server; everyone gets the SQL pages and dashboards, with the rows
          they may see.
        </p>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="token">Personal access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "token-error" : "token-hint"}
          autoFocus
        />
        <p className="hint" id="token-hint">
          The server prints one at first start; <code>sluice token create</code> makes more. It is kept only in this browser tab.
        </p>
        <FieldError id="token-error" message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
