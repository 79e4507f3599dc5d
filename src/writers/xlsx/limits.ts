/** What one Excel worksheet holds. */

/** Rows of one Excel sheet, the header included. */
export const EXCEL_MAX_ROWS = 1_048_576;
