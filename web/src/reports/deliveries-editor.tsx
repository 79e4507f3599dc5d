/** Where a schedule's file goes: a list of deliveries, each of a type with its own fields; add and remove. */
import { DELIVERY_TYPES } from "../api/reports.js";
import type { DeliveryType } from "../api/reports.js";
import type { Problem } from "./api-problems.js";
import { DeliveryFields } from "./delivery-fields.js";
import { FieldProblem } from "./field-problem.js";
import { newDelivery, type DeliveryDraft } from "./delivery-draft.js";

export const DELIVERY_NAMES: Record<DeliveryType, string> = {
  email: "Email",
  link: "Download link",
  sftp: "SFTP",
  webhook: "Webhook",
  api: "API",
};

export interface DeliveriesEditorProps {
  p: string;
  deliveries: DeliveryDraft[];
  onChange: (deliveries: DeliveryDraft[]) => void;
  problems: readonly Problem[];
}

export function DeliveriesEditor({ p, deliveries, onChange, problems }: DeliveriesEditorProps) {
  const replace = (index: number, next: DeliveryDraft) => onChange(deliveries.map((d, i) => (i === index ? next : d)));
  /** About the list itself ("add at least one"), not one of its deliveries. */
  const listProblem = problems.filter((x) => x.field === "deliveries").map((x) => x.message).join(" ") || null;
  return (
    <fieldset className="form-section deliveries">
      <legend>Deliveries</legend>
      {deliveries.length === 0 && <p className="muted">None yet: add at least one below.</p>}
      {deliveries.map((d, i) => {
        const dp = `${p}-d${d.key}`;
        const title = `Delivery ${i + 1}: ${DELIVERY_NAMES[d.type]}`;
        return (
          <fieldset key={d.key} className="delivery" data-delivery-type={d.type}>
            <legend>{title}</legend>
            <div className="delivery-head">
              <div className="field">
                <label htmlFor={`${dp}-type`}>Type</label>
                <select id={`${dp}-type`} value={d.type} onChange={(e) => replace(i, newDelivery(e.target.value as DeliveryType))}>
                  {DELIVERY_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {DELIVERY_NAMES[t]}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" className="small" onClick={() => onChange(deliveries.filter((_, n) => n !== i))}>
                Remove<span className="sr-only"> delivery {i + 1} ({DELIVERY_NAMES[d.type]})</span>
              </button>
            </div>
            <DeliveryFields p={dp} at={`deliveries.${i}`} draft={d} onChange={(next) => replace(i, next)} problems={problems} />
          </fieldset>
        );
      })}
      <div className="actions add-delivery" role="group" aria-label="Add a delivery">
        {DELIVERY_TYPES.map((t) => (
          <button key={t} type="button" className="small" onClick={() => onChange([...deliveries, newDelivery(t)])}>
            Add {t === "api" || t === "sftp" ? DELIVERY_NAMES[t] : DELIVERY_NAMES[t].toLowerCase()}
          </button>
        ))}
      </div>
      <FieldProblem id={`${p}-deliveries-problem`} message={listProblem} />
    </fieldset>
  );
}
