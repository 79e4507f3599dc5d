import type { Column, TruncateSetting } from "./entities/types.js";

/** The CSV rules an export is written with (settings of `export` in the config). */
export interface CsvOptions {
  embeddedLineBreakPreserve: boolean;
  embeddedLineBreakEscape: string;
  descriptionMaxLength: number;
  pageContentMaxLength: number;
}

/** The escape string can be written without quoting of its own: no `,` `"` CR or LF in it. */
export function plainEscape(escape: string): boolean {
  return !/[",\r\n]/.test(escape);
}

/** Stores that render CSV themselves (PostgreSQL `COPY`) need escaped line breaks and a plain escape. */
export function storeRenderable(options: CsvOptions): boolean {
  return !options.embeddedLineBreakPreserve && plainEscape(options.embeddedLineBreakEscape);
}

/** The length long text of a column is cut to (Infinity: not cut). */
export function maxLength(setting: TruncateSetting | undefined, options: Pick<CsvOptions, "descriptionMaxLength" | "pageContentMaxLength">): number {
  if (setting === "descriptionMaxLength") return options.descriptionMaxLength;
  if (setting === "pageContentMaxLength") return options.pageContentMaxLength;
  return Infinity;
}

/** Cuts a string to `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/**
 * What a writer's bytes are, for a store that can render them itself (`Snapshot.encode`): CSV records
 * of these columns, by these rules, with this instance URL.
 */
export interface RecordEncoding {
  format: "csv";
  /** The file's columns, in order. */
  columns: readonly Column[];
  csv: CsvOptions;
  instanceUrl: string;
}

/** Records rendered in an encoding (header excluded, each record complete), and how many they are. */
export interface EncodedChunk {
  bytes: Buffer;
  rows: number;
}
