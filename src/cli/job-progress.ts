/**
 * The progress of any job on the terminal, in the words every kind shares (`Progress`): what it is
 * doing, done of total, rate and ETA. A bar redrawn in place on a terminal; elsewhere one line every few
 * seconds. Reads the job from this node's runner (live) or the store, so it follows a job running on
 * another node just as well.
 */
import cliProgress from "cli-progress";
import { isActive, type Job, type Progress } from "../core/job.js";
import type { JobRunner } from "../jobs/runner.js";
import type { Store } from "../store/port.js";

/** `1h02m`, `3m05s`, `42s`; `?` when not known. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** One line of progress (also what a non-terminal prints). */
export function progressLine(p: Progress): string {
  const of = p.total === null ? "" : `/${p.total.toLocaleString("en")}`;
  return `${p.label} ${p.done.toLocaleString("en")}${of} ${p.unit} | ${p.rate.toLocaleString("en")} ${p.unit}/s | ETA ${formatEta(p.etaSeconds)}`;
}

export interface WatchOptions {
  store: Store;
  runner?: JobRunner;
  /** Where the progress goes (default: stderr). */
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
}

/** Shows a job's progress until it ends; resolves with the finished job. */
export async function watchJob(id: number, options: WatchOptions): Promise<Job> {
  const stream = options.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: "{label} |{bar}| {done}{of} {unit} | {rate} {unit}/s | ETA {remaining}", hideCursor: true, stream, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastPrinted = 0;
  const read = async () => {
    const job = await options.store.jobs.get(id);
    return job && options.runner ? options.runner.live(job) : job;
  };
  for (;;) {
    const job = await read();
    if (!job) throw new Error(`job ${id} does not exist`);
    const p = job.progress;
    if (p) {
      const payload = {
        label: p.label.padEnd(24).slice(0, 24),
        done: p.done.toLocaleString("en"),
        of: p.total === null ? "" : `/${p.total.toLocaleString("en")}`,
        unit: p.unit,
        rate: p.rate.toLocaleString("en"),
        remaining: formatEta(p.etaSeconds),
      };
      const total = Math.max(1, p.total ?? p.done);
      if (bar) {
        if (!started) bar.start(total, p.done, payload);
        bar.setTotal(total);
        bar.update(p.done, payload);
        started = true;
      } else if (Date.now() - lastPrinted >= 2000) {
        lastPrinted = Date.now();
        stream.write(`${progressLine(p)}\n`);
      }
    }
    if (!isActive(job.status)) {
      if (bar && started) bar.stop();
      return job;
    }
    if (options.runner?.isLocal(id)) {
      // Wake at the next interval or as soon as the job ends here.
      await Promise.race([options.runner.waitFor(id), new Promise((r) => setTimeout(r, options.intervalMs ?? 200))]);
    } else {
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
  }
}
