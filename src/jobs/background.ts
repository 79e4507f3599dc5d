/**
 * Background work yields to people. A thread or process doing a job's heavy lifting (an export's
 * worker lanes, the thread joining a split file, git) drops to the lowest CPU priority (nice 19 and
 * Linux's idle scheduling and I/O classes), so that when both want a core, the threads answering the
 * API and the console are scheduled first; with no one asking, background work still has every idle
 * core. Linux keeps these per thread; where the platform cannot, nothing changes. Measured by
 * `bench/export-impact.ts` (docs/benchmarks.md): the API's p99 during a big export was 2.0–2.5× idle
 * at nice 10, 1.6–2.0× at nice 19, 1.3–2.6× (median 1.6×) with the idle classes, at the same speed.
 */
import { spawn, spawnSync } from "node:child_process";
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

function lower(id: number, wait: boolean): boolean {
  try {
    setPriority(id, LOWEST);
  } catch {
    return false; // gone already, or not ours: it runs at the normal priority
  }
  if (process.platform === "linux") idleClasses(id, wait);
  return true;
}

/**
 * Linux's idle classes on top of nice 19, set with util-linux's `chrt` and `ionice` (where they are
 * missing, nice 19 stays): SCHED_IDLE for the CPU, so a waking request thread takes the core at once
 * where a nice-19 thread still finishes its slice, and the idle I/O class. `wait`: set before this
 * thread goes on (a worker thread before it starts working; a child before it can be reaped).
 */
function idleClasses(id: number, wait: boolean): void {
  const commands = [
    ["chrt", "--idle", "-p", "0", String(id)],
    ["ionice", "-c", "3", "-p", String(id)],
  ] as const;
  for (const [command, ...args] of commands) {
    if (wait) spawnSync(command, args, { stdio: "ignore", timeout: 2000 });
    else spawn(command, args, { stdio: "ignore" }).on("error", () => undefined);
  }
}

/** Lowers the calling thread's CPU priority; false when the platform cannot. */
export function yieldThisThread(): boolean {
  const tid = threadId();
  return tid !== undefined && lower(tid, true);
}

/**
 * Lowers the CPU priority of a child process (git) right after it started. The idle classes are set
 * synchronously: until this thread returns to its event loop the child cannot be reaped, so its PID
 * cannot have been reused by another process's thread (set asynchronously, a quick git's PID was
 * reused by a thread elsewhere, which then ran in the idle class: an export lane of another process
 * starved while holding SQLite's write lock).
 */
export function yieldProcess(pid: number | undefined): boolean {
  return pid !== undefined && lower(pid, true);
}
