/**
 * Download-link delivery: the file is kept on the server for the chosen retention and a signed link
 * to it is recorded on the run (and shown in the console); it answers 410 once expired, 403 when
 * tampered with (`src/reports/report-links.ts`).
 */
import { z } from "zod";
import { deliveryId, type DeliveryKind } from "../port.js";

export const linkSettings = z
  .object({
    type: z.literal("link"),
    id: deliveryId,
    retentionDays: z.number().int().min(1).max(365).default(7).describe("days the file is kept and the link works"),
  })
  .strict();
export type LinkSettings = z.infer<typeof linkSettings>;

export const linkDelivery: DeliveryKind<LinkSettings> = {
  type: "link",
  schema: linkSettings,
  async send(settings, ctx) {
    return { detail: await ctx.link(settings.retentionDays) };
  },
};
