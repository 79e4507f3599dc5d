/**
 * The delivery kinds, by type, and the schema of a schedule's `deliveries` list. A type not here is
 * refused when a schedule is saved.
 */
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

/** New settings where a secret sent back as `SECRET_SET` keeps its stored value (same index and type). */
export function keepSecrets(next: DeliverySettings, previous: DeliverySettings | undefined): DeliverySettings {
  if (!previous || previous.type !== next.type) return next;
  const out: Record<string, unknown> = { ...next };
  const before = previous as Record<string, unknown>;
  for (const field of deliveryKind(next.type).secrets ?? []) {
    const value = out[field];
    if (value === SECRET_SET) out[field] = before[field];
    else if (typeof value === "object" && value !== null) {
      const old = (before[field] ?? {}) as Record<string, unknown>;
      out[field] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === SECRET_SET ? old[k] : v]));
    }
  }
  return out as DeliverySettings;
}
