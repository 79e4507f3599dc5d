import { useMemo } from "react";
import { createPipelineApi } from "../api/pipeline.js";
import type { Site } from "../api/types.js";
import { productName } from "../app/format.js";
import { useSession } from "../app/session.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { routeKeyOf, siteLabel, useSite } from "../sites/use-site.js";
import { JobDetails } from "./job-details.js";

/** The page of one export job, by site and job id. */
export function JobPage({ siteKey, jobId }: { siteKey: string; jobId: number }) {
  const state = useSite(siteKey);
  if (state.kind === "ready") return <ReadyJob site={state.site} jobId={jobId} />;
  return (
    <>
      <h1 tabIndex={-1}>Export job {jobId}</h1>
      {state.kind === "loading" && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      {state.kind === "error" && <FieldError message={state.message} />}
      {state.kind === "missing" && (
        <EmptyState title={`There is no site "${siteKey}" on this server.`}>
          <Link to={{ name: "sites" }}>Pick a site from the overview</Link>
        </EmptyState>
      )}
    </>
  );
}

function ReadyJob({ site, jobId }: { site: Site; jobId: number }) {
  const { api } = useSession();
  const pipeline = useMemo(() => createPipelineApi(api, site.contextPath), [api, site.contextPath]);
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "sites" }}>Sites</Link> <span aria-hidden="true">/</span>{" "}
        <Link to={{ name: "pipeline", siteKey: routeKeyOf(site) }}>
          {productName(site.product)} {siteLabel(site)} data pipeline
        </Link>{" "}
        <span aria-hidden="true">/</span> Job {jobId}
      </nav>
      <JobDetails pipeline={pipeline} jobId={jobId} siteKey={routeKeyOf(site)} />
    </>
  );
}
