/**
 * Webhook delivery: the file POSTed as a stream (`transfer-encoding: chunked`) with the seed's headers —
 * `user-agent: Sluice/<version>`, `content-disposition: attachment; filename="…"` (not for JSON),
 * `content-type`, `x-download-schedule-id`, `x-download-schedule-execution-id` — and the schedule's own
 * headers (Authorization, …). `{{…}}` placeholders of the URL are filled URL-encoded. The connection
 * goes to the address the guard checked (`address-guard.ts`); any 2xx answer is a success.
 */
import { createReadStream } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { Problem } from "../../core/errors.js";
import { hostRefusal, resolveTarget } from "../address-guard.js";
import { fill, unknownPlaceholders } from "../placeholders.js";
import { deliveryId, type DeliveryKind } from "../port.js";

const RESERVED = new Set(["user-agent", "transfer-encoding", "content-disposition", "content-type", "content-length", "host", "x-download-schedule-id", "x-download-schedule-execution-id", "connection"]);

export const webhookSettings = z
  .object({
    type: z.literal("webhook"),
    id: deliveryId,
    url: z
      .string()
      .max(4000)
      .refine((u) => URL.canParse(u.replace(/\{\{[^}]*\}\}/g, "x")) && /^https?:\/\//i.test(u), "an http:// or https:// URL, with {{placeholders}} where wanted"),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "a header name"),
        z.string().max(4000).refine((v) => !v.includes("\r") && !v.includes("\n") && !v.includes("\u0000"), "a header value on one line"),
      )
      .refine((h) => Object.keys(h).every((k) => !RESERVED.has(k.toLowerCase())), "Sluice sets user-agent, content-type, content-disposition and the x-download-schedule-* headers itself")
      .default({}),
  })
  .strict();
export type WebhookSettings = z.infer<typeof webhookSettings>;

/** The scheme, host and port of a URL template. */
function originOf(url: string): string {
  return new URL(url.replace(/\{\{[^}]*\}\}/g, "x")).origin;
}

/** Connects to the address the guard checked, whatever a new lookup would say. */
function pinned(address: string): LookupFunction {
  return (_host, options, callback) => {
    const family = isIP(address);
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

export const webhookDelivery: DeliveryKind<WebhookSettings> = {
  type: "webhook",
  schema: webhookSettings,
  secrets: ["headers"],
  sameTarget: (a, b) => originOf(a.url) === originOf(b.url),
  async check(settings, field, config) {
    const problems: Problem[] = [];
    const unknown = unknownPlaceholders(settings.url);
    if (unknown.length > 0) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.url: unknown placeholder(s) ${unknown.map((n) => `{{${n}}}`).join(", ")}` });
    const refused = await hostRefusal(new URL(settings.url.replace(/\{\{[^}]*\}\}/g, "x")).hostname, config.allowedPrivateHosts);
    if (refused) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.url: ${refused}` });
    return problems;
  },
  async send(settings, ctx) {
    const url = new URL(fill(settings.url, ctx.placeholders, encodeURIComponent));
    const address = await resolveTarget(url.hostname, ctx.config.allowedPrivateHosts);
    const json = ctx.file.format === "json";
    const headers: Record<string, string> = {
      ...settings.headers,
      "user-agent": `Sluice/${ctx.version}`,
      "content-type": json ? "application/json" : ctx.file.contentType,
      "x-download-schedule-id": String(ctx.scheduleId),
      "x-download-schedule-execution-id": String(ctx.runId),
      "transfer-encoding": "chunked",
    };
    if (!json) headers["content-disposition"] = `attachment; filename="${ctx.file.name.replace(/["\\\r\n]/g, "_")}"`;
    const client = url.protocol === "https:" ? https : http;
    const timeout = AbortSignal.timeout(ctx.config.timeoutSeconds * 1000);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const status = await new Promise<number>((resolve, reject) => {
      const request = client.request(url, { method: "POST", headers, lookup: pinned(address), signal, servername: isIP(url.hostname) ? undefined : url.hostname });
      request.on("response", (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      });
      request.on("error", (error) => reject(timeout.aborted ? new Error(`no answer within ${ctx.config.timeoutSeconds} s`) : error));
      pipeline(createReadStream(ctx.file.path), request).catch(reject);
    });
    if (status < 200 || status > 299) throw new Error(`the receiver answered HTTP ${status}`);
    return { detail: `POST ${url.origin}${url.pathname} → ${status}` };
  },
};
