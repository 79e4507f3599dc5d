/**
 * The sync engine: runs a connector's streams for one site, maps records to rows, upserts them in
 * batches and commits each stream's checkpoint right after its batch (a killed sync resumes where it
 * stopped; upserts by key mean no duplicates), and sweeps deletions on a full sync or when the reconcile
 * is due. It runs inside a job of kind `sync` (sync-kind.ts): the job runner holds the site's sync lock,
 * the lease and the record of the run.
 */
import { join } from "node:path";
import { entity as entityDef, type EntityDef } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";
import type { Batch, Checkpoint, StreamContext } from "../sources/connector/connector.js";
import { connectorFor } from "../sources/connectors.js";
import { authorizationHeader, loadCredentials } from "../sources/connector/credentials.js";
import { HttpClient } from "../sources/connector/http-client.js";
import { systemClock, type Clock } from "../sources/connector/rate-budget.js";
import { sourceError } from "../sources/connector/source-error.js";
import { parseSourceConfig, productOfKind, SOURCE_SETTING, type SourceConfig } from "../sources/connector/source-config.js";
import { reconcile, type SyncLogger } from "./reconcile.js";
import { CHECKPOINT_KEY, SKIPPED_NAMES, STATE_KEY, refreshProgress, type CheckpointState, type SyncResult, type SyncState } from "./run-state.js";
import { rowMapper, type RowMapper } from "./to-row.js";

export type { SyncLogger };

/** How a sync talks to its source; tests and benchmarks replace parts of it. */
export interface SyncHttpOptions {
  clock?: Clock;
  fetch?: typeof fetch;
  timeoutMs?: number;
  backoff?: { baseDelayMs?: number; maxDelayMs?: number; maxRetries?: number };
  /** Sweep deletions when this long has passed since the last sweep (default 24 h). */
  reconcileEveryHours?: number;
  /** Test hook: called after each committed batch (the kill test stops here). */
  afterBatch?: (stream: string, batches: number) => void | Promise<void>;
}

export interface SyncSiteOptions extends SyncHttpOptions {
  store: Store;
  site: Site;
  /** Where tokens named by `tokenEnv` are looked up (the configuration's environment). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where files named by `tokenFile` are looked up (`<home>/secrets`); none: tokenFile is refused. */
  secretsDir?: string;
  /** Where git mirrors of synced repositories live (`mirrorsFolder(home)`); none: commits through the REST API. */
  mirrorsDir?: string;
  /** Ignore checkpoints: read everything again, then sweep deletions. */
  full?: boolean;
  /** Sweep deletions in this run (also done on `full`, and when the reconcile is due). */
  reconcile?: boolean;
  signal?: AbortSignal;
  logger?: SyncLogger;
  /** Called after every committed batch and at each stream's start and end, with the run so far. */
  onProgress?: (run: SyncResult) => void;
}

export async function readSourceConfig(store: Store, siteId: number): Promise<SourceConfig | undefined> {
  const raw = await store.settings.get<unknown>(siteId, SOURCE_SETTING);
  if (raw === undefined) return undefined;
  const parsed = parseSourceConfig(raw);
  if (!parsed.ok) throw sourceError(`the source of site ${siteId} is invalid: ${parsed.errors.map((e) => e.message).join("; ")}`, {}, "sluice.source.invalid");
  return parsed.config;
}

/** The source of a site, or a clear error when it has none or it cannot feed the site. */
export async function sourceOf(store: Store, site: Site): Promise<SourceConfig> {
  const config = await readSourceConfig(store, site.id);
  if (!config) throw sourceError(`site ${site.key || "/"} has no source: configure one with --source and --url`, {}, "sluice.source.not.found");
  if (productOfKind(config.kind) !== site.product) {
    throw sourceError(`a ${config.kind} source cannot feed the ${site.product} site ${site.key || "/"}`, {}, "sluice.source.invalid");
  }
  return config;
}

const BATCH_ROWS = 2000;

/**
 * Syncs one site from its source. `run` holds what the sync did so far (updated in place, reported
 * through `onProgress`); it is returned complete, or left as far as it got when this throws.
 */
