/**
 * The XLSX format: one workbook of typed cells (`xlsx-writer.ts`). `xlsxWriter` uses Excel's row limit
 * per sheet; `xlsxWriterWith` takes another (tests roll sheets over with a small one).
 */
import type { WriterFactory } from "../port.js";
import type { XlsxOptions } from "./xlsx-writer.js";

export type { XlsxOptions };
export { EXCEL_MAX_ROWS } from "./limits.js";

export function xlsxWriterWith(options: XlsxOptions = {}): WriterFactory {
  return {
    format: "xlsx",
    extension: ".xlsx",
    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    // exceljs is loaded with the first workbook, not with every process that might write one.
    open: async (target, layout) => (await import("./xlsx-writer.js")).XlsxRecordWriter.open(target, layout, options),
  };
}

export const xlsxWriter: WriterFactory = xlsxWriterWith();
