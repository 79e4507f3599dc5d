/**
 * A record writer whose format's work runs on a thread of its own: the caller reads rows and hands them
 * over; converting and encoding them (XLSX's cells and styles, Parquet's columns) happens off the thread
 * that answers the API. Same `RecordWriter` contract as the writer it runs (backpressure: at most two
 * batches in flight), same file. Used by report runs for XLSX and JSON (`src/reports/report-file.ts`).
 */
import { Worker } from "node:worker_threads";
import { isErrorCode, SluiceError } from "../../core/errors.js";
import type { OutputFormat, RecordLayout, RecordWriter, WriterTarget, WrittenFile } from "../port.js";
import type { FromThread, ToThread, WriterThreadData } from "./protocol.js";

const IN_FLIGHT = 2;

export async function openThreadedWriter(format: OutputFormat, target: WriterTarget, layout: RecordLayout, options: { yieldCpu: boolean }): Promise<RecordWriter> {
  const data: WriterThreadData = { format, target, layout, yieldCpu: options.yieldCpu };
  // A small young generation keeps the thread's heap (and the process's peak RSS) low, as the export's lanes do.
  const worker = new Worker(new URL("./writer-thread.js", import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  let failure: Error | undefined;
  let rows = 0;
  let nextId = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let ending: { resolve: (file: WrittenFile | undefined) => void; reject: (e: Error) => void } | undefined;
  let opened: { resolve: () => void; reject: (e: Error) => void };
  const open = new Promise<void>((resolve, reject) => (opened = { resolve, reject }));

  const fail = (error: Error) => {
    failure ??= error;
    opened.reject(error);
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
    ending?.reject(error);
  };
  worker.on("message", (message: FromThread) => {
    switch (message.kind) {
      case "open":
        opened.resolve();
        break;
      case "written":
        rows = message.rows;
        waiting.get(message.id)?.resolve();
        waiting.delete(message.id);
        break;
      case "closed":
        ending?.resolve(message.file);
        break;
      case "aborted":
        ending?.resolve(undefined);
        break;
      case "error":
        fail(message.code && isErrorCode(message.code) ? new SluiceError(message.code, message.message) : new Error(message.message));
        break;
    }
  });
  worker.on("error", (error) => fail(error));
  worker.on("exit", (code) => fail(new Error(`the ${format} writer's thread stopped (exit code ${code})`)));
  await open;

  const send = (message: ToThread) => worker.postMessage(message);
  const inFlight: Promise<void>[] = [];
  const end = (message: ToThread) =>
    new Promise<WrittenFile | undefined>((resolve, reject) => {
      if (failure) return reject(failure);
      ending = { resolve, reject };
      send(message);
    });

  return {
    get rows() {
      return rows;
    },
    async write(batch) {
      if (failure) throw failure;
      const id = nextId++;
      const taken = new Promise<void>((resolve, reject) => waiting.set(id, { resolve, reject }));
      taken.catch(() => undefined); // seen by `write` or `close`; never an unhandled rejection
      inFlight.push(taken);
      send({ kind: "rows", id, rows: batch as unknown[][] });
      // Batches are taken in order: wait for the oldest beyond the ones allowed in flight.
      while (inFlight.length > IN_FLIGHT) await inFlight.shift();
    },
    async close() {
      try {
        await Promise.all(inFlight.splice(0));
        const file = await end({ kind: "close" });
        return file!;
      } finally {
        await worker.terminate();
      }
    },
    async abort() {
      try {
        if (!failure) await end({ kind: "abort" }).catch(() => undefined);
      } finally {
        await worker.terminate();
      }
    },
  };
}
