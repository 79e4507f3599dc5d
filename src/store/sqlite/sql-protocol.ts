/** Messages between the SQL threads of the embedded store (`sql-worker.ts`) and their pool (`sql.ts`). */
import type { Viewer } from "../../core/access.js";
import type { SqlColumn, SqlStatement } from "../../core/sql-catalog.js";

/** Indexes into a query's shared flags: batches the thread may still send, and the stop request. */
export const CREDITS = 0;
export const STOP = 1;

export interface RunMessage {
  type: "run";
  query: number;
  statement: SqlStatement;
  viewer: Viewer;
  flags: SharedArrayBuffer;
}

export type WorkerReply =
  | { type: "ready" }
  /** `encoded: "csv"`: the rows come as `csv` messages, CSV records rendered by SQLite. */
  | { type: "columns"; query: number; columns: SqlColumn[]; encoded?: "csv" }
  | { type: "rows"; query: number; rows: unknown[][] }
  /** RFC 4180 records, each ending in CRLF (no header). */
  | { type: "csv"; query: number; text: string }
  | { type: "end"; query: number; rowCount: number; truncated: boolean }
  | { type: "error"; query: number; code: string; message: string; offset?: number };