export async function syncSite(options: SyncSiteOptions, run: SyncResult): Promise<SyncResult> {
  const { store, site } = options;
  const clock = options.clock ?? systemClock;
  const config = await sourceOf(store, site);
  const connector = connectorFor(config);
  const startedAt = clock.now();
  const state = (await store.settings.get<SyncState>(site.id, STATE_KEY)) ?? {};
  const saved = (await store.settings.get<CheckpointState>(site.id, CHECKPOINT_KEY)) ?? { streams: {} };
  const checkpoints: CheckpointState = options.full ? { streams: {} } : saved;
  const full = options.full === true || state.firstSyncAt === undefined;
  Object.assign(run, {
    source: config.kind,
    mode: full ? "full" : "incremental",
    streams: connector.streams.map((s) => ({ stream: s.name, status: "PENDING", items: 0, rate: 0 })),
  });
  const log = options.logger;
  log?.info({ site: site.key, kind: config.kind, mode: run.mode }, "sync started");

  const signal = options.signal ?? new AbortController().signal;
  const credentials = await loadCredentials(config, options.env, options.secretsDir);
  const http = new HttpClient({
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
      // One by one: a spread of a big result would overflow the call stack.
      for (const row of await store.data.distinct(site.id, def, columns ?? [column, "scope_key"], { column, in: slice }, 1_000_000)) out.push(row);
    }
    return out;
  };
  async function* stored(name: string, column: string, value: string | number, columns: readonly string[]): AsyncIterable<Record<string, unknown>[]> {
    const def = mapperOf(name).def;
    const snapshot = await store.data.snapshot(site.id);
    try {
      for await (const batch of snapshot.rows({ entity: def, where: [{ column, op: "=", value }], columns }, BATCH_ROWS)) {
        yield batch.map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i] instanceof Uint8Array ? Buffer.from(values[i]).toString("utf8") : values[i]])));
      }
    } finally {
      await snapshot.close();
    }
  }
  const publish = () => {
    const now = clock.now();
    run.requests = http.requests;
    run.retries = http.retries;
    for (const p of run.streams) refreshProgress(p, now);
    options.onProgress?.(run);
  };
  const shared = new Map<string, unknown>();
  const context = (checkpoint: Checkpoint | undefined, firstSync: boolean, setEstimate: StreamContext["setEstimate"]): StreamContext => ({
    config,
    http,
    checkpoint,
    firstSync,
    now: startedAt,
    signal,
    shared,
    lookup,
    stored,
    setEstimate,
    mirrorDir: options.mirrorsDir === undefined ? undefined : join(options.mirrorsDir, String(site.id)),
    authorization: (user) => authorizationHeader(user !== undefined && credentials.scheme === "basic" ? { ...credentials, user } : credentials),
    skip(entity, reason, names) {
      if (names.length === 0) return;
      run.skipped ??= [];
      let entry = run.skipped.find((e) => e.entity === entity && e.reason === reason);
      if (!entry) run.skipped.push((entry = { entity, reason, count: 0, names: [] }));
      entry.count += names.length;
      for (const name of names) if (entry.names.length < SKIPPED_NAMES && !entry.names.includes(name)) entry.names.push(name);
      log?.warn({ site: site.key, entity, reason, count: names.length, names: names.slice(0, 10) }, "items skipped");
    },
  });

  try {
    for (const [index, stream] of connector.streams.entries()) {
      const progress = run.streams[index]!;
      progress.status = "RUNNING";
      progress.startedAt = clock.now();
      publish();
      const ctx = context(checkpoints.streams[stream.name], state.firstSyncAt === undefined, (total) => {
        if (total === undefined) delete progress.total;
        else progress.total = total;
      });
      let batches = 0;
      let last: Checkpoint | undefined = ctx.checkpoint;
      for await (const batch of stream.read(ctx)) {
        await storeBatch(store, site.id, batch, mapperOf, run.counts, run.deleted);
        last = batch.checkpoint;
        checkpoints.streams[stream.name] = { ...batch.checkpoint };
        await store.settings.set(site.id, CHECKPOINT_KEY, checkpoints);
        progress.items += batch.items;
        batches++;
        publish();
        await options.afterBatch?.(stream.name, batches);
      }
      const done = last && stream.complete ? stream.complete(last) : undefined;
      if (done) checkpoints.streams[stream.name] = { ...done };
      else delete checkpoints.streams[stream.name];
      await store.settings.set(site.id, CHECKPOINT_KEY, checkpoints);
      progress.status = "DONE";
      progress.finishedAt = clock.now();
      publish();
      log?.info({ site: site.key, stream: stream.name, items: progress.items }, "stream synced");
    }

    const everyMs = (options.reconcileEveryHours ?? 24) * 3_600_000;
    const due = state.lastReconcileAt !== undefined && startedAt - state.lastReconcileAt >= everyMs;
    if (options.full || options.reconcile || due) {
      const swept = await reconcile(store, site.id, connector, context(undefined, false, () => {}), (name) => mapperOf(name).def, log);
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
    publish();
    log?.info({ site: site.key, counts: run.counts, deleted: run.deleted, ms: clock.now() - startedAt }, "sync succeeded");
    return run;
  } finally {
    run.requests = http.requests;
    run.retries = http.retries;
    for (const p of run.streams) refreshProgress(p, clock.now());
  }
}

/** A fresh run record, before the source is known. */
export function emptyRun(): SyncResult {
  return { source: "", mode: "incremental", counts: {}, deleted: {}, streams: [], requests: 0, retries: 0 };
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
