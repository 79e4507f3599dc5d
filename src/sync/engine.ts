/**
 * The sync engine: runs a connector's streams for one site, maps records to rows, upserts them in
 * batches and commits each stream's checkpoint right after its batch (a killed sync resumes where it
 * stopped; upserts by key mean no duplicates). Records the run (status, counts, progress, last error)
 * in the site's settings and sweeps deletions on a full sync or when the reconcile is due.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { entity as entityDef, type EntityDef } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";
import type { Batch, Checkpoint, StreamContext } from "../sources/connector/connector.js";
import { connectorFor } from "../sources/connectors.js";
import { loadCredentials } from "../sources/connector/credentials.js";
import { HttpClient } from "../sources/connector/http-client.js";
import { systemClock, type Clock } from "../sources/connector/rate-budget.js";
import { reconcile, type SyncLogger } from "./reconcile.js";
import {
  CHECKPOINT_KEY,
  CURRENT_KEY,
  RUNS_KEY,
  STATE_KEY,
  refreshProgress,
  pushRun,
  type CheckpointState,
  type SyncRun,
  type SyncState,
} from "./run-state.js";
import { parseSourceConfig, productOfKind, SOURCE_SETTING, type SourceConfig } from "../sources/connector/source-config.js";
import { claimSite } from "./sync-lock.js";
import { SluiceError } from "../core/errors.js";
import { sourceError, sourceErrorWhere } from "../sources/connector/source-error.js";
import { rowMapper, type RowMapper } from "./to-row.js";


export interface SyncOptions {
  store: Store;
  site: Site;
  /** Where tokens named by `tokenEnv` are looked up (the entry point passes `process.env`). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ignore checkpoints: read everything again, then sweep deletions. */
  full?: boolean;
  /** Sweep deletions in this run (also done on `full`, and when `reconcileEveryHours` elapsed). */
  reconcile?: boolean;
  reconcileEveryHours?: number;
  clock?: Clock;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  timeoutMs?: number;
  backoff?: { baseDelayMs?: number; maxDelayMs?: number; maxRetries?: number };
  logger?: SyncLogger;
  /** Called after every committed batch and at each stream's start and end. */
  onProgress?: (run: SyncRun) => void;
  /** Test hook: called after each committed batch (the kill test stops here). */
  afterBatch?: (stream: string, batches: number) => void | Promise<void>;
}

function syncBusy(running: SyncRun): SluiceError {
  return new SluiceError("sluice.sync.running", `a sync of this site is already running (started ${running.startedAt})`, { details: { running } });
}

export async function readSourceConfig(store: Store, siteId: number): Promise<SourceConfig | undefined> {
  const raw = await store.settings.get<unknown>(siteId, SOURCE_SETTING);
  if (raw === undefined) return undefined;
  const parsed = parseSourceConfig(raw);
  if (!parsed.ok) throw sourceError(`the source of site ${siteId} is invalid: ${parsed.errors.map((e) => e.message).join("; ")}`, {}, "sluice.source.invalid");
  return parsed.config;
}

const BATCH_ROWS = 2000;

export type { SyncLogger };

