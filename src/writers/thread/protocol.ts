/** Messages between a threaded writer (`index.ts`) and its thread (`writer-thread.ts`). */
import type { OutputFormat, RecordLayout, WriterTarget, WrittenFile } from "../port.js";

export interface WriterThreadData {
  format: OutputFormat;
  target: WriterTarget;
  layout: RecordLayout;
  /** Lower the thread's priority below the API's (`jobs.background: yield`). */
  yieldCpu: boolean;
}

export type ToThread = { kind: "rows"; id: number; rows: unknown[][] } | { kind: "close" } | { kind: "abort" };

export type FromThread =
  | { kind: "open" }
  | { kind: "written"; id: number; rows: number }
  | { kind: "closed"; file: WrittenFile }
  | { kind: "aborted" }
  | { kind: "error"; message: string; code?: string };
