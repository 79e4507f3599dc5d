/**
 * One thread that runs user SQL on the embedded store (`sql.ts` keeps a few): a read-only connection
 * with `query_only`, guarded by the `sluice_sql` extension (native/sluice_sql.c) — SQLite's own parser
 * and authorizer decide what a statement reads and calls, so no grammar can disagree with the engine.
 * The site's tables are temp views over the store (src/core/sql-catalog.ts); rows a viewer may not
 * browse are left out by the views themselves (their scope filter reads the viewer's scope keys from
 * a temp table), so joins, subqueries, CTEs, UNION and window functions see only those rows.
 *
 * Rows go back in batches; the thread waits for a credit before each batch (`flags[CREDITS]`), so a
 * slow reader holds the statement, not memory. `flags[STOP]` ends the wait when the query is stopped.
 *
 * An answer in CSV is rendered inside SQLite instead (`sluice_csv_record`, native/sluice_csv.c, byte for
 * byte what `csvField` makes of the values below) and read ~256 KB at a time by `sluice_sql_read`, so no
 * value crosses into JavaScript: the statement is wrapped, `WITH sluice_csv_rows(c1, …) AS (<statement>)
 * SELECT sluice_csv_record(…) FROM sluice_csv_rows` (SQLite keeps the statement's order: the outer
 * query has no ORDER BY of its own and one FROM term), prepared armed like the statement itself. Where
 * the wrapper does not prepare (more values than a function takes, a statement ending inside a comment),
 * or without the extension, the rows come as values and the API's thread renders them.
 */
import { randomBytes } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Viewer } from "../../core/access.js";
import { SQLITE_FUNCTIONS } from "../../core/sql-functions.js";
import { sqlTypeOf, storedColumn, type SqlStatement, type SqlType } from "../../core/sql-catalog.js";
import { paramCountError } from "../../core/sql-errors.js";
import { compileBrowsable } from "../../query/compile.js";
import { sqliteDialect } from "./query-dialect.js";
import { quoteIdent } from "./schema.js";
import { siteViews } from "./sql-views.js";
import { CREDITS, STOP, type RunMessage, type WorkerReply } from "./sql-protocol.js";

const { file, extension, csvExtension, slot } = workerData as { file: string; extension: string; csvExtension?: string; slot: number };
const port = parentPort!;
const BATCH_ROWS = 500;
const BATCH_BYTES = 256 * 1024;

const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
db.loadExtension(extension);
const nonce = randomBytes(24).toString("hex");
db.prepare("SELECT sluice_sql_init(?)").get(nonce);
for (const name of SQLITE_FUNCTIONS) db.prepare("SELECT sluice_sql_allow(?, 'function', ?)").get(nonce, name);
const arm = db.prepare("SELECT sluice_sql_arm(?, ?, ?)");
const disarm = db.prepare("SELECT sluice_sql_disarm(?) AS why").pluck();
const check = db.prepare("SELECT sluice_sql_check(?, ?) AS answer").pluck();
const openRecords = db.prepare("SELECT sluice_sql_open(?, ?)").pluck();
const bindRecords = db.prepare("SELECT sluice_sql_bind(?, ?, ?)").pluck();
const readRecords = db.prepare("SELECT sluice_sql_read(?, ?, ?)").pluck();
const rendersCsv = loadCsvExtension();

/** The `sluice_csv` extension, whose `sluice_csv_record` user SQL may call too (it reads only its arguments). */
function loadCsvExtension(): boolean {
  if (!csvExtension) return false;
  try {
    db.loadExtension(csvExtension);
  } catch {
    return false;
  }
  db.prepare("SELECT sluice_sql_allow(?, 'function', 'sluice_csv_record')").get(nonce);
  return true;
}

let viewsFor = "";

