/**
 * A connector sync as a kind of job: one sync per site at a time (`sync:<site>`), beside the site's
 * exports. Progress carries the run as it goes (streams, counts); a failed or cancelled sync keeps what
 * it did and where it failed (entity, URL path).
 */
import { isSluiceError } from "../core/errors.js";
import type { JobKind } from "../jobs/kind.js";
import { sourceErrorWhere } from "../sources/connector/source-error.js";
import type { Store } from "../store/port.js";
import { emptyRun, syncSite, type SyncHttpOptions, type SyncLogger } from "./engine.js";
import { SYNC_KIND, syncLock, type SyncParams, type SyncResult } from "./run-state.js";

export interface SyncKindDeps {
  store: Store;
  /** Where tokens named by `tokenEnv` are looked up. */
  env: () => Readonly<Record<string, string | undefined>>;
  /** Where files named by `tokenFile` are looked up (`<home>/secrets`). */
  secretsDir?: string;
  /** Where git mirrors of synced repositories live (`<home>/git/mirrors`). */
  mirrorsDir?: string;
  http?: SyncHttpOptions;
  logger?: SyncLogger;
  /** Every run's progress, as it goes (the CLI's progress lines). */
  onProgress?: (jobId: number, run: SyncResult) => void;
  /** Every failure, as thrown (the CLI and tests report it as it was). */
  onError?: (jobId: number, error: unknown) => void;
}

function errorOf(error: unknown): SyncResult["error"] {
  const where = sourceErrorWhere(error);
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(where.entity ? { entity: where.entity } : {}),
    ...(where.path ? { path: where.path } : {}),
  };
}

export function syncKind(deps: SyncKindDeps): JobKind<SyncParams, SyncResult, SyncResult> {
  const runs = new Map<number, SyncResult>();
  return {
    name: SYNC_KIND,
    noun: "the sync",
    lockKey: (siteId) => syncLock(siteId ?? 0),
    async run(ctx) {
      const run = emptyRun();
      runs.set(ctx.job.id, run);
      const report = () => {
        const items = run.streams.reduce((n, s) => n + s.items, 0);
        const current = run.streams.find((s) => s.status === "RUNNING") ?? run.streams.at(-1);
        const known = run.streams.every((s) => s.total !== undefined);
        ctx.progress({
          label: current ? `${current.stream} stream` : "starting",
          done: items,
          total: known && run.streams.length > 0 ? run.streams.reduce((n, s) => n + (s.total ?? 0), 0) : null,
          unit: "items",
          rate: current?.rate ?? 0,
          etaSeconds: current?.etaSeconds ?? null,
          detail: structuredClone(run),
        });
        deps.onProgress?.(ctx.job.id, run);
      };
      try {
        await syncSite(
          {
            ...deps.http,
            store: deps.store,
            site: ctx.site!,
            env: deps.env(),
            ...(deps.secretsDir !== undefined ? { secretsDir: deps.secretsDir } : {}),
            ...(deps.mirrorsDir !== undefined ? { mirrorsDir: deps.mirrorsDir } : {}),
            full: ctx.job.params.full,
            reconcile: ctx.job.params.reconcile,
            signal: ctx.signal,
            logger: deps.logger ?? ctx.logger,
            onProgress: report,
          },
          run,
        );
        runs.delete(ctx.job.id);
        return { result: run, summary: { counts: run.counts, deleted: run.deleted } };
      } catch (error) {
        run.error = errorOf(error);
        deps.onProgress?.(ctx.job.id, run);
        deps.onError?.(ctx.job.id, error);
        throw error;
      }
    },
    partialResult: (job) => {
      const run = runs.get(job.id) ?? null;
      runs.delete(job.id);
      return run;
    },
    failure: (error) => ({ key: isSluiceError(error) ? error.code : "sluice.sync.failed", message: error instanceof Error ? error.message : String(error) }),
  };
}
