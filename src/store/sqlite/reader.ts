/**
 * Counts over big tables, off the thread that answers the API. better-sqlite3 runs each statement to its
 * end on the calling thread, and counting a million rows of a site takes tens of milliseconds: every
 * request waiting behind it waits as long. A reader is one worker thread with its own read-only
 * connection (`reader-worker.ts`); it starts with the first read, does not keep the process alive while
 * it has nothing to do, and stops after `IDLE_MS` without work (its memory goes with it). In WAL mode it
 * sees everything committed before each read starts.
 */
import { Worker } from "node:worker_threads";
import type { CompiledSql } from "../../query/compile.js";

interface Pending {
  resolve: (row: unknown) => void;
  reject: (error: Error) => void;
}

/** A reader thread with nothing to do this long stops (an export does not carry it to its end: ~20 MB); the next read starts another (~30 ms, off this thread). */
const IDLE_MS = 1_000;

export type ReaderReply = { id: number; row: unknown } | { id: number; error: { message: string; code?: string } };

export class SqliteReader {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  /** The first row of a compiled statement. */
  get<T>(query: CompiledSql): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    const worker = this.start();
    clearTimeout(this.idle);
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (row: unknown) => void, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, sql: query.sql, parameters: query.parameters });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error("the store is closed"));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./reader-worker.js", import.meta.url), { workerData: { file: this.file } });
    worker.unref();
    worker.on("message", (reply: ReaderReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) {
        worker.unref();
        this.idle = setTimeout(() => this.stop(worker), IDLE_MS).unref();
      }
      if ("error" in reply) waiting.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
      else waiting.resolve(reply.row);
    });
    const died = (error: Error) => {
      if (this.worker === worker) this.worker = undefined; // the next read starts a new one
      this.failAll(error);
    };
    worker.on("error", died);
    worker.on("exit", (code) => {
      if (!this.closed && this.worker === worker) died(new Error(`the SQLite reader thread stopped (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** Stops an idle reader thread. */
  private stop(worker: Worker): void {
    if (this.worker !== worker || this.pending.size > 0) return;
    this.worker = undefined;
    void worker.terminate();
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
