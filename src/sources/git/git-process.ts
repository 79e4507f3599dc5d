/**
 * Spawning `git`. Every git process runs in its own process group so that stopping it (an abort, a
 * timeout, a consumer that stops early) also stops whatever it started, wrappers included.
 *
 * Test hook: `stallMs` (from `SLUICE_TEST_GIT_STALL_MS`, read by config.ts) makes every streaming git
 * command (and the commit count of an estimate) start through `sh -c 'sleep …; exec git …'`, a real
 * process that stays silent for that long. Tests use it to trigger the git timeouts; never set it in
 * production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { childEnvironment } from "../../config.js";
import { yieldProcess } from "../../jobs/background.js";

export const STALL_ENV = "SLUICE_TEST_GIT_STALL_MS";

export interface GitProcessOptions {
  /** Milliseconds a streaming git command waits (silently) before git runs: the stall test hook. */
  stallMs?: number;
  /** Pipe stdin (default: ignored). */
  stdin?: boolean;
  /** Nice value of the command (19: only the CPU nothing else wants) when not `yieldCpu`; default: this process's. */
  nice?: number;
  /** Run in Linux's idle classes, CPU and I/O (background work yields to people, `jobs.background`). */
  yieldCpu?: boolean;
  /** More environment for git (e.g. `GIT_CONFIG_*` carrying a credential: never on a command line or on disk). */
  env?: Readonly<Record<string, string>>;
}

/** Sets the CPU priority of a git child as asked; where that is not allowed, it runs at the default. */
function prioritise(child: ChildProcess, options: GitProcessOptions): ChildProcess {
  if (child.pid === undefined) return child;
  if (options.yieldCpu) yieldProcess(child.pid);
  else if (options.nice !== undefined) {
    try {
      setPriority(child.pid, options.nice);
    } catch {
      // not allowed here
    }
  }
  return child;
}

const GIT_ENV = {
  // git log flushes after every commit when stdout is a pipe: one 300-byte write per commit. Fully
  // buffered output is ~20× fewer writes and reads.
  GIT_FLUSH: "0",
  GIT_TERMINAL_PROMPT: "0",
  GIT_PAGER: "cat",
  GIT_OPTIONAL_LOCKS: "0",
  LC_ALL: "C",
};

/** Starts `git <args>` with piped stdio in a new process group (through the stall wrapper if set). */
export function spawnGit(args: readonly string[], options: GitProcessOptions = {}): ChildProcess {
  const env = childEnvironment({ ...GIT_ENV, ...options.env });
  const stdio = [options.stdin ? "pipe" : "ignore", "pipe", "pipe"] as const;
  const stall = options.stallMs ?? 0;
  if (stall > 0) {
    const seconds = (stall / 1000).toFixed(3);
    const wrapped = spawn("sh", ["-c", 'sleep "$1"; shift; exec git "$@"', "sluice-git-stall", seconds, ...args], {
      env,
      detached: true,
      stdio: [...stdio],
    });
    return prioritise(wrapped, options);
  }
  return prioritise(spawn("git", args, { env, detached: true, stdio: [...stdio] }), options);
}

/** Kills the process group of a git child (SIGKILL: git readers hold no state worth saving). */
export function killGit(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunGitOptions extends Omit<GitProcessOptions, "stdin"> {
  timeoutMs?: number;
  maxOutput?: number;
  input?: string;
  /** Kills the command when aborted (the result then has code null). */
  signal?: AbortSignal;
}

/**
 * Runs a short git command to completion, keeping at most `maxOutput` characters of each stream.
 * Killed after `timeoutMs` or when `signal` aborts (the result then has code null; an aborted signal
 * starts nothing).
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  const max = options.maxOutput ?? 1 << 20;
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve({ code: null, stdout: "", stderr: "aborted" });
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, {
      stallMs: options.stallMs ?? 0,
      stdin: options.input !== undefined,
      ...(options.nice !== undefined ? { nice: options.nice } : {}),
      ...(options.yieldCpu ? { yieldCpu: true } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    const abort = () => killGit(child);
    signal?.addEventListener("abort", abort);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (s: string) => {
      if (stdout.length < max) stdout += s.slice(0, max - stdout.length);
    });
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      if (stderr.length < max) stderr += s.slice(0, max - stderr.length);
    });
    if (options.input !== undefined) {
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(options.input);
    }
    const timer = setTimeout(() => killGit(child), options.timeoutMs ?? 60_000);
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    };
    child.on("error", (error) => {
      settle();
      reject(error);
    });
    child.on("close", (code) => {
      settle();
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last non-empty line of git's stderr, for messages. */
export function gitErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.at(-1) ?? "no message";
}
