/**
 * Worksheet names by Excel's rules: at most 31 characters, none of `[ ] : * ? / \`, not starting or
 * ending with an apostrophe, not empty. A sheet after the first of a file is `<title> (n)`, the title cut
 * so that the suffix fits.
 */
import { truncate } from "../../core/csv.js";

export const SHEET_NAME_MAX = 31;

const FORBIDDEN = /[[\]:*?/\\]/g;

/** The name of sheet `index` (1-based) of a file titled `title`. */
export function sheetName(title: string, index = 1): string {
  const suffix = index > 1 ? ` (${index})` : "";
  let base = title.replace(FORBIDDEN, "_").replace(/^'+|'+$/g, "").trim();
  if (base.length === 0) base = "Sheet";
  base = truncate(base, SHEET_NAME_MAX - suffix.length).replace(/'+$/, "").trimEnd();
  return (base.length > 0 ? base : "Sheet") + suffix;
}

/** The file name without its extension: the default title. */
export function defaultTitle(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}
