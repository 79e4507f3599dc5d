/**
 * The errors of user SQL, the same on both stores: a statement refused or failed at a known place (the
 * line and column in the message and in the body's `position`), a parameter count that does not match,
 * and a statement stopped by its deadline or by its caller.
 */
import { SluiceError, type ErrorCode } from "./errors.js";

export interface SqlPosition {
  line: number;
  column: number;
  offset: number;
}

/** Line and column (1-based) of a 0-based offset in code points into `sql`. */
export function positionAt(sql: string, offset: number): SqlPosition {
  const before = Array.from(sql).slice(0, Math.max(0, offset));
  let line = 1;
  let column = 1;
  for (const ch of before) {
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column, offset: before.length };
}

/** A statement's error; with `offset` (code points into `sql`) the place is said too. */
export function sqlError(code: ErrorCode, message: string, sql: string, offset?: number): SluiceError {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  if (offset === undefined) return new SluiceError(code, text);
  const position = positionAt(sql, offset);
  const said = `${text} (line ${position.line}, column ${position.column})`;
  return new SluiceError(code, said, { details: { position }, problems: [{ key: code, message: said, position }] });
}

/** The statement uses `$1` … `$expected`, but `sent` values came. */
export function paramCountError(expected: number, sent: number): SluiceError {
  return new SluiceError(
    "sluice.sql.params.invalid",
    `The statement has ${expected} parameter${expected === 1 ? "" : "s"} ($1, $2, …) but ${sent} value${sent === 1 ? " was" : "s were"} sent in params.`,
  );
}

/** A statement stopped before its end: past its deadline, or cancelled by its caller. */
export function sqlStopped(reason: "timeout" | "cancelled", timeoutMs: number): SluiceError {
  return reason === "timeout"
    ? new SluiceError("sluice.sql.timeout", `The statement ran longer than its limit of ${timeoutMs} ms and was stopped.`, { details: { timeoutMs } })
    : new SluiceError("sluice.sql.cancelled", "The statement was cancelled.");
}
