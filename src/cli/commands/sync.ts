/**
 * `sluice sync --site <key> [--watch] [--full]`: pulls a site's data from its Jira, Confluence or
 * Bitbucket source with a progress line per stream (items, rate, ETA). `--watch` syncs again every
 * `intervalMinutes` (per site, 15 by default) until interrupted. Also the source options that
 * `sluice site create` shares (`addSourceOptions`, `saveSourceFromOptions`).
 */
import cliProgress from "cli-progress";
import { Command, Option } from "commander";
import type { Site, Store } from "../../store/port.js";
import { readSourceConfig } from "../../sync/engine.js";
import { runSync } from "../../sync/run-sync.js";
import { putSourceSchedule } from "../../sync/sync-schedule.js";
import type { StreamProgress, SyncRun } from "../../sync/run-state.js";
import { CHECKPOINT_KEY, STATE_KEY } from "../../sync/run-state.js";
import { parseSourceConfig, productOfKind, SOURCE_KINDS, SOURCE_SETTING, type SourceConfig } from "../../sources/connector/source-config.js";
import { systemClock } from "../../sources/connector/rate-budget.js";
import { usage } from "../shared.js";

export interface SyncCommandContext {
  openStore(): Promise<Store>;
  /** Where token variables are read (the configuration's environment). */
  env: Readonly<Record<string, string | undefined>> | (() => Readonly<Record<string, string | undefined>>);
  /** Where token files are read (`<home>/secrets`). */
  secretsDir?: () => string;
  /** Where git mirrors of synced repositories live. */
  mirrorsDir?: () => string;
  /** Where results and errors are written (defaults to stdout and stderr). */
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export interface SourceOptions {
  source?: string;
  url?: string;
  email?: string;
  apiTokenEnv?: string;
  tokenFile?: string;
  syncInterval?: string;
}

export function addSourceOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--source <kind>", "sync the site from a live instance").choices([...SOURCE_KINDS]))
    .option("--url <url>", "base URL of the instance, e.g. https://acme.atlassian.net")
    .option("--email <email>", "account email (Cloud: email + API token)")
    .option("--api-token-env <name>", "SLUICE_SECRET_<NAME> variable holding the API token or personal access token")
    .option("--token-file <name>", "file of <home>/secrets holding the API token or personal access token")
    .option("--sync-interval <minutes>", "minutes between syncs of `sluice sync --watch` (default 15)");
}

/** Validates and stores the source given on the command line; undefined when no --source was given. */
export async function saveSourceFromOptions(store: Store, site: Site, opts: SourceOptions): Promise<SourceConfig | undefined> {
  if (!opts.source) {
    const stray = (["url", "email", "apiTokenEnv", "tokenFile", "syncInterval"] as const).filter((k) => opts[k] !== undefined);
    if (stray.length > 0) throw usage(`--${stray.map(flag).join(", --")} need --source <kind> (${SOURCE_KINDS.join(", ")})`);
    return undefined;
  }
  const interval = opts.syncInterval === undefined ? undefined : /^\d+$/.test(opts.syncInterval) ? Number(opts.syncInterval) : NaN;
  const parsed = parseSourceConfig({
    kind: opts.source,
    url: opts.url,
    ...(opts.email !== undefined ? { email: opts.email } : {}),
    ...(opts.apiTokenEnv !== undefined ? { tokenEnv: opts.apiTokenEnv } : {}),
    ...(opts.tokenFile !== undefined ? { tokenFile: opts.tokenFile } : {}),
    ...(interval !== undefined ? { intervalMinutes: interval } : {}),
  });
  if (!parsed.ok) {
    const lines = parsed.errors.map((e) => e.message.replace(/^(\w+):/, (_, k: string) => `--${flag(optionOf(k))}:`));
    throw usage(`invalid source:\n  ${lines.join("\n  ")}`);
  }
  if (productOfKind(parsed.config.kind) !== site.product) {
    throw usage(`a ${parsed.config.kind} source cannot feed the ${site.product} site ${site.key || "/"}`);
  }
  await store.settings.set(site.id, SOURCE_SETTING, parsed.config);
  await store.settings.delete(site.id, CHECKPOINT_KEY);
  await store.settings.delete(site.id, STATE_KEY);
  await putSourceSchedule(store, site, parsed.config, Date.now());
  return parsed.config;
}

function optionOf(configKey: string): string {
  return ({ kind: "source", tokenEnv: "apiTokenEnv", intervalMinutes: "syncInterval" } as Record<string, string>)[configKey] ?? configKey;
}

