import { useEffect, useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { OptedOutEntity, Product, Scope, ScopeType, Site } from "../api/types.js";
import { useSession } from "../app/session.js";
import { routeKeyOf } from "../sites/use-site.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";

const SCOPE: Record<Product, { type: ScopeType; one: string; many: string }> = {
  confluence: { type: "SPACE", one: "space", many: "spaces" },
  jira: { type: "PROJECT", one: "project", many: "projects" },
  bitbucket: { type: "REPOSITORY", one: "repository", many: "repositories" },
};

/** Spaces, projects or repositories left out of every export: search, pick, put back. */
export function OptOutEditor({ site, pipeline, generation }: { site: Site; pipeline: PipelineApi; generation: number }) {
  const { admin } = useSession();
  const scope = SCOPE[site.product] ?? SCOPE.confluence;
  const [optedOut, setOptedOut] = useState<OptedOutEntity[] | null>(null);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Scope[] | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    pipeline
      .optOuts()
      .then((list) => {
        if (!cancelled) setOptedOut(list);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not read the opt-outs: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [pipeline, generation]);

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      admin
        .scopes(routeKeyOf(site), scope.type, query.trim())
        .then((values) => {
          if (cancelled) return;
          setResults(values);
          setSearchError(null);
        })
        .catch((e) => {
          if (!cancelled) setSearchError(`Search failed: ${errorText(e)}`);
        });
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [admin, site.key, scope.type, query]);

  async function change(action: "out" | "in", key: string, name: string) {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      if (action === "out") await pipeline.optOut(scope.type, [key]);
      else await pipeline.optIn(scope.type, [key]);
      setOptedOut(await pipeline.optOuts());
      setNotice(action === "out" ? `${name} is left out of the next exports.` : `${name} is included again.`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const excluded = new Set((optedOut ?? []).map((o) => o.key));
  const candidates = (results ?? []).filter((r) => !excluded.has(r.key));

  return (
    <section className="card optout" aria-labelledby="optout-title">
      <h2 id="optout-title">Opted-out {scope.many}</h2>
      <p className="muted">Opted-out {scope.many} and all their content are left out of every export file.</p>
      {optedOut && optedOut.length === 0 && (
        <EmptyState title={`Every ${scope.one} is exported.`}>Search below to leave one out.</EmptyState>
      )}
      {optedOut && optedOut.length > 0 && (
        <ul className="chips" aria-label={`Opted-out ${scope.many}`} data-testid="opted-out">
          {optedOut.map((o) => (
            <li key={`${o.type}-${o.key}`}>
              <span>
                <strong>{o.key}</strong> {o.displayName && o.displayName !== o.key ? <span className="muted">{o.displayName}</span> : null}
              </span>
              <button type="button" className="small" onClick={() => void change("in", o.key, o.displayName || o.key)} disabled={busy}>
                Include {o.key} again
              </button>
            </li>
          ))}
        </ul>
      )}
      <FieldError id="optout-error" message={error} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <label htmlFor="optout-search">Find a {scope.one}</label>
      <input
        id="optout-search"
        type="search"
        value={query}
        placeholder={`Key or name of a ${scope.one}`}
        onChange={(e) => setQuery(e.target.value)}
        aria-describedby={searchError ? "optout-search-error" : undefined}
        autoComplete="off"
      />
      <FieldError id="optout-search-error" message={searchError} />
      {results && candidates.length === 0 && (
        <p className="muted">{query ? `No ${scope.one} matches "${query}".` : `No ${scope.many} left to opt out.`}</p>
      )}
      {candidates.length > 0 && (
        <ul className="results" aria-label={`Matching ${scope.many}`}>
          {candidates.map((r) => (
            <li key={r.key}>
              <span>
                <strong>{r.key}</strong> <span className="muted">{r.displayName}</span>
              </span>
              <button type="button" className="small" onClick={() => void change("out", r.key, r.displayName || r.key)} disabled={busy}>
                Opt out {r.key}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
