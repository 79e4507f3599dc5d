/**
 * Typed XLSX cells of a file column: numbers, booleans, dates (JS `Date` in UTC with a date number
 * format) and strings, their line breaks as LF. Strings longer than Excel's cell limit (32,767
 * characters) are cut to it without splitting a surrogate pair, and counted so that the file can say
 * which columns lost text.
 */
import { truncate } from "../../core/csv.js";
import type { Column } from "../../core/entities/types.js";
import { valueType } from "../values.js";

/** Excel's limit on the characters of one cell. */
export const CELL_CHARS_MAX = 32_767;

const CR_LINE_BREAK = /\r\n?/g;

export type CellValue = string | number | boolean | Date | null;

export interface CellColumn {
  /** The cell value of a typed value (`writers/values.ts`). */
  cell: (v: unknown) => CellValue;
  /** Number format of the column's cells, for dates. */
  numFmt?: string;
  /** Display width, in characters. */
  width?: number;
  /** Cells of this column cut to the cell limit so far. */
  readonly cut: number;
}

function stringColumn(): CellColumn {
  const column = {
    cut: 0,
    cell: (v: unknown): CellValue => {
      if (v === null || v === undefined) return null;
      let s = String(v);
      // XML reads CR LF and CR as LF (and LF is Excel's line break): written so, whatever the reader.
      if (s.includes("\r")) s = s.replace(CR_LINE_BREAK, "\n");
      if (s.length <= CELL_CHARS_MAX) return s;
      column.cut++;
      return truncate(s, CELL_CHARS_MAX);
    },
  };
  return column;
}

export function cellColumn(column: Column): CellColumn {
  switch (valueType(column)) {
    case "integer":
    case "decimal":
      return { cut: 0, cell: (v) => (typeof v === "number" ? v : null) };
    case "boolean":
      return { cut: 0, cell: (v) => (typeof v === "boolean" ? v : null) };
    case "datetime":
      return { cut: 0, numFmt: "yyyy-mm-dd hh:mm:ss", width: 20, cell: (v) => (typeof v === "string" ? new Date(v) : null) };
    case "date":
      return { cut: 0, numFmt: "yyyy-mm-dd", width: 12, cell: (v) => (typeof v === "string" ? new Date(`${v}T00:00:00Z`) : null) };
    default:
      return stringColumn();
  }
}

/** Warnings for columns whose cells were cut to the limit. */
export function cutWarnings(columns: readonly Column[], cells: readonly CellColumn[]): string[] {
  const warnings: string[] = [];
  cells.forEach((c, i) => {
    if (c.cut > 0) {
      const cells = c.cut === 1 ? "1 cell" : `${c.cut} cells`;
      warnings.push(`column ${columns[i]!.name}: ${cells} cut to Excel's limit of ${CELL_CHARS_MAX} characters`);
    }
  });
  return warnings;
}
