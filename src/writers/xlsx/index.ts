/**
 * The XLSX format: one workbook of typed cells (`xlsx-writer.ts`). `xlsxWriter` uses Excel's row limit
 * per sheet; `xlsxWriterWith` takes another (tests roll sheets over with a small one).
 */
import type { WriterFactory } from "../port.js";
import { XlsxRecordWriter, type XlsxOptions } from "./xlsx-writer.js";

export type { XlsxOptions };
export { EXCEL_MAX_ROWS } from "./xlsx-writer.js";

export function xlsxWriterWith(options: XlsxOptions = {}): WriterFactory {
  return {
    format: "xlsx",
    extension: ".xlsx",
    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    open: (target, layout) => XlsxRecordWriter.open(target, layout, options),
  };
}

export const xlsxWriter: WriterFactory = xlsxWriterWith();
