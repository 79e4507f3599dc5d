/** A webhook delivery: the URL the file is POSTed to, and headers of its own (saved values show as <set>). */
import { SECRET_SET } from "../api/reports.js";
import { problemAt, type Problem } from "./api-problems.js";
import type { WebhookDraft } from "./delivery-draft.js";
import { TextField } from "./text-field.js";

export interface WebhookFieldsProps {
  p: string;
  at: string;
  draft: WebhookDraft;
  onChange: (draft: WebhookDraft) => void;
  problems: readonly Problem[];
}

export function WebhookFields({ p, at, draft, onChange, problems }: WebhookFieldsProps) {
  const problem = (field: string) => problemAt(problems, `${at}.${field}`);
  return (
    <>
      <TextField id={`${p}-url`} label="URL" type="url" value={draft.url} onChange={(url) => onChange({ ...draft, url })} mono placeholder="https://example.com/upload?name={{exportConfigName}}" hint="http:// or https://, with {{placeholders}} where wanted." problem={problem("url")} />
      <TextField
        id={`${p}-headers`}
        label="Headers"
        value={draft.headers}
        onChange={(headers) => onChange({ ...draft, headers })}
        rows={2}
        mono
        placeholder="Authorization: Bearer …"
        hint={`One per line, Name: value. A saved value shows as ${SECRET_SET}: leave it to keep it.`}
        problem={problem("headers")}
      />
    </>
  );
}
