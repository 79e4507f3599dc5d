/** One delivery's own fields, by its type. */
import type { Problem } from "./api-problems.js";
import { problemAt } from "./api-problems.js";
import { EmailFields } from "./email-fields.js";
import type { DeliveryDraft } from "./delivery-draft.js";
import { SftpFields } from "./sftp-fields.js";
import { TextField } from "./text-field.js";
import { WebhookFields } from "./webhook-fields.js";

export interface DeliveryFieldsProps {
  p: string;
  /** Its path in the server's messages (`deliveries.0`). */
  at: string;
  draft: DeliveryDraft;
  onChange: (draft: DeliveryDraft) => void;
  problems: readonly Problem[];
}

export function DeliveryFields({ p, at, draft, onChange, problems }: DeliveryFieldsProps) {
  switch (draft.type) {
    case "email":
      return <EmailFields p={p} at={at} draft={draft} onChange={onChange} problems={problems} />;
    case "sftp":
      return <SftpFields p={p} at={at} draft={draft} onChange={onChange} problems={problems} />;
    case "webhook":
      return <WebhookFields p={p} at={at} draft={draft} onChange={onChange} problems={problems} />;
    case "link":
      return (
        <div className="form-grid">
          <TextField
            id={`${p}-days`}
            label="Link works for (days)"
            type="number"
            value={draft.retentionDays}
            onChange={(retentionDays) => onChange({ ...draft, retentionDays })}
            hint="The file is kept that long; each run's link shows in its history."
            problem={problemAt(problems, `${at}.retentionDays`)}
          />
        </div>
      );
    case "api":
      return <p className="hint">Nothing is sent: fetch the latest file with GET /rest/reports/v1/schedules/&lt;id&gt;/latest and your token.</p>;
  }
}
