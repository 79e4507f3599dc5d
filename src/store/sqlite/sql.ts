/**
 * User SQL on the embedded store: a few worker threads (`sql-worker.ts`), each with its own read-only,
 * guarded connection, so a slow query never blocks the server. The deadline is kept here: when it
 * passes (or the caller aborts), `sluice_sql_interrupt` stops the statement inside SQLite
 * (sqlite3_interrupt) and the answer says why. Statements beyond the free threads wait their turn.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import type { Viewer } from "../../core/access.js";
import { SluiceError, type ErrorCode } from "../../core/errors.js";
import type { SqlRows, SqlStatement } from "../../core/sql-catalog.js";
import { sqlError, sqlStopped } from "../../core/sql-errors.js";
import type { SqlRepo } from "../port.js";
import { CREDITS, STOP, type RunMessage, type WorkerReply } from "./sql-protocol.js";

const LIBRARY = process.platform === "darwin" ? "dylib" : "so";
const EXTENSION = fileURLToPath(new URL(`../../../native/sluice_sql.${LIBRARY}`, import.meta.url));
/** Renders CSV answers inside SQLite (`sluice_csv_record`); without it the API's thread renders them. */
const CSV_EXTENSION = fileURLToPath(new URL(`../../../native/sluice_csv.${LIBRARY}`, import.meta.url));
const WORKER = new URL("./sql-worker.js", import.meta.url);
/** Statements waiting for a thread beyond this are refused (429) rather than queued without end. */
const MAX_WAITING = 64;
/** Batches a thread may send ahead of the reader. */
const AHEAD = 2;

interface Lane {
  slot: number;
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  /** Messages of the running query. */
  listener?: (reply: WorkerReply) => void;
  failed?: Error;
}

export interface SqliteSqlOptions {
  threads: number;
}

/** A worker's error reply: its place is a UTF-8 byte offset into the statement. */
function replyError(code: string, message: string, byteOffset: number | undefined, sql: string): SluiceError {
  const offset = byteOffset === undefined ? undefined : Array.from(Buffer.from(sql, "utf8").subarray(0, byteOffset).toString("utf8")).length;
  return sqlError(code as ErrorCode, message, sql, offset);
}

