/**
 * The columns of a site's entity, as a report's file has them: found by previewing the entity with
 * every column and no rows to speak of (the API has no list of an entity's columns). Asked again a
 * moment after the site or entity stops changing; an answer overtaken by a newer question is dropped.
 */
import { useEffect, useState } from "react";
import type { ReportsApi } from "../api/reports.js";
import type { SqlColumn } from "../api/sql.js";
import { problemsOf } from "./api-problems.js";

export interface EntityColumns {
  columns: SqlColumn[] | null;
  /** Why they could not be found (an unknown entity: the message lists the site's entities). */
  error: string | null;
  loading: boolean;
}

const SETTLE_MS = 350;

export function useEntityColumns(reports: ReportsApi, site: string, entity: string): EntityColumns {
  const [state, setState] = useState<EntityColumns>({ columns: null, error: null, loading: false });
  useEffect(() => {
    if (site === "" || entity.trim() === "") {
      setState({ columns: null, error: null, loading: false });
      return undefined;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      reports
        .preview({ site, entity: entity.trim(), columns: [], filter: [], jql: null, sort: [], limit: 1 }, controller.signal)
        .then((p) => setState({ columns: p.columns, error: null, loading: false }))
        .catch((e) => {
          if (!controller.signal.aborted) setState({ columns: null, error: problemsOf(e).map((p) => p.message).join(" "), loading: false });
        });
    }, SETTLE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [reports, site, entity]);
  return state;
}
