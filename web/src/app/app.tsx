import { useCallback, useEffect, useMemo, useState } from "react";
import { createApi } from "../api/client.js";
import { createAdminApi } from "../api/admin.js";
import type { Myself } from "../api/types.js";
import { clearToken, loadToken, saveToken } from "../auth/session.js";
import { SignIn } from "../auth/sign-in.js";
import { SessionContext } from "./session.js";
import type { Session } from "./session.js";
import { Shell } from "./shell.js";

type State =
  | { kind: "checking"; token: string }
  | { kind: "signed-out"; notice: string | null }
  | { kind: "signed-in"; token: string; me: Myself };

const EXPIRED = "Your session ended: the token is no longer accepted. Sign in again.";

export function App() {
  const [state, setState] = useState<State>(() => {
    const token = loadToken();
    return token ? { kind: "checking", token } : { kind: "signed-out", notice: null };
  });

  const signOut = useCallback((notice?: string) => {
    clearToken();
    setState({ kind: "signed-out", notice: notice ?? null });
  }, []);

  useEffect(() => {
    if (state.kind !== "checking") return;
    let cancelled = false;
    createAdminApi(createApi(state.token, () => undefined))
      .myself()
      .then((me) => {
        if (!cancelled) setState({ kind: "signed-in", token: state.token, me });
      })
      .catch(() => {
        if (!cancelled) signOut(EXPIRED);
      });
    return () => {
      cancelled = true;
    };
  }, [state, signOut]);

  const token = state.kind === "signed-in" ? state.token : null;
  const me = state.kind === "signed-in" ? state.me : null;
  const session = useMemo<Session | null>(() => {
    if (!token || !me) return null;
    const api = createApi(token, () => signOut(EXPIRED));
    return { api, admin: createAdminApi(api), me, signOut };
  }, [token, me, signOut]);

  if (state.kind === "checking") {
    return (
      <p className="loading" role="status">
        Checking your session…
      </p>
    );
  }
  if (!session) {
    return (
      <SignIn
        notice={state.kind === "signed-out" ? state.notice : null}
        onSignedIn={(value, who) => {
          saveToken(value);
          setState({ kind: "signed-in", token: value, me: who });
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}
