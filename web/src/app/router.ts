/** Path routing under the console's base (`/admin/`), with the History API. */
import { useEffect, useState } from "react";

export type Route =
  | { name: "sites" }
  | { name: "jobs" }
  | { name: "pipeline"; siteKey: string }
  | { name: "job"; siteKey: string; jobId: number }
  | { name: "not-found"; path: string };

const BASE = import.meta.env.BASE_URL.replace(/\/$/, "");

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "sites" };
  if (parts[0] === "jobs" && parts.length === 1) return { name: "jobs" };
  if (parts[0] === "sites" && parts.length === 2) return { name: "pipeline", siteKey: parts[1] ?? "" };
  if (parts[0] === "sites" && parts[2] === "jobs" && parts.length === 4 && /^\d+$/.test(parts[3] ?? "")) {
    return { name: "job", siteKey: parts[1] ?? "", jobId: Number(parts[3]) };
  }
  return { name: "not-found", path: rest };
}

export function href(route: Route): string {
  switch (route.name) {
    case "sites":
      return `${BASE}/`;
    case "jobs":
      return `${BASE}/jobs`;
    case "pipeline":
      return `${BASE}/sites/${encodeURIComponent(route.siteKey)}`;
    case "job":
      return `${BASE}/sites/${encodeURIComponent(route.siteKey)}/jobs/${route.jobId}`;
    case "not-found":
      return `${BASE}${route.path}`;
  }
}

const EVENT = "sluice:navigate";

export function navigate(route: Route): void {
  window.history.pushState(null, "", href(route));
  window.dispatchEvent(new Event(EVENT));
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return route;
}
