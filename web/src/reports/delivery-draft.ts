/**
 * A delivery as the editor holds it (text fields as typed) and the settings the API takes. Secrets the
 * server already keeps are not shown: left blank they go back as `<set>` with the delivery's id, which
 * keeps them wherever the delivery moved in the list.
 */
import { SECRET_SET } from "../api/reports.js";
import type { Delivery, DeliveryType } from "../api/reports.js";
import type { Problem } from "./api-problems.js";

interface DraftBase {
  /** A stable key for the list. */
  key: number;
  /** The server's id of a saved delivery; null when new (or its type changed). */
  id: string | null;
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
  const base = { key: nextKey(), id: null };
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

/** A saved delivery of a schedule. */
export function deliveryDraft(d: Delivery): DeliveryDraft {
  const base = { key: nextKey(), id: d.id ?? null };
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

/** The settings to send for a delivery, with its id when saved (`at`: its path in messages). */
export function deliveryOf(d: DeliveryDraft, at: string, whole: Whole, problems: Problem[]): Delivery {
  return { ...settingsOf(d, at, whole, problems), ...(d.id !== null ? { id: d.id } : {}) };
}

function settingsOf(d: DeliveryDraft, at: string, whole: Whole, problems: Problem[]): Delivery {
  /** A secret left blank: kept when the server has one (sent back as `<set>` with the delivery's id). */
  const kept = (typed: string, saved: boolean): string | undefined => {
    if (typed !== "") return typed;
    return saved ? SECRET_SET : undefined;
  };
  switch (d.type) {
    case "email":
      return { type: "email", users: list(d.users), addresses: list(d.addresses), zip: d.zip, subject: d.subject, body: d.body, linkWhenTooLarge: d.linkWhenTooLarge, linkRetentionDays: whole(`${at}.linkRetentionDays`, d.linkRetentionDays, 1, 365) };
    case "link":
      return { type: "link", retentionDays: whole(`${at}.retentionDays`, d.retentionDays, 1, 365) };
    case "sftp": {
      const secrets =
        d.auth === "password"
          ? { password: kept(d.password, d.saved.password) }
          : { privateKey: kept(d.privateKey, d.saved.privateKey), passphrase: kept(d.passphrase, d.saved.passphrase) };
      const present = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== undefined)) as Partial<Record<SftpSecret, string>>;
      return { type: "sftp", host: d.host.trim(), port: whole(`${at}.port`, d.port, 1, 65535), user: d.user.trim(), hostKey: d.hostKey.trim(), directory: d.directory.trim() || ".", ...present };
    }
    case "webhook":
      return { type: "webhook", url: d.url.trim(), headers: headersOf(d, at, problems) };
    case "api":
      return { type: "api" };
  }
}

function headersOf(d: WebhookDraft, at: string, problems: Problem[]): Record<string, string> {
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
    headers[name] = value;
  }
  return headers;
}
