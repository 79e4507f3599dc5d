/** What every CLI command shares: global options → config → context; plain error output. */
import { isActive, type Job } from "../core/job.js";
import type { Command } from "commander";
import { createContext, openStore, type AppContext } from "../app/context.js";
import { loadConfig, type Config } from "../config.js";
import { isSluiceError, SluiceError } from "../core/errors.js";
import { createLogger } from "../logger.js";
import type { Site, Store } from "../store/port.js";

export interface GlobalOptions {
  config?: string;
  home?: string;
  store?: string;
}

/** Command-line flags that map to config keys. */
export function configOverrides(opts: GlobalOptions & Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (opts.home) o.home = opts.home;
  if (opts.store) {
    o.store = /^postgres(ql)?:\/\//.test(opts.store) ? { kind: "postgres", url: opts.store } : { kind: "sqlite", path: opts.store };
  }
  if (opts.port !== undefined) o.port = opts.port;
  if (opts.host !== undefined) o.host = opts.host;
  if (opts.nodeId !== undefined) o.nodeId = opts.nodeId;
  return o;
}

export function globalOptions(cmd: Command): GlobalOptions & Record<string, unknown> {
  return cmd.optsWithGlobals();
}

export function readConfig(cmd: Command, extra: Record<string, unknown> = {}): Config {
  const opts = globalOptions(cmd);
  return loadConfig({ configFile: opts.config, overrides: { ...configOverrides(opts), ...extra } });
}

/** A context for a one-off command: warnings only on stderr, so output stays clean. */
export async function commandContext(cmd: Command, extra: Record<string, unknown> = {}): Promise<AppContext> {
  const config = readConfig(cmd, extra);
  // A one-off command runs its own job only: queued work is for the servers.
  config.jobs = { ...config.jobs, concurrency: 0 };
  return createContext(config, { logger: createLogger(config.logLevel === "info" ? "warn" : config.logLevel) });
}

export async function commandStore(cmd: Command): Promise<Store> {
  return openStore(readConfig(cmd));
}

export async function siteByKey(store: Store, key: string): Promise<Site> {
  const clean = key.replace(/^\/+|\/+$/g, "");
  const site = await store.sites.byKey(clean);
  if (!site) {
    const known = (await store.sites.list()).map((s) => s.contextPath).join(", ") || "none";
    throw usage(`No site '${key}'. Sites: ${known}. Create one with 'sluice site create'.`);
  }
  return site;
}

/** A mistake on the command line or a refusal to show as one plain line (exit code 1). */
export function usage(message: string): SluiceError {
  return new SluiceError("sluice.cli.usage", message);
}

/** Wraps an action: known errors print as one plain line and set the exit code (1 usage, 2 otherwise). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      if (isSluiceError(error)) {
        process.stderr.write(`sluice: ${error.message}\n`);
        process.exitCode = error.code === "sluice.cli.usage" ? 1 : 2;
        return;
      }
      throw error;
    }
  };
}

/** Waits for a job started in this process to end; returns it as it ended. */
export async function runHere(ctx: AppContext, jobId: number): Promise<Job> {
  await ctx.runner.waitFor(jobId);
  const job = await ctx.store.jobs.get(jobId);
  if (!job || isActive(job.status)) throw new Error(`job ${jobId} did not run in this process`);
  return job;
}
