/**
 * Parallel export: entity files split into lanes, one worker thread per lane, each reading its own
 * snapshot opened while writers are held off (so every file sees the same data).
 */
import { Worker } from "node:worker_threads";
import { cancelled, isErrorCode, SluiceError } from "../core/errors.js";
import type { JobFile } from "../core/export-job.js";
import type { EntityDef } from "../core/entities/registry.js";
import { type JoinReply, type JoinRequest, type LaneData, type LaneFile, type LaneMessage } from "./lane-protocol.js";
import type { JoinedFile } from "./file-parts.js";

export interface PlannedFile {
  def: EntityDef;
  file: LaneFile;
  estimate: number;
}

/** Greedy split by estimated rows: biggest file first, onto the lightest lane. */
export function planLanes(files: readonly PlannedFile[], lanes: number): PlannedFile[][] {
  const out: PlannedFile[][] = Array.from({ length: Math.max(1, Math.min(lanes, files.length)) }, () => []);
  const load = out.map(() => 0);
  for (const f of [...files].sort((a, b) => b.estimate - a.estimate)) {
    const i = load.indexOf(Math.min(...load));
    out[i]!.push(f);
    load[i]! += f.estimate + 1;
  }
  return out.filter((l) => l.length > 0);
}

export interface LaneRun {
  /** Resolves when the worker has opened its snapshot. */
  ready: Promise<void>;
  /** Resolves when the lane has written all its files (each reported through `onFile`). */
  done: Promise<void>;
  open(): void;
  cancel(): void;
}

export interface LaneEvents {
  /** Rows written so far in one lane file (`key`: `laneFileKey`). */
  onRows(key: string, entity: string, rows: number): void;
  /** A lane file (or part) is complete. */
  onFile(file: JobFile, part: number | undefined): void;
}

export function startLane(data: LaneData, events: LaneEvents): LaneRun {
  // A small young generation keeps each lane's memory flat (rows are short-lived garbage).
  const worker = new Worker(new URL("./file-worker.js", import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  let readyResolve!: () => void;
  let readyReject!: (e: unknown) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  const done = new Promise<void>((resolve, reject) => {
    let settled = false;
    // A worker that is done closes its own port and exits by itself; one that failed is terminated.
    const finish = (fn: () => void, terminate = false) => {
      if (settled) return;
      settled = true;
      fn();
      if (terminate) void worker.terminate();
    };
    worker.on("message", (m: LaneMessage) => {
      switch (m.type) {
        case "ready":
          readyResolve();
          break;
        case "rows":
          events.onRows(m.key, m.entity, m.rows);
          break;
        case "file":
          events.onFile(m.file, m.part);
          break;
        case "done":
          finish(() => resolve());
          break;
        case "cancelled":
          readyResolve();
          finish(() => reject(cancelled("the export")));
          break;
        case "error": {
          const error =
            m.code && isErrorCode(m.code) ? new SluiceError(m.code, m.message) : new Error(m.message);
          readyReject(error);
          finish(() => reject(error), true);
          break;
        }
      }
    });
    worker.on("error", (error) => {
      readyReject(error);
      finish(() => reject(error), true);
    });
    worker.on("exit", (code) => {
      const error = new Error(`export worker stopped unexpectedly (exit code ${code})`);
      readyReject(error);
      finish(() => reject(error));
    });
  });
  // A lane that fails before it is awaited must not become an unhandled rejection.
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return {
    ready,
    done,
    open: () => worker.postMessage({ type: "open" }),
    cancel: () => worker.postMessage({ type: "cancel" }),
  };
}

/**
 * Joins a split file's parts in a worker thread (`join-worker.ts`); resolves with the whole file's rows,
 * bytes and sha256. Aborting stops the join (its partial output is removed) and rejects as cancelled.
 */
export function joinInWorker(request: JoinRequest, signal: AbortSignal): Promise<JoinedFile> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./join-worker.js", import.meta.url), { workerData: request });
    const abort = () => worker.postMessage({ type: "cancel" });
    signal.addEventListener("abort", abort);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      fn();
    };
    worker.on("message", (m: JoinReply) => {
      if (m.type === "joined") settle(() => resolve({ rows: m.rows, bytes: m.bytes, sha256: m.sha256 }));
      else if (m.type === "cancelled") settle(() => reject(cancelled("the export")));
      else settle(() => reject(new SluiceError("export.failed", `Joining the parts of ${request.name} failed: ${m.message}`)));
    });
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) => settle(() => reject(new SluiceError("export.failed", `The thread joining ${request.name} stopped (exit code ${code}).`))));
  });
}
