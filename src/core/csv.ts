/** The CSV rules an export is written with (settings of `export` in the config). */
export interface CsvOptions {
  embeddedLineBreakPreserve: boolean;
  embeddedLineBreakEscape: string;
  descriptionMaxLength: number;
  pageContentMaxLength: number;
}

/**
 * The escape string can be written without quoting of its own: no `,` `"` CR or LF in it. Stores
 * that render CSV themselves (PostgreSQL `COPY`) need this and escaped line breaks.
 */
export function storeRenderable(options: CsvOptions): boolean {
  return !options.embeddedLineBreakPreserve && !/[",\r\n]/.test(options.embeddedLineBreakEscape);
}
