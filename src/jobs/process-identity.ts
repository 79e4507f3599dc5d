/**
 * Who runs a job: an instance id made of the node id, the process id and the process's start time, so
 * that a process on the same node can tell at once whether the process that ran a job is still alive —
 * also after a restart reused its PID (every container restart does): same PID, different start time,
 * a different process. Linux gives the start time in /proc; elsewhere only the PID is checked.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/** The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22); undefined elsewhere. */
export function processStartTicks(pid: number | "self"): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

/** `<node>:<pid>:<start ticks>:<random>`: unique per process, and checkable by `processAlive`. */
export function newInstanceId(nodeId: string): string {
  return `${nodeId}:${process.pid}:${processStartTicks("self") ?? "0"}:${randomBytes(4).toString("hex")}`;
}

/**
 * Is the process that ran a job (on this node) still alive? `mine` is this process's instance id: a
 * job of this very process is alive only when it carries this instance (not a previous life's).
 */
export function processAlive(pid: number, instanceId: string, mine: string): boolean {
  if (pid === process.pid) return instanceId === mine;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A live PID: the same process only if it started when the job's instance says it did.
  const recorded = instanceId.split(":").at(-2);
  const now = processStartTicks(pid);
  if (recorded === undefined || recorded === "0" || now === undefined) return true;
  return recorded === now;
}
