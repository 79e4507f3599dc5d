/**
 * Email delivery: the file attached (or its ZIP) to site users (their profile address) and extra
 * addresses, subject and body from templates with the placeholders (and `{{link}}`). Over the attachment
 * limit (`delivery.maxAttachmentMb`, 25 MB by default) the delivery fails saying so, or sends a download
 * link instead when the schedule asks for that.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { z } from "zod";
import type { Problem } from "../../core/errors.js";
import { fill, unknownPlaceholders } from "../placeholders.js";
import { deliveryId, type DeliveryKind } from "../port.js";
import { sendMail } from "./mailer.js";

const address = z.string().max(320).regex(/^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/, "an email address (name@example.com)");

export const emailSettings = z
  .object({
    type: z.literal("email"),
    id: deliveryId,
    users: z.array(z.string().min(1).max(200)).max(500).default([]).describe("site user names: mailed at their profile address"),
    addresses: z.array(address).max(500).default([]).describe("more recipients"),
    zip: z.boolean().default(false).describe("attach the file as a ZIP"),
    subject: z.string().max(500).default("{{exportConfigName}} ({{reportDate}})"),
    body: z.string().max(20_000).default("The report {{exportConfigName}} is attached: {{rows}} rows, {{format}}, {{sizeMb}} MB.\n"),
    linkWhenTooLarge: z.boolean().default(false).describe("over the attachment limit, send a download link instead of failing"),
    linkRetentionDays: z.number().int().min(1).max(365).default(7),
  })
  .strict()
  .refine((s) => s.users.length + s.addresses.length > 0, { message: "give at least one recipient (users or addresses)", path: ["addresses"] });
export type EmailSettings = z.infer<typeof emailSettings>;

const MB = 1024 * 1024;

/** The file as a ZIP beside it; resolves once complete. */
async function zipped(path: string, name: string): Promise<string> {
  const zip = new yazl.ZipFile();
  zip.addReadStream(createReadStream(path), name, { mode: 0o100600 });
  zip.end();
  const out = `${path}.zip`;
  await pipeline(zip.outputStream, createWriteStream(out, { mode: 0o600 }));
  return out;
}

export const emailDelivery: DeliveryKind<EmailSettings> = {
  type: "email",
  schema: emailSettings,
  async check(settings, field, config) {
    const problems: Problem[] = [];
    for (const part of ["subject", "body"] as const) {
      const unknown = unknownPlaceholders(settings[part], ["link"]);
      if (unknown.length > 0) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.${part}: unknown placeholder(s) ${unknown.map((n) => `{{${n}}}`).join(", ")}` });
    }
    if (!config.smtp) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.type: this server has no SMTP server configured (delivery.smtp), so it cannot send email` });
    return problems;
  },
  async send(settings, ctx) {
    const to = [...new Set([...(await ctx.userEmails(settings.users)), ...settings.addresses])];
    if (to.length === 0) throw new Error(`none of the users ${settings.users.join(", ")} has an email address on the site`);
    let attachment = { filename: ctx.file.name, path: ctx.file.path, contentType: ctx.file.contentType };
    if (settings.zip) attachment = { filename: `${ctx.file.name}.zip`, path: await zipped(ctx.file.path, ctx.file.name), contentType: "application/zip" };
    const bytes = (await stat(attachment.path)).size;
    const limit = ctx.config.maxAttachmentMb * MB;
    let link = "";
    if (bytes > limit) {
      const size = `${(bytes / MB).toFixed(2)} MB`;
      if (!settings.linkWhenTooLarge) {
        throw new Error(`the ${settings.zip ? "zipped " : ""}file is ${size}, over the ${ctx.config.maxAttachmentMb} MB attachment limit (zip it, or let the schedule send a download link instead)`);
      }
      link = await ctx.link(settings.linkRetentionDays);
    }
    const values = { ...ctx.placeholders, link };
    let text = fill(settings.body, values);
    if (link && !settings.body.includes("{{link}}")) text += `\nThe file is larger than the attachment limit; download it here (the link expires): ${link}\n`;
    await sendMail(ctx.config, ctx.env, { to, subject: fill(settings.subject, values), text, attachments: link ? [] : [attachment] });
    return { detail: `${link ? "link" : settings.zip ? "zip" : "attachment"} to ${to.join(", ")}` };
  },
};
