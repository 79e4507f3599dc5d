/** The SMTP server of `delivery.smtp`, through nodemailer: report emails and notices (a paused schedule). */
import nodemailer from "nodemailer";
import type { DeliveryConfig } from "../delivery-config.js";

export interface Mail {
  to: readonly string[];
  subject: string;
  text: string;
  attachments?: { filename: string; path: string; contentType: string }[];
}

export function mailConfigured(config: DeliveryConfig): boolean {
  return config.smtp !== undefined;
}

export async function sendMail(config: DeliveryConfig, env: Readonly<Record<string, string | undefined>>, mail: Mail): Promise<string> {
  const smtp = config.smtp;
  if (!smtp) throw new Error("no SMTP server is configured (delivery.smtp in the server's configuration)");
  const password = smtp.password ?? (smtp.passwordEnv ? env[smtp.passwordEnv] : undefined);
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: password ?? "" } } : {}),
    connectionTimeout: config.timeoutSeconds * 1000,
    greetingTimeout: config.timeoutSeconds * 1000,
    socketTimeout: config.timeoutSeconds * 1000,
  });
  try {
    const info = await transport.sendMail({ from: smtp.from, to: [...mail.to], subject: mail.subject, text: mail.text, attachments: mail.attachments });
    return String(info.messageId ?? "");
  } finally {
    transport.close();
  }
}
