/**
 * The delivery kinds, by type, and the schema of a schedule's `deliveries` list. A type not here is
 * refused when a schedule is saved.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Problem } from "../core/errors.js";
import { apiDelivery, apiSettings } from "./api/index.js";
import type { DeliveryConfig } from "./delivery-config.js";
import { emailDelivery, emailSettings } from "./email/index.js";
import { linkDelivery, linkSettings } from "./link/index.js";
import type { DeliveryKind } from "./port.js";
import { sftpDelivery, sftpSettings } from "./sftp/index.js";
import { webhookDelivery, webhookSettings } from "./webhook/index.js";

export type { DeliveryContext, DeliveryKind, Placeholders, ReportFile, ReportFormat } from "./port.js";

export const DELIVERY_TYPES = ["email", "link", "sftp", "webhook", "api"] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

const KINDS: Record<DeliveryType, DeliveryKind<any>> = {
  email: emailDelivery,
  link: linkDelivery,
  sftp: sftpDelivery,
  webhook: webhookDelivery,
  api: apiDelivery,
};

export const deliverySettings = z.discriminatedUnion("type", [emailSettings, linkSettings, sftpSettings, webhookSettings, apiSettings]);
export type DeliverySettings = z.infer<typeof deliverySettings>;

export function deliveryKind(type: string): DeliveryKind<any> {
  const kind = (DELIVERY_TYPES as readonly string[]).includes(type) ? KINDS[type as DeliveryType] : undefined;
  if (!kind) throw new Error(`no delivery of type ${type}`);
  return kind;
}

/** The checks of every delivery beyond their schemas, all problems at once. */
export async function checkDeliveries(deliveries: readonly DeliverySettings[], config: DeliveryConfig): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [i, d] of deliveries.entries()) problems.push(...((await deliveryKind(d.type).check?.(d, `deliveries.${i}`, config)) ?? []));
  return problems;
}

/** Settings with their secrets replaced by `SECRET_SET` (for views). */
export const SECRET_SET = "<set>";

export function redacted(d: DeliverySettings): DeliverySettings {
  const out: Record<string, unknown> = { ...d };
  for (const field of deliveryKind(d.type).secrets ?? []) {
    const value = out[field];
    if (value === undefined) continue;
    out[field] = typeof value === "object" && value !== null ? Object.fromEntries(Object.keys(value).map((k) => [k, SECRET_SET])) : SECRET_SET;
  }
  return out as DeliverySettings;
}

/**
 * Each delivery of a changed schedule with an id (its own, or a new one), and a secret sent back as
 * `SECRET_SET` replaced by the stored value of the delivery with the same id (or, without an id, at the
 * same place with the same type). A `SECRET_SET` with nothing stored behind it is a problem naming it.
 */
export function withStoredSecrets(next: readonly DeliverySettings[], previous: readonly DeliverySettings[]): { deliveries: DeliverySettings[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const deliveries = next.map((d, i) => {
    const before = d.id !== undefined ? previous.find((p) => p.id === d.id) : previous[i]?.id === undefined ? previous[i] : undefined;
    const kept = keepSecrets({ ...d, id: d.id ?? newDeliveryId() }, before);
    const moved = before !== undefined && before.type === d.type && !(deliveryKind(d.type).sameTarget?.(d, before) ?? true);
    const why = moved ? "the delivery now goes elsewhere, and a stored secret only stays with its target" : "this delivery has none stored";
    for (const field of deliveryKind(d.type).secrets ?? []) {
      const value = (kept as Record<string, unknown>)[field];
      const names = value === SECRET_SET ? [field] : typeof value === "object" && value !== null ? Object.entries(value).filter(([, v]) => v === SECRET_SET).map(([k]) => `${field}.${k}`) : [];
      for (const name of names) problems.push({ key: "sluice.report.delivery.invalid", message: `deliveries.${i}.${name}: ${SECRET_SET} stands for a stored secret, but ${why}; send the value` });
    }
    return kept;
  });
  return { deliveries, problems };
}

/** Ids for deliveries made without one. */
export function withIds(deliveries: readonly DeliverySettings[]): DeliverySettings[] {
  return deliveries.map((d) => (d.id === undefined ? ({ ...d, id: newDeliveryId() }) : d));
}

function newDeliveryId(): string {
  return randomBytes(6).toString("hex");
}

/** New settings where a secret sent back as `SECRET_SET` keeps its stored value (same delivery and type). */
export function keepSecrets(next: DeliverySettings, previous: DeliverySettings | undefined): DeliverySettings {
  if (!previous || previous.type !== next.type) return next;
  if (!(deliveryKind(next.type).sameTarget?.(next, previous) ?? true)) return next;
  const out: Record<string, unknown> = { ...next };
  const before = previous as Record<string, unknown>;
  for (const field of deliveryKind(next.type).secrets ?? []) {
    const value = out[field];
    if (value === SECRET_SET) out[field] = before[field] ?? SECRET_SET;
    else if (typeof value === "object" && value !== null) {
      const old = (before[field] ?? {}) as Record<string, unknown>;
      out[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === SECRET_SET ? (old[k] ?? SECRET_SET) : v]));
    }
  }
  return out as DeliverySettings;
}
