/** Display formatting: numbers, sizes, durations, times, status names. */
import type { JobStatus, Product } from "../api/types.js";

export const STATUS_NAMES: Record<JobStatus, string> = {
  QUEUED: "Queued",
  STARTED: "Started",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLATION_REQUESTED: "Cancellation requested",
  CANCELLED: "Cancelled",
};

export function statusName(status: JobStatus | null | undefined): string {
  return status ? (STATUS_NAMES[status] ?? status) : "Not started";
}

export function isRunning(status: JobStatus | null | undefined): boolean {
  return status === "STARTED" || status === "CANCELLATION_REQUESTED";
}

/** Not finished yet: queued, running or being cancelled. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ["QUEUED", "STARTED", "CANCELLATION_REQUESTED"];

export function isActive(status: JobStatus | null | undefined): boolean {
  return !!status && ACTIVE_STATUSES.includes(status);
}

export const PRODUCT_NAMES: Record<Product, string> = {
  jira: "Jira",
  confluence: "Confluence",
  bitbucket: "Bitbucket",
};

export function productName(product: string): string {
  return PRODUCT_NAMES[product as Product] ?? product;
}

const integer = new Intl.NumberFormat("en");

export function count(n: number | null | undefined): string {
  return typeof n === "number" && Number.isFinite(n) ? integer.format(Math.round(n)) : "–";
}

export function bytes(n: number | null | undefined): string {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 1) return "< 1 s";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** Seconds between two ISO instants, or null. */
export function secondsBetween(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, (b - a) / 1000) : null;
}

/** An ISO time as the server wrote it (its zone), made readable: `2024-05-01 14:03:12 +02:00`. */
export function time(iso: string | null | undefined): string {
  if (!iso) return "–";
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?/.exec(iso);
  if (!match) return iso;
  const zone = match[3] === "Z" ? "UTC" : (match[3] ?? "");
  return `${match[1]} ${match[2]}${zone ? ` ${zone}` : ""}`;
}

/** A `datetime-local` value (browser's zone) as an ISO-8601 offset date-time for the API. */
export function localInputToIso(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, "0");
  const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An ISO offset date-time as a `datetime-local` value in the browser's zone. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
