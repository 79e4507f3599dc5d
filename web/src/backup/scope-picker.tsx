/**
 * The containers a partial restore brings back — spaces, projects or repositories (`PROJECT/slug`) — as
 * keys typed in, or added from a search of the backed-up site's own (the admin API's scope search).
 */
import { useState } from "react";
import type { BackupProduct, BackupSite } from "../api/backup.js";
import { useSession } from "../app/session.js";
import { useLoad } from "../app/use-load.js";
import { CONTAINERS } from "./backup-format.js";

/** Keys typed one per line or separated by commas or spaces. */
export function parseKeys(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export interface ScopePickerProps {
  product: BackupProduct;
  /** The backed-up site (searched for names), null when it is gone. */
  source: BackupSite | null;
  text: string;
  onText: (text: string) => void;
  problem: string | null;
}

export function ScopePicker({ product, source, text, onText, problem }: ScopePickerProps) {
  const { admin } = useSession();
  const words = CONTAINERS[product];
  const [query, setQuery] = useState("");
  const sourceKey = source ? source.contextPath.replace(/^\/+|\/+$/g, "") || "-" : null;
  const { value: found, error } = useLoad(async () => (sourceKey === null ? [] : admin.scopes(sourceKey, words.type, query)), [admin, sourceKey, words.type, query], `Could not search the ${words.many}`);
  const chosen = parseKeys(text);
  const add = (key: string) => onText([...chosen.filter((k) => k !== key), key].join("\n"));
  const label = `${words.one[0]!.toUpperCase()}${words.one.slice(1)} keys`;

  return (
    <div className="scope-picker">
      <div className="field">
        <label htmlFor="restore-scopes">{label}</label>
        <textarea id="restore-scopes" className="mono" rows={3} value={text} onChange={(e) => onText(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby="restore-scopes-hint restore-scopes-problem" />
        <p className="hint" id="restore-scopes-hint">
          One per line or separated by commas{product === "BITBUCKET" ? "; a repository as PROJECT/slug" : ""}. Only these {words.many} are restored.
        </p>
        {problem && (
          <p className="field-error inline-problem" id="restore-scopes-problem">
            {problem}
          </p>
        )}
      </div>
      {source && (
        <div className="field">
          <label htmlFor="restore-scope-search">
            Find {words.many} of {source.contextPath}
          </label>
          <input id="restore-scope-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name contains…" autoComplete="off" />
          {error && <p className="field-error inline-problem">{error}</p>}
          {found && found.length > 0 && (
            <ul className="results" aria-label={`${words.many} found`}>
              {found.map((s) => (
                <li key={s.key}>
                  <span>
                    {s.displayName} <span className="mono muted">{s.key}</span>
                  </span>
                  <button type="button" className="small" onClick={() => add(s.key)} disabled={chosen.includes(s.key)} aria-label={`Add ${words.one} ${s.key}`}>
                    {chosen.includes(s.key) ? "Added" : "Add"}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
