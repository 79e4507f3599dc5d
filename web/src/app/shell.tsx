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
import { SqlSitesPage } from "../sql/sql-sites-page.js";
import { SqlPage } from "../sql/sql-page.js";
import { DashboardsPage } from "../sql/dashboards-page.js";
import { DashboardPage } from "../sql/dashboard-page.js";
import { ReportsPage } from "../reports/reports-page.js";
import { ReportPage } from "../reports/report-page.js";
import { PoliciesPage } from "../backup/policies-page.js";
import { StoragesPage } from "../backup/storages-page.js";
import { PolicyBackupsPage } from "../backup/policy-backups-page.js";
import { RestoresPage } from "../backup/restores-page.js";
import { RestoreWizard } from "../backup/restore-wizard.js";
import { RestorePage } from "../backup/restore-page.js";

/** A route, or the notice that a page is for administrators. */
type Shown = Route | { name: "admin-only" };

const SQL_ROUTES: readonly Shown["name"][] = ["sql-sites", "sql", "dashboards", "dashboard"];
const REPORT_ROUTES: readonly Shown["name"][] = ["reports", "new-report", "report"];
const BACKUP_ROUTES: readonly Shown["name"][] = ["backup-policies", "backup-storages", "backup-policy", "restores", "new-restore", "restore"];

/** What a person without admin rights may open: the SQL and report pages (the home page is the SQL one). */
function forPerson(route: Route): Shown {
  if (route.name === "sites") return { name: "sql-sites" };
  return SQL_ROUTES.includes(route.name) || REPORT_ROUTES.includes(route.name) || route.name === "not-found" ? route : { name: "admin-only" };
}

/** The page's identity: a new one is mounted when it changes (picking a schedule on a report page is not a new page). */
function routeKey(route: Shown): string {
  return JSON.stringify(route.name === "report" ? { name: route.name, reportId: route.reportId } : route);
}

/** Header, skip link and the page for the current route; moves focus to the page heading on navigation. */
export function Shell() {
  const { me, signOut } = useSession();
  const asked = useRoute();
  const route: Shown = me.sysadmin ? asked : forPerson(asked);
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
          Sluice <span>{me.sysadmin ? "admin" : "console"}</span>
        </Link>
        <nav aria-label="Main">
          {me.sysadmin && (
            <>
              <Link to={{ name: "sites" }} current={route.name === "sites"}>
                Sites
              </Link>
              <Link to={{ name: "jobs" }} current={route.name === "jobs"}>
                Jobs
              </Link>
              <Link to={{ name: "backup-policies" }} current={BACKUP_ROUTES.includes(route.name)}>
                Backups
              </Link>
            </>
          )}
          <Link to={{ name: "sql-sites" }} current={SQL_ROUTES.includes(route.name)}>
            SQL
          </Link>
          <Link to={{ name: "reports" }} current={REPORT_ROUTES.includes(route.name)}>
            Reports
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
        {route.name === "sql-sites" && <SqlSitesPage />}
        {route.name === "sql" && <SqlPage siteKey={route.siteKey} {...(route.queryId !== undefined ? { queryId: route.queryId } : {})} />}
        {route.name === "dashboards" && <DashboardsPage siteKey={route.siteKey} />}
        {route.name === "dashboard" && <DashboardPage siteKey={route.siteKey} dashboardId={route.dashboardId} />}
        {route.name === "reports" && <ReportsPage />}
        {route.name === "new-report" && <ReportPage />}
        {route.name === "report" && <ReportPage reportId={route.reportId} {...(route.scheduleId !== undefined ? { scheduleId: route.scheduleId } : {})} />}
        {route.name === "backup-policies" && <PoliciesPage />}
        {route.name === "backup-storages" && <StoragesPage />}
        {route.name === "backup-policy" && <PolicyBackupsPage policyId={route.policyId} />}
        {route.name === "restores" && <RestoresPage />}
        {route.name === "new-restore" && <RestoreWizard {...(route.backupId !== undefined ? { backupId: route.backupId } : {})} />}
        {route.name === "restore" && <RestorePage restoreId={route.restoreId} />}
        {route.name === "admin-only" && (
          <>
            <h1 tabIndex={-1}>For administrators</h1>
            <EmptyState title="This page is for system administrators.">
              <Link to={{ name: "sql-sites" }}>Go to the SQL pages and dashboards</Link>
            </EmptyState>
          </>
        )}
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
