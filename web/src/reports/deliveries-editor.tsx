/**
 * Where a schedule's file goes: a list of deliveries, each of a type with its own fields; add, remove
 * and move (a saved delivery keeps its secrets wherever it moves: they go by its id). A moved delivery's
 * button keeps the focus, or its Type when that button is now disabled at the end of the list.
 */
import { useEffect, useState } from "react";
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
  const [moved, setMoved] = useState<{ key: number; button: "up" | "down" } | null>(null);
  const move = (index: number, by: -1 | 1) => {
    const next = [...deliveries];
    const [taken] = next.splice(index, 1);
    if (!taken) return;
    next.splice(index + by, 0, taken);
    setMoved({ key: taken.key, button: by < 0 ? "up" : "down" });
    onChange(next);
  };
  useEffect(() => {
    if (!moved) return;
    const button = document.getElementById(`${p}-d${moved.key}-${moved.button}`) as HTMLButtonElement | null;
    if (button && !button.disabled) button.focus();
    else document.getElementById(`${p}-d${moved.key}-type`)?.focus();
    setMoved(null);
  }, [moved, p]);
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
              <span className="row-actions">
                <button type="button" id={`${dp}-up`} className="small" onClick={() => move(i, -1)} disabled={i === 0}>
                  Move up<span className="sr-only"> delivery {i + 1} ({DELIVERY_NAMES[d.type]})</span>
                </button>
                <button type="button" id={`${dp}-down`} className="small" onClick={() => move(i, 1)} disabled={i === deliveries.length - 1}>
                  Move down<span className="sr-only"> delivery {i + 1} ({DELIVERY_NAMES[d.type]})</span>
                </button>
                <button type="button" className="small" onClick={() => onChange(deliveries.filter((_, n) => n !== i))}>
                  Remove<span className="sr-only"> delivery {i + 1} ({DELIVERY_NAMES[d.type]})</span>
                </button>
              </span>
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
