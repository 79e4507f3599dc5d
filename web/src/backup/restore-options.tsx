/**
 * The wizard's last step: attachments (only when the backup holds their bytes), users and groups, what
 * to restore — everything (never into the backed-up site itself), chosen containers, or single pages or
 * issues — and whether it is a dry run.
 */
import type { BackupProduct, BackupSite } from "../api/backup.js";
import { CheckField } from "../reports/check-field.js";
import { CONTAINERS, ITEMS } from "./backup-format.js";
import { ScopePicker } from "./scope-picker.js";

export type RestoreMode = "all" | "scopes" | "items";

export interface RestoreOptionsDraft {
  attachments: boolean;
  usersAndGroups: boolean;
  mode: RestoreMode;
  scopes: string;
  items: string;
  dryRun: boolean;
}

export interface RestoreOptionsProps {
  product: BackupProduct;
  draft: RestoreOptionsDraft;
  onChange: (draft: RestoreOptionsDraft) => void;
  /** The backup holds attachment bytes. */
  hasAttachments: boolean;
  /** The destination is the backed-up site: only a partial restore may go there. */
  intoSource: boolean;
  source: BackupSite | null;
  at: (field: string) => string | null;
}

/** Page or issue ids typed one per line or separated by commas or spaces. */
export function parseIds(text: string): { ids: number[]; wrong: string[] } {
  const words = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  return { ids: words.filter((w) => /^[1-9]\d{0,15}$/.test(w)).map(Number), wrong: words.filter((w) => !/^[1-9]\d{0,15}$/.test(w)) };
}

export function RestoreOptions({ product, draft, onChange, hasAttachments, intoSource, source, at }: RestoreOptionsProps) {
  const set = (patch: Partial<RestoreOptionsDraft>) => onChange({ ...draft, ...patch });
  const containers = CONTAINERS[product];
  const items = ITEMS[product];
  return (
    <>
      <div className="check-field">
        <label className="check-line" htmlFor="restore-attachments">
          <input id="restore-attachments" type="checkbox" checked={draft.attachments && hasAttachments} disabled={!hasAttachments} onChange={(e) => set({ attachments: e.target.checked })} aria-describedby="restore-attachments-hint" /> Restore attachments
        </label>
        <p className="hint" id="restore-attachments-hint">
          {hasAttachments ? "Their bytes are copied from the backup." : product === "BITBUCKET" ? "Bitbucket sites have no attachments; git repositories are restored with their rows." : "This backup holds no attachment bytes: its policy left them out."}
        </p>
      </div>
      <CheckField id="restore-users" label="Restore users and groups" checked={draft.usersAndGroups} onChange={(usersAndGroups) => set({ usersAndGroups })} hint="Users, groups and memberships; groups the destination lacks need your consent." />
      <fieldset className="source-choice">
        <legend>What to restore</legend>
        <label className="check-line">
          <input type="radio" name="restore-mode" checked={draft.mode === "all"} onChange={() => set({ mode: "all" })} disabled={intoSource} aria-describedby={intoSource ? "restore-mode-hint" : undefined} /> Everything
        </label>
        <label className="check-line">
          <input type="radio" name="restore-mode" checked={draft.mode === "scopes"} onChange={() => set({ mode: "scopes" })} /> Chosen {containers.many}
        </label>
        {items && (
          <label className="check-line">
            <input type="radio" name="restore-mode" checked={draft.mode === "items"} onChange={() => set({ mode: "items" })} /> Single {items.many}
          </label>
        )}
        {intoSource && (
          <p className="hint" id="restore-mode-hint">
            Into the backed-up site itself only chosen {containers.many}{items ? ` or single ${items.many}` : ""} can be restored.
          </p>
        )}
      </fieldset>
      {draft.mode === "scopes" && <ScopePicker product={product} source={source} text={draft.scopes} onText={(scopes) => set({ scopes })} problem={at("scopes")} />}
      {draft.mode === "items" && items && (
        <div className="field">
          <label htmlFor="restore-items">{`${items.one[0]!.toUpperCase()}${items.one.slice(1)} ids`}</label>
          <textarea id="restore-items" className="mono" rows={2} value={draft.items} onChange={(e) => set({ items: e.target.value })} aria-invalid={at("items") ? true : undefined} aria-describedby="restore-items-hint restore-items-problem" />
          <p className="hint" id="restore-items-hint">
            The {items.many}' numeric ids, one per line or separated by commas; each comes back with its comments, attachments and history.
          </p>
          {at("items") && (
            <p className="field-error inline-problem" id="restore-items-problem">
              {at("items")}
            </p>
          )}
        </div>
      )}
      <CheckField id="restore-dry-run" label="Dry run" checked={draft.dryRun} onChange={(dryRun) => set({ dryRun })} hint="List exactly what would be written, and write nothing." />
    </>
  );
}
