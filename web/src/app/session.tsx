/** The signed-in session handed down the tree: API clients and the current administrator. */
import { createContext, useContext } from "react";
import type { Api } from "../api/client.js";
import type { AdminApi } from "../api/admin.js";
import type { Myself } from "../api/types.js";

export interface Session {
  api: Api;
  admin: AdminApi;
  me: Myself;
  signOut: (notice?: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in session");
  return session;
}
