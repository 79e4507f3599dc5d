/**
 * The Sluice sides of the backup benchmark, each meant to run alone in a fresh child process (so that
 * its peak RSS is its own) and to report one JSON line (`{"side": …}`) on stdout:
 *
 * - `backupSide`: a policy for `/wiki` (rows only: `includeAttachments` false), then
 *   `BackupService.startBackup` and the `backup` job waited for, as the API starts it; timed from the
 *   start to the end of the job.
 * - `restoreSide`: an empty Confluence site of the same organisation, `RestoreService.create` of the
 *   backup (users and groups included), the `CUSTOM_GROUPS` check consented with `revalidate`, and the
 *   `restore` job waited for; timed from `create` to the end of the job. The restored rows are counted
 *   per entity afterwards (not timed) against the source's.
 *
 * Both note the longest stall of the event loop (`monitorEventLoopDelay`): the thread that answers the
 * API in a server. The restore also times what it spends in the store: its upserts into the staging
 * site and the one transaction of `DataRepo.promote` (the store's `data` methods wrapped here, nothing
 * changed in them).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createContext, type AppContext } from "../../src/app/context.js";
import type { BackupResult } from "../../src/backup/backup-kind.js";
import type { RestoreReport } from "../../src/backup/restore/restore-kind.js";
import { restorableEntities } from "../../src/backup/restore/restore-kind.js";
import type { Config } from "../../src/config.js";
import { isActive, type Job } from "../../src/core/job.js";
import { createLogger } from "../../src/logger.js";
import { createSite } from "../../src/sites/site-service.js";

export const SOURCE_SITE = "wiki";

export interface BackupSideRun {
  side: "backup";
  status: string;
  errors: unknown[];
  seconds: number;
  rows: number;
  counts: Record<string, number>;
  bytes: number;
  parts: number;
  backupId: string;
  maxRssMb: number;
  maxStallMs: number;
  /** Where the archive lies (removed by the caller). */
  archive: string;
}

export interface RestoreSideRun {
  side: "restore";
  status: string;
  errors: unknown[];
  seconds: number;
  rows: number;
  /** Rows of each entity in the destination afterwards, and in the source. */
  destination: Record<string, number>;
  source: Record<string, number>;
  destinationSiteId: number;
  maxRssMb: number;
  maxStallMs: number;
  /** Seconds in the store's upserts into the staging site, and in `promote`. */
  stagingSeconds: number;
  promoteSeconds: number;
}

const print = (run: BackupSideRun | RestoreSideRun) => process.stdout.write(`${JSON.stringify(run)}\n`);
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** The longest event-loop stall (ms) while `work` runs. */
async function watched<T>(work: () => Promise<T>): Promise<{ value: T; maxStallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const value = await work();
    return { value, maxStallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** Dispatches queued work until the job has ended; the job as it ended. */
async function jobEnded(ctx: AppContext, id: number): Promise<Job> {
  for (;;) {
    await ctx.runner.dispatch();
    await ctx.runner.waitFor(id);
    const job = (await ctx.store.jobs.get(id))!;
    if (!isActive(job.status)) return job;
    await sleep(10);
  }
}

export async function backupSide(config: Config): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  try {
    const site = (await ctx.store.sites.byKey(SOURCE_SITE))!;
    const policy = await ctx.backups.createPolicy(site.orgId, site.cloudId, { product: site.product, includeAttachments: false });
    const t0 = process.hrtime.bigint();
    const { value: job, maxStallMs } = await watched(async () => {
      const started = await ctx.backups.startBackup(site.orgId, { policyId: policy.id, cloudId: site.cloudId });
      return jobEnded(ctx, started.id);
    });
    const took = seconds(t0);
    const result = job.result as unknown as BackupResult | null;
    const counts = result?.counts ?? {};
    print({
      side: "backup",
      status: job.status,
      errors: job.errors,
      seconds: took,
      rows: Object.values(counts).reduce((a, b) => a + b, 0),
      counts,
      bytes: result?.bytes ?? 0,
      parts: result?.parts ?? 0,
      backupId: String(job.id),
      maxRssMb: maxRssMb(),
      maxStallMs,
      archive: result ? `${ctx.config.home}/backups/${result.prefix}` : "",
    });
  } finally {
    await ctx.close();
  }
}

export async function restoreSide(config: Config, backupId: string, destinationKey: string): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  try {
    const source = (await ctx.store.sites.byKey(SOURCE_SITE))!;
    const destination = await createSite(ctx.store, { product: source.product, contextPath: `/${destinationKey}` }, "ready");
    // Time the store's staging writes and the promote, as the restore job calls them.
    const data = ctx.store.data;
    const upsert = data.upsert.bind(data);
    const promote = data.promote.bind(data);
    let staging = 0n;
    let promoting = 0n;
    data.upsert = async (siteId, def, rows) => {
      const t = process.hrtime.bigint();
      try {
        return await upsert(siteId, def, rows);
      } finally {
        if (siteId < 0) staging += process.hrtime.bigint() - t;
      }
    };
    data.promote = async (from, to, defs) => {
      const t = process.hrtime.bigint();
      try {
        return await promote(from, to, defs);
      } finally {
        promoting += process.hrtime.bigint() - t;
      }
    };
    const t0 = process.hrtime.bigint();
    const { value: job, maxStallMs } = await watched(async () => {
      const request = { backupId, product: source.product, includeAttachments: false, includeUsersAndGroups: true };
      let state = await ctx.restores.create(source.orgId, destination.cloudId, request);
      if (state.status === "AWAITING_CONSENT") {
        const codes = state.restore.checks.map((c) => c.code);
        if (codes.some((c) => c !== "CUSTOM_GROUPS")) throw new Error(`the restore waits for checks other than CUSTOM_GROUPS: ${codes.join(", ")}`);
        state = await ctx.restores.revalidate(source.orgId, destination.cloudId, { restoreId: state.restore.id, consent: ["Accept_Custom_Group_Check"] });
      }
      if (!state.job) throw new Error(`the restore did not start: ${state.status}`);
      return jobEnded(ctx, state.job.id);
    });
    const took = seconds(t0);
    // The restore's peak, before the counts below (they read every row once more).
    const rss = maxRssMb();
    const report = job.result as unknown as RestoreReport | null;
    const destinationCounts: Record<string, number> = {};
    const sourceCounts: Record<string, number> = {};
    for (const def of restorableEntities(source.product)) {
      destinationCounts[def.name] = await ctx.store.data.count(destination.id, def);
      sourceCounts[def.name] = await ctx.store.data.count(source.id, def);
    }
    print({
      side: "restore",
      status: job.status,
      errors: job.errors,
      seconds: took,
      rows: report ? Object.values(report.restored).reduce((a, l) => a + l.rows, 0) + Object.values(report.kept).reduce((a, n) => a + n, 0) : 0,
      destination: destinationCounts,
      source: sourceCounts,
      destinationSiteId: destination.id,
      maxRssMb: rss,
      maxStallMs,
      stagingSeconds: Number(staging) / 1e9,
      promoteSeconds: Number(promoting) / 1e9,
    });
  } finally {
    await ctx.close();
  }
}

/** Empties a restored site (PostgreSQL runs share one database: the next run's reference dumps the source alone). */
export async function clearSide(config: Config, siteId: number): Promise<void> {
  const ctx = await createContext(config, { logger: createLogger("warn") });
  try {
    await ctx.store.data.clearSite(siteId);
    process.stdout.write(`${JSON.stringify({ side: "clear", siteId })}\n`);
  } finally {
    await ctx.close();
  }
}