/** The site's temp views (once per site switch) and the viewer's scope keys (every query). */
function prepareSite(s: SqlStatement, viewer: Viewer): void {
  db.pragma("query_only = 0");
  const key = `${s.siteId}|${s.instanceUrl}`;
  if (viewsFor !== key) {
    db.transaction(() => {
      for (const { name } of db.prepare("SELECT name FROM temp.sqlite_master WHERE type = 'view'").all() as { name: string }[]) {
        db.exec(`DROP VIEW temp.${quoteIdent(name)}`);
      }
      db.exec("CREATE TABLE IF NOT EXISTS temp.sluice_viewer (all_rows INTEGER NOT NULL)");
      db.exec("CREATE TABLE IF NOT EXISTS temp.sluice_viewer_scopes (scope_key TEXT PRIMARY KEY) WITHOUT ROWID");
      db.prepare("SELECT sluice_sql_allow(?, 'table', NULL)").get(nonce);
      for (const view of siteViews(s, true)) {
        db.exec(view.ddl);
        db.prepare("SELECT sluice_sql_allow(?, 'table', ?)").get(nonce, view.name);
      }
    })();
    viewsFor = key;
  }
  db.transaction(() => {
    db.exec("DELETE FROM temp.sluice_viewer; DELETE FROM temp.sluice_viewer_scopes");
    db.prepare("INSERT INTO temp.sluice_viewer VALUES (?)").run(viewer.all ? 1 : 0);
    const scopes = viewer.all ? undefined : compileBrowsable(s.product, s.siteId, viewer, sqliteDialect);
    if (scopes) db.prepare(`INSERT OR IGNORE INTO temp.sluice_viewer_scopes ${scopes.sql}`).run(...(scopes.parameters as unknown[]));
  })();
  db.pragma("query_only = 1");
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

/**
 * The answer of `sluice_sql_check`, as a refusal, or where the statement ends (UTF-8 bytes, its `;` left
 * out) when it may run.
 */
function checked(sql: string, params: number): number {
  const answer = String(check.get(nonce, sql));
  const [verdict, a, b] = answer.split("\t");
  switch (verdict) {
    case "ok":
      if (Number(a) !== params) {
        throw new Refusal("sluice.sql.params.invalid", paramCountError(Number(a), params).message);
      }
      return Number(b);
    case "params":
      throw new Refusal("sluice.sql.params.invalid", `Parameters are written $1, $2, … (the same on both stores); this statement has ${a}.`);
    case "empty":
      throw new Refusal("sluice.sql.invalid", "The statement is empty: send one SELECT.");
    case "multiple":
      throw new Refusal("sluice.sql.refused", "Only one statement is allowed: remove what follows the first `;`.");
    case "write":
      throw new Refusal("sluice.sql.refused", "Only SELECT is allowed: this statement would change the database.");
    case "denied":
      throw new Refusal(/^no such table/.test(a ?? "") ? "sluice.sql.invalid" : "sluice.sql.refused", a ?? "refused");
    default: {
      const offset = Number(a);
      const message = b ?? "invalid statement";
      const readonlyHint = /^cannot modify|^attempt to write|readonly/.test(message) ? "Only SELECT is allowed: " : "";
      throw new Refusal(readonlyHint ? "sluice.sql.refused" : "sluice.sql.invalid", readonlyHint + message, offset >= 0 ? offset : undefined);
    }
  }
}


/** `$1`, `$2`, … bound by name (better-sqlite3 drops the `$`). */
function bound(params: readonly unknown[]): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  params.forEach((value, i) => (named[String(i + 1)] = typeof value === "boolean" ? (value ? 1 : 0) : value));
  return named;
}

/** The statement whose one column is the CSV record of each row of the user's, in its order. */
function recordsSql(sql: string, end: number, booleans: readonly boolean[]): string {
  const statement = Buffer.from(sql, "utf8").subarray(0, end).toString("utf8");
  const names = booleans.map((_, i) => `c${i + 1}`).join(", ");
  const spec = booleans.map((b) => (b ? "b" : "v")).join("");
  // The line break before `)` ends a `--` comment the statement may end with.
  return `WITH sluice_csv_rows(${names}) AS (\n${statement}\n) SELECT sluice_csv_record('${spec}', ${names}) FROM sluice_csv_rows`;
}

/** Opens the records statement with the parameters bound; false where it does not prepare. */
function openedRecords(sql: string, params: readonly unknown[]): boolean {
  try {
    openRecords.get(nonce, sql);
  } catch {
    return false;
  }
  for (const [name, value] of Object.entries(bound(params))) bindRecords.get(nonce, `$${name}`, value);
  return true;
}

/** One answer of `sluice_sql_read`: `n<TAB>end<TAB>records`. */
function readAnswer(answer: string): { rows: number; end: boolean; text: string } {
  const a = answer.indexOf("\t");
  const b = answer.indexOf("\t", a + 1);
  return { rows: Number(answer.slice(0, a)), end: answer.slice(a + 1, b) === "1", text: answer.slice(b + 1) };
}

function typeOfValue(value: unknown): SqlType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number" || typeof value === "bigint") return Number.isInteger(value) ? "integer" : "decimal";
  return "text";
}

function waitForCredit(flags: Int32Array): boolean {
  while (Atomics.load(flags, CREDITS) <= 0) {
    if (Atomics.load(flags, STOP) !== 0) return false;
    Atomics.wait(flags, CREDITS, 0, 100);
  }
  if (Atomics.load(flags, STOP) !== 0) return false;
  Atomics.sub(flags, CREDITS, 1);
  return true;
}