export async function runSync(options: SyncOptions): Promise<SyncRun> {
  const { store, site } = options;
  const clock = options.clock ?? systemClock;
  const config = await readSourceConfig(store, site.id);
  if (!config) throw sourceError(`site ${site.key || "/"} has no source: configure one with --source and --url`, {}, "sluice.source.not.found");
  if (productOfKind(config.kind) !== site.product) {
    throw sourceError(`a ${config.kind} source cannot feed the ${site.product} site ${site.key || "/"}`, {}, "sluice.source.invalid");
  }
  const connector = connectorFor(config);
  const startedAt = clock.now();
  const state = (await store.settings.get<SyncState>(site.id, STATE_KEY)) ?? {};
  const saved = (await store.settings.get<CheckpointState>(site.id, CHECKPOINT_KEY)) ?? { streams: {} };
  const checkpoints: CheckpointState = options.full ? { streams: {} } : saved;
  const full = options.full === true || state.firstSyncAt === undefined;
  const run: SyncRun = {
    id: randomUUID(),
    kind: config.kind,
    status: "RUNNING",
    mode: full ? "full" : "incremental",
    startedAt: new Date(startedAt).toISOString(),
    heartbeatAt: startedAt,
    host: hostname(),
    pid: process.pid,
    counts: {},
    deleted: {},
    streams: connector.streams.map((s) => ({ stream: s.name, status: "PENDING", items: 0, rate: 0 })),
    requests: 0,
    retries: 0,
  };
  const claim = await claimSite(store, site.id, run, startedAt);
  if (!claim.ok) throw syncBusy(claim.running);
  const log = options.logger;
  log?.info({ site: site.key, kind: config.kind, mode: run.mode }, "sync started");

  const abort = new AbortController();
  const signal = options.signal ? AbortSignal.any([abort.signal, options.signal]) : abort.signal;
  let http: HttpClient | undefined;
  try {
    const credentials = await loadCredentials(config, options.env);
    http = new HttpClient({
      baseUrl: connector.apiBase?.(config) ?? config.url,
      credentials,
      authHint: connector.authHint,
      requestsPerSecond: config.requestsPerSecond,
      timeoutMs: options.timeoutMs,
      backoff: options.backoff,
      clock,
      fetch: options.fetch,
      signal,
      onRetry: (info) => log?.warn({ site: site.key, ...info }, "retrying a request"),
    });
    const shared = new Map<string, unknown>();
    const mappers = new Map<string, { def: EntityDef; map: RowMapper }>();
    const mapperOf = (name: string) => {
      let m = mappers.get(name);
      if (!m) {
        const def = entityDef(connector.product, name);
        m = { def, map: rowMapper(def, connector.linkBase?.(config) ?? config.url) };
        mappers.set(name, m);
      }
      return m;
    };
    const lookup = async (name: string, column: string, values: readonly string[], columns?: readonly string[]) => {
      if (values.length === 0) return [];
      const def = mapperOf(name).def;
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < values.length; i += 500) {
        const slice = values.slice(i, i + 500);
        out.push(...(await store.data.distinct(site.id, def, columns ?? [column, "scope_key"], { column, in: slice }, 1_000_000)));
      }
      return out;
    };
    const publish = async () => {
      const now = clock.now();
      run.heartbeatAt = now;
      run.requests = http?.requests ?? 0;
      run.retries = http?.retries ?? 0;
      for (const p of run.streams) refreshProgress(p, now);
      await store.settings.set(site.id, CURRENT_KEY, run);
      options.onProgress?.(run);
    };

    for (const [index, stream] of connector.streams.entries()) {
      const progress = run.streams[index]!;
      progress.status = "RUNNING";
      progress.startedAt = clock.now();
      await publish();
      const ctx: StreamContext = {
        config,
        http,
        checkpoint: checkpoints.streams[stream.name],
        firstSync: state.firstSyncAt === undefined,
        now: startedAt,
        signal,
        shared,
        lookup,
        setEstimate: (total) => {
          if (total === undefined) delete progress.total;
          else progress.total = total;
        },
      };
      let batches = 0;
      let last: Checkpoint | undefined = ctx.checkpoint;
      for await (const batch of stream.read(ctx)) {
        await storeBatch(store, site.id, batch, mapperOf, run.counts, run.deleted);
        last = batch.checkpoint;
        checkpoints.streams[stream.name] = { ...batch.checkpoint };
        await store.settings.set(site.id, CHECKPOINT_KEY, checkpoints);
        progress.items += batch.items;
        batches++;
        await publish();
        await options.afterBatch?.(stream.name, batches);
      }
      const done = last && stream.complete ? stream.complete(last) : undefined;
      if (done) checkpoints.streams[stream.name] = { ...done };
      else delete checkpoints.streams[stream.name];
      await store.settings.set(site.id, CHECKPOINT_KEY, checkpoints);
      progress.status = "DONE";
      progress.finishedAt = clock.now();
      await publish();
      log?.info({ site: site.key, stream: stream.name, items: progress.items }, "stream synced");
    }

    const everyMs = (options.reconcileEveryHours ?? 24) * 3_600_000;
    const due = state.lastReconcileAt !== undefined && startedAt - state.lastReconcileAt >= everyMs;
    if (options.full || options.reconcile || due) {
      const ctx: StreamContext = { config, http, checkpoint: undefined, firstSync: false, now: startedAt, signal, shared, lookup, setEstimate: () => {} };
      const swept = await reconcile(store, site.id, connector, ctx, (name) => mapperOf(name).def, log);
      for (const [name, n] of Object.entries(swept)) run.deleted[name] = (run.deleted[name] ?? 0) + n;
      state.lastReconcileAt = startedAt;
    } else if (state.lastReconcileAt === undefined) {
      // The first full pass saw everything: the next sweep is due a period from now.
      state.lastReconcileAt = startedAt;
    }

    const finished = new Date(clock.now()).toISOString();
    state.firstSyncAt ??= finished;
    state.lastSuccessAt = finished;
    await store.settings.set(site.id, STATE_KEY, state);
    run.status = "SUCCEEDED";
    run.finishedAt = finished;
    await finish(store, site.id, run, clock, http);
    log?.info({ site: site.key, counts: run.counts, deleted: run.deleted, ms: clock.now() - startedAt }, "sync succeeded");
    options.onProgress?.(run);
    return run;
  } catch (error) {
    abort.abort();
    run.status = "FAILED";
    run.finishedAt = new Date(clock.now()).toISOString();
    const e = sourceErrorWhere(error);
    run.error = {
      message: error instanceof Error ? error.message : String(error),
      ...(e?.entity ? { entity: e.entity } : {}),
      ...(e?.path ? { path: e.path } : {}),
    };
    await finish(store, site.id, run, clock, http);
    log?.warn({ site: site.key, error: run.error }, "sync failed");
    options.onProgress?.(run);
    throw error;
  }
}

async function finish(store: Store, siteId: number, run: SyncRun, clock: Clock, http: HttpClient | undefined): Promise<void> {
  const now = clock.now();
  run.requests = http?.requests ?? 0;
  run.retries = http?.retries ?? 0;
  run.heartbeatAt = now;
  for (const p of run.streams) refreshProgress(p, now);
  await store.settings.set(siteId, CURRENT_KEY, run);
  const runs = await store.settings.get<SyncRun[]>(siteId, RUNS_KEY);
  await store.settings.set(siteId, RUNS_KEY, pushRun(runs, run));
}

async function storeBatch(
  store: Store,
  siteId: number,
  batch: Batch,
  mapperOf: (name: string) => { def: EntityDef; map: RowMapper },
  counts: Record<string, number>,
  deleted: Record<string, number>,
): Promise<void> {
  for (const [name, records] of Object.entries(batch.records)) {
    if (records.length === 0) continue;
    const { def, map } = mapperOf(name);
    for (let i = 0; i < records.length; i += BATCH_ROWS) {
      const slice = records.slice(i, i + BATCH_ROWS);
      await store.data.upsert(siteId, def, slice.map(map));
    }
    counts[name] = (counts[name] ?? 0) + records.length;
  }
  for (const [name, keys] of Object.entries(batch.deletes ?? {})) {
    if (keys.length === 0) continue;
    const n = await store.data.deleteByKey(siteId, mapperOf(name).def, keys);
    if (n > 0) deleted[name] = (deleted[name] ?? 0) + n;
  }
}
