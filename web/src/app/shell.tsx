import { useEffect, useRef } from "react";
import { useSession } from "./session.js";
import { useRoute } from "./router.js";
import type { Route } from "./router.js";
import { Link } from "../components/link.js";
import { SitesPage } from "../sites/sites-page.js";
import { PipelinePage } from "../pipeline/pipeline-page.js";
import { JobPage } from "../pipeline/job-page.js";
import { JobsPage } from "../jobs/jobs-page.js";
import { EmptyState } from "../components/empty-state.js";

function routeKey(route: Route): string {
  return JSON.stringify(route);
}

/** Header, skip link and the page for the current route; moves focus to the page heading on navigation. */
export function Shell() {
  const { me, signOut } = useSession();
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const key = routeKey(route);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const heading = mainRef.current?.querySelector("h1");
    if (heading instanceof HTMLElement) heading.focus();
  }, [key]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={{ name: "sites" }} className="brand">
          Sluice <span>admin</span>
        </Link>
        <nav aria-label="Main">
          <Link to={{ name: "sites" }} current={route.name === "sites"}>
            Sites
          </Link>
          <Link to={{ name: "jobs" }} current={route.name === "jobs"}>
            Jobs
          </Link>
        </nav>
        <div className="who">
          <span title={me.username}>{me.displayName || me.username}</span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} key={key}>
        {route.name === "sites" && <SitesPage />}
        {route.name === "jobs" && <JobsPage />}
        {route.name === "pipeline" && <PipelinePage siteKey={route.siteKey} />}
        {route.name === "job" && <JobPage siteKey={route.siteKey} jobId={route.jobId} />}
        {route.name === "not-found" && (
          <>
            <h1 tabIndex={-1}>Page not found</h1>
            <EmptyState title="There is no page at this address.">
              <Link to={{ name: "sites" }}>Go to the sites overview</Link>
            </EmptyState>
          </>
        )}
      </main>
    </>
  );
}