function run(m: RunMessage): void {
  const s = m.statement;
  const flags = new Int32Array(m.flags);
  let armed = false;
  try {
    prepareSite(s, m.viewer);
    const end = checked(s.sql, s.params.length);
    arm.get(nonce, slot, m.query);
    armed = true;
    /** The statement ran to its end (or its row limit): disarm, and say so unless it was stopped. */
    const ended = (rowCount: number, truncated: boolean) => {
      const why = disarm.get(nonce) as string;
      armed = false;
      if (why) throw new Refusal("stopped", why);
      port.postMessage({ type: "end", query: m.query, rowCount, truncated } satisfies WorkerReply);
    };
    const stmt = db.prepare(s.sql);
    if (!stmt.reader || !stmt.readonly) throw new Refusal("sluice.sql.refused", "Only SELECT is allowed.");
    stmt.raw(true);
    const origin = stmt.columns().map((c) => (c.table && c.column ? storedColumn(s.product, c.table, c.column) : undefined));
    const booleans = origin.map((c) => c?.type === "boolean");
    const names = stmt.columns().map((c) => c.name);
    const types: (SqlType | undefined)[] = origin.map((c) => (c ? sqlTypeOf(c) : undefined));
    let batch: unknown[][] = [];
    let bytes = 0;
    let rowCount = 0;
    let truncated = false;
    let columnsSent = false;
    if (s.format === "csv" && rendersCsv && openedRecords(recordsSql(s.sql, end, booleans), s.params)) {
      // The first batch is at most BATCH_ROWS records, as with values: a statement failing before then
      // is still answered with its error instead of a broken stream.
      for (;;) {
        const left = s.maxRows - rowCount;
        const read = readAnswer(String(readRecords.get(nonce, BATCH_BYTES, columnsSent ? left : Math.min(left, BATCH_ROWS))));
        if (!columnsSent) {
          // The header names the columns; their types are not part of a CSV answer.
          port.postMessage({ type: "columns", query: m.query, columns: names.map((name, i) => ({ name, type: types[i] ?? "text" })), encoded: "csv" } satisfies WorkerReply);
          columnsSent = true;
        }
        if (left === 0) {
          truncated = !read.end;
          break;
        }
        rowCount += read.rows;
        if (read.text.length > 0) {
          if (!waitForCredit(flags)) throw new Refusal("stopped", "stopped");
          port.postMessage({ type: "csv", query: m.query, text: read.text } satisfies WorkerReply);
        }
        if (read.end) break;
      }
      ended(rowCount, truncated);
      return;
    }
    const flush = (): boolean => {
      if (!columnsSent) {
        for (const row of batch) row.forEach((v, i) => (types[i] ??= typeOfValue(v)));
        port.postMessage({ type: "columns", query: m.query, columns: names.map((name, i) => ({ name, type: types[i] ?? "text" })) } satisfies WorkerReply);
        columnsSent = true;
      }
      if (batch.length === 0) return true;
      if (!waitForCredit(flags)) return false;
      port.postMessage({ type: "rows", query: m.query, rows: batch } satisfies WorkerReply);
      batch = [];
      bytes = 0;
      return true;
    };
    let stopped = false;
    for (const raw of stmt.iterate(bound(s.params)) as IterableIterator<unknown[]>) {
      if (rowCount === s.maxRows) {
        truncated = true;
        break;
      }
      for (let i = 0; i < raw.length; i++) {
        const v = raw[i];
        if (booleans[i] && (v === 0 || v === 1)) raw[i] = v === 1;
        else if (typeof v === "string") bytes += v.length;
        else if (Buffer.isBuffer(v)) raw[i] = v.toString("base64");
      }
      batch.push(raw);
      rowCount++;
      bytes += raw.length * 8;
      // The first batch is full before the columns go: their types come from its values.
      if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) {
        if (!flush()) {
          stopped = true;
          break;
        }
      }
    }
    if (stopped) throw new Refusal("stopped", "stopped");
    if (!flush()) throw new Refusal("stopped", "stopped");
    ended(rowCount, truncated);
  } catch (error) {
    const why = armed ? (disarm.get(nonce) as string) : "";
    const e = error as { code?: string; message?: string; offset?: number };
    if (error instanceof Refusal && error.code !== "stopped") {
      port.postMessage({ type: "error", query: m.query, code: error.code, message: error.message, ...(error.offset !== undefined ? { offset: error.offset } : {}) } satisfies WorkerReply);
    } else if (why || error instanceof Refusal || e.code === "SQLITE_INTERRUPT") {
      const reason = why || (error instanceof Refusal ? error.message : "cancelled");
      port.postMessage({ type: "error", query: m.query, code: reason === "timeout" ? "sluice.sql.timeout" : "sluice.sql.cancelled", message: reason } satisfies WorkerReply);
    } else if (e instanceof RangeError || /parameter/i.test(e.message ?? "")) {
      port.postMessage({ type: "error", query: m.query, code: "sluice.sql.params.invalid", message: String(e.message) } satisfies WorkerReply);
    } else {
      port.postMessage({ type: "error", query: m.query, code: "sluice.sql.invalid", message: String(e.message ?? error) } satisfies WorkerReply);
    }
  }
}

port.on("message", (m: RunMessage) => run(m));
port.postMessage({ type: "ready" } satisfies WorkerReply);
