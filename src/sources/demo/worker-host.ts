/**
 * Runs the generator in a worker thread and writes its batches to the store from this thread, in
 * order, acknowledging each: generation and SQLite writes then use two cores.
 */
import { Worker } from "node:worker_threads";
import type { Site } from "../../store/port.js";
import type { DemoOptions } from "./options.js";
import type { BatchTarget } from "./sink.js";
import type { FromWorker, ToWorker, WorkerInput } from "./worker-protocol.js";

/** Generates in a worker thread; each batch it posts goes to `target` (the store) on this thread. */
export function generateInWorker(site: Site, options: DemoOptions, target: BatchTarget): Promise<Record<string, number>> {
  const input: WorkerInput = { site, options };
  const worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: input });
  return new Promise((resolve, reject) => {
    let settled = false;
    let queue = Promise.resolve();
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const handle = async (message: FromWorker) => {
      if (settled) return;
      if (message.kind === "rows") {
        await target(message.entity, message.rows);
        const ack: ToWorker = { kind: "ack" };
        worker.postMessage(ack);
      } else {
        settled = true;
        await worker.terminate();
        resolve(message.counts);
      }
    };
    worker.on("message", (message: FromWorker) => {
      // One batch at a time, in arrival order, whatever the store's latency.
      queue = queue.then(() => handle(message)).catch(fail);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`The demo data worker stopped early (exit code ${code})`)));
  });
}