export function sqliteSql(file: string, options: SqliteSqlOptions = { threads: 2 }): SqlRepo {
  const available = existsSync(EXTENSION);
  const lanes: Lane[] = [];
  const waiting: ((lane: Lane) => void)[] = [];
  let nextQuery = 1;
  let interrupter: Database.Statement | undefined;
  let interruptDb: Database.Database | undefined;

  function interrupt(slot: number, query: number, reason: string): void {
    if (!interrupter) {
      interruptDb = new Database(":memory:");
      interruptDb.loadExtension(EXTENSION);
      interrupter = interruptDb.prepare("SELECT sluice_sql_interrupt(?, ?, ?)");
    }
    interrupter.get(slot, query, reason);
  }

  function startLane(slot: number): Lane {
    const csvExtension = existsSync(CSV_EXTENSION) ? CSV_EXTENSION : undefined;
    const worker = new Worker(WORKER, { workerData: { file, extension: EXTENSION, csvExtension, slot } });
    const lane: Lane = { slot, worker, busy: false, ready: Promise.resolve() };
    lane.ready = new Promise((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    lane.ready.catch(() => undefined);
    worker.on("message", (reply: WorkerReply) => lane.listener?.(reply));
    worker.on("error", (error) => {
      lane.failed = error;
      lane.listener?.({ type: "error", query: 0, code: "sluice.sql.invalid", message: error.message });
    });
    worker.unref();
    return lane;
  }

  async function acquire(): Promise<Lane> {
    if (lanes.length === 0) for (let i = 0; i < Math.max(1, options.threads); i++) lanes.push(startLane(i));
    const free = lanes.find((l) => !l.busy && !l.failed);
    if (free) {
      free.busy = true;
      return free;
    }
    const broken = lanes.findIndex((l) => l.failed);
    if (broken >= 0) {
      void lanes[broken]!.worker.terminate();
      const lane = startLane(lanes[broken]!.slot);
      lanes[broken] = lane;
      lane.busy = true;
      return lane;
    }
    if (waiting.length >= MAX_WAITING) {
      throw new SluiceError("sluice.sql.busy", `${waiting.length} SQL statements are already waiting for a thread; try again in a moment.`, { retryable: true });
    }
    return new Promise((resolve) => waiting.push(resolve));
  }

  function release(lane: Lane): void {
    lane.listener = undefined;
    lane.worker.unref();
    const next = waiting.shift();
    if (next) next(lane);
    else lane.busy = false;
  }

  async function run(statement: SqlStatement, viewer: Viewer, signal: AbortSignal): Promise<SqlRows> {
    if (!available) {
      throw new SluiceError("sluice.sql.unavailable", "SQL on the embedded store needs Sluice's SQLite guard, which was not built on this machine (no C compiler at install time): install one (cc) and run npm install again.");
    }
    const lane = await acquire();
    // Held open while a statement runs (its answer is awaited), let go when idle.
    lane.worker.ref();
    await lane.ready;
    const query = nextQuery++;
    const flags = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(flags, CREDITS, AHEAD);
    /** Batches of values, or of CSV records (strings) when the thread renders them. */
    const batches: (unknown[][] | string)[] = [];
    let end: { rowCount: number; truncated: boolean } | undefined;
    let failure: SluiceError | undefined;
    let wake: (() => void) | undefined;
    let settled = false;
    let stopReason: string | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const stop = (reason: string) => {
      if (settled) return;
      stopReason ??= reason;
      Atomics.store(flags, STOP, 1);
      Atomics.notify(flags, CREDITS);
      interrupt(lane.slot, query, reason);
    };
    // Re-sent until the statement ends: an interrupt that lands between two steps is dropped by SQLite.
    let retry: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      stop("timeout");
      retry = setInterval(() => interrupt(lane.slot, query, "timeout"), 200);
    }, statement.timeoutMs);
    const onAbort = () => stop("cancelled");
    signal.addEventListener("abort", onAbort);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (retry) clearInterval(retry);
      signal.removeEventListener("abort", onAbort);
      release(lane);
    };

    const columns = new Promise<{ columns: SqlRows["columns"]; csv: boolean }>((resolve, reject) => {
      lane.listener = (reply) => {
        if (reply.type !== "ready" && reply.query !== query && reply.query !== 0) return;
        switch (reply.type) {
          case "columns":
            resolve({ columns: reply.columns, csv: reply.encoded === "csv" });
            break;
          case "rows":
            batches.push(reply.rows);
            notify();
            break;
          case "csv":
            batches.push(reply.text);
            notify();
            break;
          case "end":
            end = { rowCount: reply.rowCount, truncated: reply.truncated };
            finish();
            notify();
            break;
          case "error": {
            const reason = reply.code === "sluice.sql.cancelled" && stopReason === "timeout" ? "sluice.sql.timeout" : reply.code;
            failure =
              reason === "sluice.sql.timeout"
                ? sqlStopped("timeout", statement.timeoutMs)
                : reason === "sluice.sql.cancelled"
                  ? sqlStopped("cancelled", statement.timeoutMs)
                  : replyError(reason, reply.message, reply.offset, statement.sql);
            finish();
            reject(failure);
            notify();
            break;
          }
        }
      };
    });
    lane.worker.postMessage({ type: "run", query, statement, viewer, flags: flags.buffer } satisfies RunMessage);
    const described = await columns;

    async function* read(): AsyncGenerator<unknown[][] | string> {
      try {
        for (;;) {
          const next = batches.shift();
          if (next) {
            Atomics.add(flags, CREDITS, 1);
            Atomics.notify(flags, CREDITS);
            yield next;
            continue;
          }
          if (failure) throw failure;
          if (end) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        if (!end && !failure) stop("cancelled");
      }
    }
    async function* values(): AsyncGenerator<unknown[][]> {
      if (described.csv) throw new Error("CSV answers are read as text");
      for await (const batch of read()) if (typeof batch !== "string") yield batch;
    }
    async function* text(): AsyncGenerator<string> {
      for await (const batch of read()) if (typeof batch === "string") yield batch;
    }
    return {
      columns: described.columns,
      batches: values(),
      ...(described.csv ? { encoded: { kind: "csv" as const, chunks: text() } } : {}),
      summary: () => end ?? { rowCount: 0, truncated: false },
    };
  }

  return {
    run,
    async grantLogin() {
      throw new SluiceError("sluice.sql.unavailable", "Login roles are a PostgreSQL feature: run Sluice on a PostgreSQL store to let psql, pandas or BI tools connect directly.");
    },
    async revokeLogin() {
      throw new SluiceError("sluice.sql.unavailable", "Login roles are a PostgreSQL feature: the embedded store has none.");
    },
    async listLogins() {
      return [];
    },
    async close() {
      await Promise.all(lanes.map((l) => l.worker.terminate()));
      lanes.length = 0;
      interruptDb?.close();
    },
  };
}
