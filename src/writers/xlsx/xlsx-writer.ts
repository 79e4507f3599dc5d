/**
 * The XLSX writer: exceljs's streaming workbook writer (no shared strings, styles on) writing into a
 * Writable that forwards every byte to the file sink, so the file is the owner-only `.partial`, hashed as
 * written. One sheet named from the title, a bold header row, then one row of typed cells per record,
 * committed at once (memory stays flat). A sheet holds `maxRowsPerSheet` rows with its header (Excel:
 * 1,048,576); the rows after continue on `<title> (2)`, `<title> (3)`… with the header repeated.
 */
import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import type { Column } from "../../core/entities/types.js";
import { cancelled } from "../../core/errors.js";
import { FileSink, type SunkFile } from "../file-sink.js";
import type { RecordLayout, RecordWriter, WriterTarget, WrittenFile } from "../port.js";
import { typedRow } from "../values.js";
import { sheetBacklog } from "./backlog.js";
import { EXCEL_MAX_ROWS } from "./limits.js";
import { cellColumn, cutWarnings, type CellColumn, type CellValue } from "./cells.js";
import { defaultTitle, sheetName } from "./sheet-name.js";

/** Uncompressed sheet XML let wait for the zip before the next batch of rows (see `backlog.ts`). */
const BACKLOG_BYTES = 4 << 20;
/** Rows between two looks at the backlog within a batch. */
const SETTLE_ROWS = 1000;


export interface XlsxOptions {
  /** Rows per sheet, the header included (default: Excel's limit). */
  maxRowsPerSheet?: number;
}

type Sheet = ExcelJS.Worksheet;

export class XlsxRecordWriter implements RecordWriter {
  private readonly typed: (row: readonly unknown[]) => unknown[];
  private readonly cells: CellColumn[];
  private readonly out: Writable;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly title: string;
  private readonly maxRows: number;
  private sheet: Sheet;
  private sheets = 1;
  private sheetRows = 0;
  private count = 0;
  private aborted = false;
  private failure: Error | undefined;

  private constructor(
    private readonly sink: FileSink,
    private readonly name: string,
    private readonly columns: readonly Column[],
    layout: RecordLayout,
    title: string,
    options: XlsxOptions,
  ) {
    this.typed = typedRow(layout);
    this.cells = columns.map(cellColumn);
    this.title = title;
    this.maxRows = Math.max(2, options.maxRowsPerSheet ?? EXCEL_MAX_ROWS);
    this.out = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _encoding, callback) => {
        // After an abort the zip may still push what it holds: it goes nowhere.
        if (this.aborted) callback();
        else sink.write(chunk).then(() => callback(), callback);
      },
    });
    this.out.on("error", (error) => {
      this.failure ??= error;
    });
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: this.out, useSharedStrings: false, useStyles: true });
    this.sheet = this.addSheet();
  }

  static async open(target: WriterTarget, layout: RecordLayout, options: XlsxOptions = {}): Promise<XlsxRecordWriter> {
    const sink = await FileSink.open(target.directory, target.name);
    try {
      const title = target.title ?? defaultTitle(target.name);
      return new XlsxRecordWriter(sink, target.name, layout.columns, layout, title, options);
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }

  get rows(): number {
    return this.count;
  }

  async write(rows: readonly (readonly unknown[])[]): Promise<void> {
    this.check();
    const cells = this.cells;
    const n = cells.length;
    for (const row of rows) {
      if (this.sheetRows >= this.maxRows) this.nextSheet();
      const values = this.typed(row);
      const line = new Array<CellValue>(n);
      for (let i = 0; i < n; i++) line[i] = cells[i]!.cell(values[i]);
      this.sheet.addRow(line).commit();
      this.sheetRows++;
      if (++this.count % SETTLE_ROWS === 0) await this.settle();
    }
    await this.settle();
  }

  /** Completes the workbook; a workbook that cannot be completed is removed. */
  async close(): Promise<WrittenFile> {
    this.check();
    let file: SunkFile;
    try {
      await this.workbook.commit();
      this.check();
      file = await this.sink.complete();
    } catch (error) {
      await this.abort();
      throw error;
    }
    const warnings = cutWarnings(this.columns, this.cells);
    const written: WrittenFile = { name: this.name, path: file.path, rows: this.count, bytes: file.bytes, sha256: file.sha256 };
    if (warnings.length > 0) written.warnings = warnings;
    return written;
  }

  async abort(): Promise<void> {
    this.aborted = true;
    await this.sink.abort();
  }

  private addSheet(): Sheet {
    const sheet = this.workbook.addWorksheet(sheetName(this.title, this.sheets), { views: [{ state: "frozen", ySplit: 1 }] });
    sheet.columns = this.columns.map((c, i) => {
      const cell = this.cells[i]!;
      return { key: c.name, width: cell.width ?? Math.min(50, Math.max(10, c.name.length + 2)), style: cell.numFmt ? { numFmt: cell.numFmt } : {} };
    });
    const header = sheet.addRow(this.columns.map((c) => c.name));
    header.font = { bold: true };
    header.commit();
    this.sheetRows = 1;
    return sheet;
  }

  private nextSheet(): void {
    this.sheet.commit();
    this.sheets++;
    this.sheet = this.addSheet();
  }

  /**
   * Lets the zip compress and hand on what the committed rows produced before more rows come: one
   * turn of the event loop, then waits while exceljs holds much uncompressed XML or the file is behind.
   */
  private async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while ((sheetBacklog(this.sheet) > BACKLOG_BYTES || this.out.writableNeedDrain) && !this.failure && !this.aborted) {
      await new Promise<void>((resolve) => setTimeout(resolve, 2));
    }
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.aborted) throw cancelled("the file");
  }
}
