import { useMemo } from "react";
import { createPipelineApi } from "../api/pipeline.js";
import type { Site } from "../api/types.js";
import { productName } from "../app/format.js";
import { useSession } from "../app/session.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";
import { Link } from "../components/link.js";
import { siteLabel, useSite } from "../sites/use-site.js";
import { PipelineView } from "./pipeline-view.js";

/** The Data pipeline page of one site. */
export function PipelinePage({ siteKey }: { siteKey: string }) {
  const state = useSite(siteKey);
  if (state.kind === "ready") return <ReadyPipeline site={state.site} />;
  return (
    <>
      <h1 tabIndex={-1}>Data pipeline</h1>
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

function ReadyPipeline({ site }: { site: Site }) {
  const { api } = useSession();
  const pipeline = useMemo(() => createPipelineApi(api, site.contextPath), [api, site.contextPath]);
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to={{ name: "sites" }}>Sites</Link> <span aria-hidden="true">/</span> {productName(site.product)} {siteLabel(site)}
      </nav>
      <div className="page-head">
        <h1 tabIndex={-1}>Data pipeline</h1>
        <p className="muted">
          Export {productName(site.product)} data at <span className="mono">{site.baseUrl}</span> to CSV files for your
          analytics tools.
        </p>
      </div>
      <PipelineView site={site} pipeline={pipeline} />
    </>
  );
}
