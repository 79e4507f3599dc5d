/**
 * `{{name}}` placeholders of file names, webhook URLs and email templates: the seed's list
 * (`exportConfigName exportConfigId reportDate jql format rows sizeMb`), filled from a run. An unknown
 * name is left as written (and refused when a schedule is saved: `unknownPlaceholders`).
 */
import type { Placeholders } from "./port.js";

export const PLACEHOLDER_NAMES = ["exportConfigName", "exportConfigId", "reportDate", "jql", "format", "rows", "sizeMb"] as const;

const PATTERN = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** `template` with each known placeholder replaced by `encode(value)`. */
export function fill(template: string, values: Placeholders | (Placeholders & { link: string }), encode: (v: string) => string = (v) => v): string {
  const known = values as unknown as Record<string, string>;
  return template.replace(PATTERN, (whole, name: string) => (Object.hasOwn(known, name) ? encode(known[name]!) : whole));
}

/** The placeholder names of a template that are not known (beside `extra` a kind adds). */
export function unknownPlaceholders(template: string, extra: readonly string[] = []): string[] {
  const known = new Set<string>([...PLACEHOLDER_NAMES, ...extra]);
  return [...template.matchAll(PATTERN)].map((m) => m[1]!).filter((n) => !known.has(n));
}

/** A file name made safe for every target: no path separators, control characters or leading dots. */
export function safeFileName(name: string): string {
  const cleaned = [...name].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || '/\\:*?"<>|'.includes(c) ? "_" : c)).join("").replace(/_+/g, "_").replace(/^\.+/, "").trim();
  return cleaned.slice(0, 200) || "report";
}
