/**
 * A policy's retention, on servers that keep it per policy: days, the last N, and how many daily, weekly
 * and monthly backups to keep. Empty fields are not sent; all empty: the server's default.
 */
import type { Retention } from "../api/backup.js";
import { TextField } from "../reports/text-field.js";

export const RETENTION_FIELDS = [
  { key: "days", label: "Keep for days", words: (n: number) => `${n} days` },
  { key: "keepLast", label: "Keep the last", words: (n: number) => `the last ${n}` },
  { key: "daily", label: "Daily backups kept", words: (n: number) => `${n} daily` },
  { key: "weekly", label: "Weekly backups kept", words: (n: number) => `${n} weekly` },
  { key: "monthly", label: "Monthly backups kept", words: (n: number) => `${n} monthly` },
] as const;

export type RetentionKey = (typeof RETENTION_FIELDS)[number]["key"];
export type RetentionDraft = Record<RetentionKey, string>;

export function retentionText(retention: Retention | null): string {
  if (!retention) return "Server default";
  const parts = RETENTION_FIELDS.flatMap((f) => (typeof retention[f.key] === "number" ? [f.words(retention[f.key]!)] : []));
  return parts.length > 0 ? parts.join(" · ") : "Server default";
}

export function retentionDraft(retention: Retention | null | undefined): RetentionDraft {
  const text = (n: number | undefined) => (n === undefined ? "" : String(n));
  return { days: text(retention?.days), keepLast: text(retention?.keepLast), daily: text(retention?.daily), weekly: text(retention?.weekly), monthly: text(retention?.monthly) };
}

/** The draft as the API takes it (null: none set); a field that is not a whole number is sent as it is, for the server to name. */
export function retentionOf(draft: RetentionDraft): Retention | null {
  const out: Retention = {};
  for (const f of RETENTION_FIELDS) {
    const text = draft[f.key].trim();
    if (text !== "") out[f.key] = /^\d+$/.test(text) ? Number(text) : (text as unknown as number);
  }
  return Object.keys(out).length > 0 ? out : null;
}

export function RetentionFields({ draft, onChange, at }: { draft: RetentionDraft; onChange: (draft: RetentionDraft) => void; at: (field: string) => string | null }) {
  return (
    <fieldset className="form-section">
      <legend>Retention</legend>
      <p className="hint">Optional; all empty: the server's default. A backup is kept while any rule keeps it; the daily, weekly and monthly rules keep the newest backup of each of the last so many UTC days, weeks or months that have one.</p>
      <div className="form-grid">
        {RETENTION_FIELDS.map((f) => (
          <TextField key={f.key} id={`retention-${f.key}`} label={f.label} type="number" value={draft[f.key]} onChange={(value) => onChange({ ...draft, [f.key]: value })} problem={at(`retention.${f.key}`)} />
        ))}
      </div>
    </fieldset>
  );
}
