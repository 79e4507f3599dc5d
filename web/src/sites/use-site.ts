import { useEffect, useState } from "react";
import { errorText } from "../api/client.js";
import type { Site } from "../api/types.js";
import { useSession } from "../app/session.js";

export type SiteState = { kind: "loading" } | { kind: "error"; message: string } | { kind: "missing" } | { kind: "ready"; site: Site };

/** One site of the server by key (from the sites list). */
export function useSite(siteKey: string): SiteState {
  const { admin } = useSession();
  const [state, setState] = useState<SiteState>({ kind: "loading" });
  useEffect(() => {
    let cancelled = false;
    admin
      .sites()
      .then((sites) => {
        if (cancelled) return;
        const site = sites.find((s) => routeKeyOf(s) === siteKey);
        setState(site ? { kind: "ready", site } : { kind: "missing" });
      })
      .catch((e) => {
        if (!cancelled) setState({ kind: "error", message: errorText(e) });
      });
    return () => {
      cancelled = true;
    };
  }, [admin, siteKey]);
  return state;
}

export function siteLabel(site: Site): string {
  return site.contextPath && site.contextPath !== "/" ? site.contextPath : "/";
}

/** A site's key in console addresses and admin API paths: `-` for the site mounted at `/`. */
export function routeKeyOf(site: Site): string {
  return site.key === "" ? "-" : site.key;
}
