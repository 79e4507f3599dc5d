/**
 * A delivery as the editor holds it (text fields as typed) and the settings the API takes. Secrets the
 * server already keeps are not shown: left blank they go back as `<set>`, which keeps them — but the
 * server matches them by position in the list, so a delivery that moved must have them typed again.
 */
import { SECRET_SET } from "../api/reports.js";
import type { Delivery, DeliveryType } from "../api/reports.js";
import type { Problem } from "./api-problems.js";

interface DraftBase {
  /** A stable key for the list. */
  key: number;
  /** Its place in the saved schedule's list; null when new (or its type changed). */
  origin: number | null;
}

export interface EmailDraft extends DraftBase {
  type: "email";
  users: string;
  addresses: string;
  zip: boolean;
  subject: string;
  body: string;
  linkWhenTooLarge: boolean;
  linkRetentionDays: string;
}

export interface LinkDraft extends DraftBase {
  type: "link";
  retentionDays: string;
}

export type SftpSecret = "password" | "privateKey" | "passphrase";

export interface SftpDraft extends DraftBase {
  type: "sftp";
  host: string;
  port: string;
  user: string;
  auth: "password" | "key";
  password: string;
  privateKey: string;
  passphrase: string;
  /** The secrets the server keeps already. */
  saved: Record<SftpSecret, boolean>;
  hostKey: string;
  directory: string;
}

export interface WebhookDraft extends DraftBase {
  type: "webhook";
  url: string;
  /** `Name: value` lines; a saved value shows as `<set>`. */
  headers: string;
}

export interface ApiDraft extends DraftBase {
  type: "api";
}

export type DeliveryDraft = EmailDraft | LinkDraft | SftpDraft | WebhookDraft | ApiDraft;

let keys = 0;
const nextKey = () => ++keys;

export function newDelivery(type: DeliveryType): DeliveryDraft {
  const base = { key: nextKey(), origin: null };
  switch (type) {
    case "email":
      return { ...base, type, users: "", addresses: "", zip: false, subject: "{{exportConfigName}} ({{reportDate}})", body: "The report {{exportConfigName}} is attached: {{rows}} rows, {{format}}, {{sizeMb}} MB.\n", linkWhenTooLarge: false, linkRetentionDays: "7" };
    case "link":
      return { ...base, type, retentionDays: "7" };
    case "sftp":
      return { ...base, type, host: "", port: "22", user: "", auth: "key", password: "", privateKey: "", passphrase: "", saved: { password: false, privateKey: false, passphrase: false }, hostKey: "", directory: "." };
    case "webhook":
      return { ...base, type, url: "", headers: "" };
    case "api":
      return { ...base, type };
  }
}

/** A saved delivery, at `origin` in its schedule's list. */
export function deliveryDraft(d: Delivery, origin: number): DeliveryDraft {
  const base = { key: nextKey(), origin };
  switch (d.type) {
    case "email":
      return { ...base, type: "email", users: d.users.join(", "), addresses: d.addresses.join(", "), zip: d.zip, subject: d.subject, body: d.body, linkWhenTooLarge: d.linkWhenTooLarge, linkRetentionDays: String(d.linkRetentionDays) };
    case "link":
      return { ...base, type: "link", retentionDays: String(d.retentionDays) };
    case "sftp":
      return {
        ...base,
        type: "sftp",
        host: d.host,
        port: String(d.port),
        user: d.user,
        auth: d.privateKey !== undefined ? "key" : "password",
        password: "",
        privateKey: "",
        passphrase: "",
        saved: { password: d.password !== undefined, privateKey: d.privateKey !== undefined, passphrase: d.passphrase !== undefined },
        hostKey: d.hostKey,
        directory: d.directory,
      };
    case "webhook":
      return { ...base, type: "webhook", url: d.url, headers: Object.entries(d.headers).map(([k, v]) => `${k}: ${v}`).join("\n") };
    case "api":
      return { ...base, type: "api" };
  }
}

const list = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Parses a whole number of a field, noting a problem when it is not one from `min` to `max`. */
export type Whole = (field: string, text: string, min: number, max: number) => number;

/** The settings to send for the delivery at `index` (`at`: its path in messages). */
export function deliveryOf(d: DeliveryDraft, at: string, index: number, whole: Whole, problems: Problem[]): Delivery {
  /** A secret left blank: kept when the server has it at this place in the list. */
  const kept = (field: string, typed: string, saved: boolean): string | undefined => {
    if (typed !== "") return typed;
    if (!saved) return undefined;
    if (d.origin !== index) problems.push({ field: `${at}.${field}`, message: "type it again: this delivery moved in the list, and the server keeps a saved secret only in its old place" });
    return SECRET_SET;
  };
  switch (d.type) {
    case "email":
      return { type: "email", users: list(d.users), addresses: list(d.addresses), zip: d.zip, subject: d.subject, body: d.body, linkWhenTooLarge: d.linkWhenTooLarge, linkRetentionDays: whole(`${at}.linkRetentionDays`, d.linkRetentionDays, 1, 365) };
    case "link":
      return { type: "link", retentionDays: whole(`${at}.retentionDays`, d.retentionDays, 1, 365) };
    case "sftp": {
      const secrets =
        d.auth === "password"
          ? { password: kept("password", d.password, d.saved.password) }
          : { privateKey: kept("privateKey", d.privateKey, d.saved.privateKey), passphrase: kept("passphrase", d.passphrase, d.saved.passphrase) };
      const present = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined)) as Partial<Record<SftpSecret, string>>;
      return { type: "sftp", host: d.host.trim(), port: whole(`${at}.port`, d.port, 1, 65535), user: d.user.trim(), hostKey: d.hostKey.trim(), directory: d.directory.trim() || ".", ...present };
    }
    case "webhook":
      return { type: "webhook", url: d.url.trim(), headers: headersOf(d, at, index, problems) };
    case "api":
      return { type: "api" };
  }
}

function headersOf(d: WebhookDraft, at: string, index: number, problems: Problem[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [n, line] of d.headers.split("\n").entries()) {
    if (line.trim() === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      problems.push({ field: `${at}.headers`, message: `line ${n + 1}: write a header as Name: value` });
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (value === SECRET_SET && d.origin !== index) problems.push({ field: `${at}.headers`, message: `${name}: type the value again: this delivery moved in the list, and the server keeps a saved value only in its old place` });
    headers[name] = value;
  }
  return headers;
}
