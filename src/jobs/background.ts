/**
 * Background work yields to people. A thread or process doing a job's heavy lifting (an export's
 * worker lanes, the thread joining a split file, git) drops to the lowest CPU priority (nice 19), so
 * that when both want a core, the threads answering the API and the console are scheduled first; with
 * no one asking, background work still has every idle core. Linux keeps a nice value per thread; where
 * the platform cannot, nothing changes. Measured by `bench/export-impact.ts` (docs/benchmarks.md): nice
 * 10 left the API's p99 at 2.0–2.5× idle during a big export, nice 19 at 1.6–1.9×, at the same speed.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** How the config's `jobs.background` is read by the code that starts background work. */
export type BackgroundMode = "yield" | "flat-out";

const LOWEST = 19;

/** The calling thread's id (Linux), or undefined. */
function threadId(): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

function lower(id: number): boolean {
  try {
    setPriority(id, LOWEST);
    return true;
  } catch {
    return false; // gone already, or not ours: it runs at the normal priority
  }
}

/** Lowers the calling thread's CPU priority; false when the platform cannot. */
export function yieldThisThread(): boolean {
  const tid = threadId();
  return tid !== undefined && lower(tid);
}

/** Lowers the CPU priority of a child process (git) right after it started. */
export function yieldProcess(pid: number | undefined): boolean {
  return pid !== undefined && lower(pid);
}
