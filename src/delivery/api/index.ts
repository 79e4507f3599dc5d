/** API delivery: nothing is sent; the schedule's latest file is fetched over REST (`GET /rest/reports/v1/schedules/{id}/latest`). */
import { z } from "zod";
import { deliveryId, type DeliveryKind } from "../port.js";

export const apiSettings = z.object({ type: z.literal("api"), id: deliveryId }).strict();
export type ApiSettings = z.infer<typeof apiSettings>;

export const apiDelivery: DeliveryKind<ApiSettings> = {
  type: "api",
  schema: apiSettings,
  async send(_settings, ctx) {
    return { detail: `GET /rest/reports/v1/schedules/${ctx.scheduleId}/latest` };
  },
};
