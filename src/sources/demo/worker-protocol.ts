/** Messages between the demo worker thread and the thread that writes its rows to the store. */
import type { RowValues, Site } from "../../store/port.js";
import type { DemoOptions } from "./options.js";

export interface WorkerInput {
  site: Site;
  options: DemoOptions;
}

export type FromWorker =
  | { kind: "rows"; entity: string; rows: RowValues[] }
  | { kind: "done"; counts: Record<string, number> };

export type ToWorker = { kind: "ack" };

/** Batches the worker may have in flight before it waits for the writer (memory stays bounded). */
export const BATCHES_IN_FLIGHT = 4;
