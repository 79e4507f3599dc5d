/** An email delivery: site users and addresses, ZIP, subject and body templates, a link when too large. */
import { problemAt, type Problem } from "./api-problems.js";
import { CheckField } from "./check-field.js";
import type { EmailDraft } from "./delivery-draft.js";
import { TextField } from "./text-field.js";

export interface EmailFieldsProps {
  p: string;
  /** The delivery's path in the server's messages (`deliveries.0`). */
  at: string;
  draft: EmailDraft;
  onChange: (draft: EmailDraft) => void;
  problems: readonly Problem[];
}

export function EmailFields({ p, at, draft, onChange, problems }: EmailFieldsProps) {
  const set = (patch: Partial<EmailDraft>) => onChange({ ...draft, ...patch });
  const problem = (field: string) => problemAt(problems, `${at}.${field}`);
  return (
    <>
      <div className="form-grid">
        <TextField id={`${p}-users`} label="Site users" value={draft.users} onChange={(users) => set({ users })} hint="User names, comma-separated: mailed at their profile address." problem={problem("users")} />
        <TextField id={`${p}-addresses`} label="Addresses" value={draft.addresses} onChange={(addresses) => set({ addresses })} hint="More recipients, comma-separated." problem={problem("addresses")} />
      </div>
      <TextField id={`${p}-subject`} label="Subject" value={draft.subject} onChange={(subject) => set({ subject })} problem={problem("subject")} />
      <TextField id={`${p}-body`} label="Body" value={draft.body} onChange={(body) => set({ body })} rows={3} hint="Placeholders: {{exportConfigName}}, {{reportDate}}, {{rows}}, {{format}}, {{sizeMb}}, {{link}}." problem={problem("body")} />
      <div className="form-grid">
        <CheckField id={`${p}-zip`} label="Attach as a ZIP" checked={draft.zip} onChange={(zip) => set({ zip })} />
        <CheckField id={`${p}-link-large`} label="Send a download link when too large to attach" checked={draft.linkWhenTooLarge} onChange={(linkWhenTooLarge) => set({ linkWhenTooLarge })} />
        {draft.linkWhenTooLarge && (
          <TextField id={`${p}-link-days`} label="Link works for (days)" type="number" value={draft.linkRetentionDays} onChange={(linkRetentionDays) => set({ linkRetentionDays })} problem={problem("linkRetentionDays")} />
        )}
      </div>
      {problem("type") && <p className="field-error inline-problem">{problem("type")}</p>}
    </>
  );
}
