/**
 * One `git log` process over one repository, read into a bounded buffer of rows. The buffer is the
 * backpressure: when it is full, git's stdout is paused (git then blocks on the pipe); it resumes when
 * the consumer has taken half of it. Enforces the two git timeouts of the Data pipeline:
 * - `commitQueuePollingTimeoutSeconds`: the first commit must arrive within this time;
 * - `commitGitExecutionTimeoutSeconds`: git may neither run longer nor stay silent longer than this.
 *   Time spent paused by our own backpressure (a slow consumer, a throttled export, a repository
 *   prefetched while the previous one is still being written) counts for neither.
 */
import type { ChildProcess } from "node:child_process";
import { isSluiceError, SluiceError } from "../../core/errors.js";
import { gitErrorLine, killGit, spawnGit } from "./git-process.js";
import { NulRecordParser } from "./nul-record-parser.js";

/** hash, author email, author time, committer email, committer time (unix seconds), raw body. */
export const LOG_FORMAT = "--format=%H%x00%ae%x00%at%x00%ce%x00%ct%x00%B";
export const LOG_FIELDS = 6;

export interface CommitStreamOptions<R = unknown[]> {
  /** `PROJECT/slug (path)`, for messages. */
  describe: string;
  /** Arguments of the git command (`-C path log …`). */
  args: readonly string[];
  /** Written to git's standard input (revisions for `--stdin`, which no argument list limits). */
  input?: string;
  /** Turns a record into a row, or undefined to drop it. */
  toRow: (fields: string[]) => R | undefined;
  highWater: number;
  pollingTimeoutMs: number;
  executionTimeoutMs: number;
  stallMs: number;
  /** git runs at a lower CPU priority (`jobs.background: yield`). */
  yieldCpu?: boolean;
}

/** git itself failed (corrupt repository, missing path): skippable under forceExport. */
export function gitReadError(message: string): SluiceError {
  return new SluiceError("export.failed", message, { details: { gitRead: true } });
}

export function isGitReadError(error: unknown): error is SluiceError {
  return isSluiceError(error) && error.details?.gitRead === true;
}

export class CommitStream<R = unknown[]> {
  private child: ChildProcess | undefined;
  private readonly parser: NulRecordParser;
  private buffer: R[] = [];
  private ended = false;
  private error: Error | undefined;
  private paused = false;
  private sawRecord = false;
  private stderr = "";
  private wake: (() => void) | undefined;
  private readonly timers: { polling?: NodeJS.Timeout; execution?: NodeJS.Timeout; idle?: NodeJS.Timeout } = {};
  /** Running time git may still use, and since when it is being counted. */
  private executionLeftMs: number;
  private executionSince = 0;

  constructor(private readonly options: CommitStreamOptions<R>) {
    this.executionLeftMs = options.executionTimeoutMs;
    this.parser = new NulRecordParser(LOG_FIELDS, (fields) => {
      if (!this.sawRecord) {
        this.sawRecord = true;
        clearTimeout(this.timers.polling);
      }
      const row = options.toRow(fields);
      if (row) this.buffer.push(row);
    });
  }

  start(): void {
    const { options } = this;
    const child = spawnGit(options.args, { stallMs: options.stallMs, yieldCpu: options.yieldCpu, stdin: options.input !== undefined });
    this.child = child;
    if (options.input !== undefined) {
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(options.input);
    }
    this.timers.polling = setTimeout(
      () =>
        this.fail(
          new SluiceError(
            "export.failed",
            `git sent no commit of repository ${options.describe} within ${options.pollingTimeoutMs / 1000} s; ` +
              "raise commitQueuePollingTimeoutSeconds if the repository is large or the disk slow",
          ),
        ),
      options.pollingTimeoutMs,
    );
    this.armTimeouts();
    child.stdout!.on("data", (chunk: Buffer) => {
      this.armIdle();
      try {
        this.parser.push(chunk);
      } catch (error) {
        this.fail(error as Error);
        return;
      }
      if (this.buffer.length >= options.highWater && !this.paused) {
        this.paused = true;
        child.stdout!.pause();
        this.pauseTimeouts();
      }
      this.notify();
    });
    child.stderr!.setEncoding("utf8").on("data", (s: string) => {
      if (this.stderr.length < 8192) this.stderr += s;
    });
    child.on("error", (error) => this.fail(gitReadError(`Could not start git for repository ${options.describe}: ${error.message}`)));
    child.on("close", (code, signal) => {
      this.clearTimers();
      if (this.error) return;
      if (code === 0 && this.parser.complete) {
        this.ended = true;
      } else if (code === 0) {
        this.error = gitReadError(`git log output of repository ${options.describe} ended in the middle of a commit`);
      } else {
        this.error = gitReadError(
          `git log failed for repository ${options.describe} (${signal ?? `exit ${code}`}): ${gitErrorLine(this.stderr)}`,
        );
      }
      this.notify();
    });
  }

  /** Up to `max` rows; null when git has finished and everything was taken. */
  async take(max: number): Promise<R[] | null> {
    for (;;) {
      if (this.error) throw this.error;
      if (this.buffer.length > 0) {
        let rows: R[];
        if (this.buffer.length <= max) {
          rows = this.buffer;
          this.buffer = [];
        } else {
          rows = this.buffer.splice(0, max);
        }
        if (this.paused && this.buffer.length < this.options.highWater / 2) {
          this.paused = false;
          this.armTimeouts();
          this.child?.stdout?.resume();
        }
        return rows;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Kills git (if still running) and releases the buffer. */
  stop(): void {
    this.clearTimers();
    if (this.child) killGit(this.child);
    this.buffer = [];
    if (!this.ended && !this.error) this.error = new Error("stopped");
    this.notify();
  }

  private fail(error: Error): void {
    if (this.error || this.ended) return;
    this.error = error;
    this.clearTimers();
    if (this.child) killGit(this.child);
    this.notify();
  }

  private executionError(what: string): SluiceError {
    return new SluiceError(
      "export.failed",
      `git ${what} reading repository ${this.options.describe}; raise commitGitExecutionTimeoutSeconds ` +
        `(now ${this.options.executionTimeoutMs / 1000} s) if the repository is that large`,
    );
  }

  /** Starts (again) counting running time and silence. */
  private armTimeouts(): void {
    clearTimeout(this.timers.execution);
    if (this.error || this.ended) return;
    this.executionSince = Date.now();
    this.timers.execution = setTimeout(
      () => this.fail(this.executionError(`ran longer than ${this.options.executionTimeoutMs / 1000} s`)),
      Math.max(0, this.executionLeftMs),
    );
    this.armIdle();
  }

  /** Stops counting while git waits for us. */
  private pauseTimeouts(): void {
    clearTimeout(this.timers.execution);
    clearTimeout(this.timers.idle);
    this.executionLeftMs -= Date.now() - this.executionSince;
  }

  private armIdle(): void {
    clearTimeout(this.timers.idle);
    if (this.error || this.ended || this.paused) return;
    this.timers.idle = setTimeout(
      () => this.fail(this.executionError(`stayed silent for ${this.options.executionTimeoutMs / 1000} s`)),
      this.options.executionTimeoutMs,
    );
  }

  private clearTimers(): void {
    clearTimeout(this.timers.polling);
    clearTimeout(this.timers.execution);
    clearTimeout(this.timers.idle);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
