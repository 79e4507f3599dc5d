/**
 * Worker-thread entry: runs the generator and posts each batch to the parent, which writes it to the
 * store and acknowledges it; at most BATCHES_IN_FLIGHT batches are unacknowledged at a time.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runGenerator } from "./generate.js";
import type { BatchTarget } from "./sink.js";
import { BATCHES_IN_FLIGHT, type FromWorker, type ToWorker, type WorkerInput } from "./worker-protocol.js";

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("src/sources/demo/worker.js must run in a worker thread");
  const input = workerData as WorkerInput;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  port.on("message", (message: ToWorker) => {
    if (message.kind !== "ack") return;
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  });
  const post = (message: FromWorker) => port.postMessage(message);
  const target: BatchTarget = async (entity, rows) => {
    post({ kind: "rows", entity, rows });
    inFlight++;
    while (inFlight >= BATCHES_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
  };
  const counts = await runGenerator(input.site, input.options, target);
  post({ kind: "done", counts });
}

await main();