function flag(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function eta(p: StreamProgress): string {
  if (p.status === "DONE") return "done";
  if (p.etaSeconds === undefined) return "ETA ?";
  const s = p.etaSeconds;
  return `ETA ${s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`}`;
}

/** One progress line per stream, redrawn in place on a terminal; a line per finished stream otherwise. */
class ProgressView {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly multi = this.tty
    ? new cliProgress.MultiBar(
        { format: "{stream} |{bar}| {items}{of} items | {rate}/s | {eta}", hideCursor: true, stream: process.stderr, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly reported = new Set<string>();

  constructor(private readonly err: (text: string) => void) {}

  update(run: SyncRun): void {
    for (const p of run.streams) {
      if (p.status === "PENDING") continue;
      const payload = { stream: p.stream.padEnd(9), items: p.items, of: p.total !== undefined ? `/${p.total}` : "", rate: p.rate, eta: eta(p) };
      if (this.multi) {
        let bar = this.bars.get(p.stream);
        if (!bar) {
          bar = this.multi.create(p.total ?? Math.max(1, p.items), p.items, payload);
          this.bars.set(p.stream, bar);
        }
        bar.setTotal(p.total ?? Math.max(1, p.items));
        bar.update(p.items, payload);
      } else if (p.status === "DONE" && !this.reported.has(p.stream)) {
        this.reported.add(p.stream);
        this.err(`${p.stream}: ${p.items} items, ${p.rate}/s\n`);
      }
    }
  }

  stop(): void {
    this.multi?.stop();
  }
}

function summary(run: SyncRun): string {
  const counts = Object.entries(run.counts).map(([k, v]) => `${k} ${v}`).join(", ") || "no changes";
  const deleted = Object.entries(run.deleted).map(([k, v]) => `${k} ${v}`).join(", ");
  const seconds = run.finishedAt ? ((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1) : "?";
  return `${run.mode} sync ${run.status.toLowerCase()} in ${seconds}s: ${counts}${deleted ? `; deleted ${deleted}` : ""}`;
}

export function syncCommand(ctx: SyncCommandContext): Command {
  return new Command("sync")
    .description("pull a site's data from its Jira, Confluence or Bitbucket source (incremental after the first run)")
    .requiredOption("-s, --site <key>", "site context path, e.g. jira-acme")
    .option("--watch", "keep syncing every --sync-interval minutes of the site (default 15) until interrupted")
    .option("--full", "read everything again (ignore checkpoints) and sweep deletions")
    .option("--reconcile", "sweep deletions after this sync")
    .addHelpText(
      "after",
      "\nThe source is set with `sluice site create --source <kind> --url <url> ...`.\nTokens come from a SLUICE_SECRET_<NAME> variable (--api-token-env) or a file of <home>/secrets (--token-file), never from the command line.",
    )
    .action(async (opts: { site: string; watch?: boolean; full?: boolean; reconcile?: boolean }) => {
      const store = await ctx.openStore();
      const env = typeof ctx.env === "function" ? ctx.env() : ctx.env;
      const out = ctx.out ?? ((text: string) => void process.stdout.write(text));
      const err = ctx.err ?? ((text: string) => void process.stderr.write(text));
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const site = await store.sites.byKey(opts.site.replace(/^\/+|\/+$/g, ""));
        if (!site) throw usage(`no site '${opts.site}': create one with 'sluice site create'`);
        const config = await readSourceConfig(store, site.id);
        if (!config) throw usage(`site ${opts.site} has no source: give one with --source <kind> --url <url> on 'sluice site create'`);
        let full = opts.full === true;
        for (;;) {
          const view = new ProgressView(err);
          try {
            const run = await runSync({ store, site, env, ...(ctx.secretsDir ? { secretsDir: ctx.secretsDir() } : {}), ...(ctx.mirrorsDir ? { mirrorsDir: ctx.mirrorsDir() } : {}), full, reconcile: opts.reconcile, signal: interrupt.signal, onProgress: (r) => view.update(r) });
            view.stop();
            out(`${summary(run)}\n`);
          } catch (error) {
            view.stop();
            if (interrupt.signal.aborted) break;
            const message = error instanceof Error ? error.message : String(error);
            if (!opts.watch) throw usage(message);
            err(`sluice: sync failed: ${message}\n`);
          }
          if (!opts.watch || interrupt.signal.aborted) break;
          full = false;
          const minutes = config.intervalMinutes ?? 15;
          err(`next sync in ${minutes} min (Ctrl-C to stop)\n`);
          try {
            await systemClock.sleep(minutes * 60_000, interrupt.signal);
          } catch {
            break;
          }
        }
      } catch (error) {
        err(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await store.close();
      }
    });
}
