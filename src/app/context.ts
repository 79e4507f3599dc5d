/**
 * The object graph, wired once: config → store → sources → the job runner with its kinds (export,
 * sync) → the services the API and CLI use → the scheduler. Entry points (server, CLI commands) create
 * a context and pass it down; nothing is a module singleton.
 */
import { AccessService } from "../access/access-service.js";
import { openAttachmentBlobs, type AttachmentBlobs } from "../attachments/index.js";
import type { Config } from "../config.js";
import { sqlitePath } from "../config.js";
import { exportKind } from "../export/export-kind.js";
import { exportScheduleTarget } from "../export/export-schedule.js";
import { ExportService } from "../export/export-service.js";
import { JobRunner } from "../jobs/runner.js";
import { Scheduler } from "../jobs/scheduler.js";
import { createLogger, type Logger } from "../logger.js";
import type { Source } from "../sources/port.js";
import { secretsFolder } from "../sources/connector/credentials.js";
import { mirrorsFolder } from "../sources/bitbucket/git-mirror.js";
import { gitSource } from "../sources/git/index.js";
import { connectorSource } from "../sync/connector-source.js";
import { syncKind } from "../sync/sync-kind.js";
import { syncScheduleTarget } from "../sync/sync-schedule.js";
import { SyncService } from "../sync/sync-service.js";
import { SYNC_KIND } from "../sync/run-state.js";
import { SiteCounts } from "../sites/site-counts.js";
import { reportKind } from "../reports/report-kind.js";
import { ReportService } from "../reports/report-service.js";
import { SqlService } from "../sql/sql-service.js";
import { backupKind } from "../backup/backup-kind.js";
import { transferKind } from "../backup/transfer-kind.js";
import { verifyKind, verifyScheduleTarget } from "../backup/verify-kind.js";
import { BackupService } from "../backup/backup-service.js";
import { BackupStorages } from "../backup/storages.js";
import { restoreKind } from "../backup/restore/restore-kind.js";
import { RestoreService } from "../backup/restore/restore-service.js";
import { reportScheduleTarget } from "../reports/report-schedule.js";
import { sweepFiles } from "../reports/report-files.js";
import { REPORT_KIND } from "../reports/schedule-model.js";
import { openPostgresStore } from "../store/postgres/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { secureHome } from "./home.js";
import type { Store } from "../store/port.js";

export interface AppContext {
  config: Config;
  store: Store;
  logger: Logger;
  sources: Source[];
  runner: JobRunner;
  exports: ExportService;
  syncs: SyncService;
  access: AccessService;
  reports: ReportService;
  /** SQL over sites' data (the API, the CLI, reports of saved queries). */
  sql: SqlService;
  /** The organisation's storages, backup policies and backups. */
  backups: BackupService;
  /** Restores of backups into sites: validation, consents, the post-operation report. */
  restores: RestoreService;
  /** The bytes of attachments (`<home>/attachments`), beside their rows in the store. */
  attachments: AttachmentBlobs;
  /** Row counts per site for the console, kept a few seconds (`sites/site-counts.ts`). */
  siteCounts: SiteCounts;
  scheduler: Scheduler;
  close(): Promise<void>;
}

export async function openStore(config: Config): Promise<Store> {
  secureHome(config.home);
  if (config.store.kind === "postgres") return openPostgresStore(config.store.url, { sqlConnections: config.sql.threads });
  return openSqliteStore(sqlitePath(config), { sqlThreads: config.sql.threads });
}

/** Sources that concern sites: each adds readiness checks and may read entities itself. */
export function createSources(store: Store, config?: Config): Source[] {
  return [gitSource(store, { yieldCpu: config?.jobs.background !== "flat-out" }), connectorSource(store)];
}

/** The job runner of this node, with every kind registered. */
/** What the kinds share with the services of the context (one instance each). */
export interface RunnerServices {
  access: AccessService;
  sql: SqlService;
  storages: BackupStorages;
  attachments: AttachmentBlobs;
}

export function runnerServices(config: Config, store: Store, sources: readonly Source[]): RunnerServices {
  const access = new AccessService(store);
  return { access, sql: new SqlService(store, access, config, sources), storages: new BackupStorages(config, store), attachments: openAttachmentBlobs(config) };
}

export function createRunner(config: Config, store: Store, sources: readonly Source[], logger: Logger, services = runnerServices(config, store, sources)): JobRunner {
  const runner = new JobRunner({
    store,
    config: { nodeId: config.nodeId, jobLeaseSeconds: config.jobLeaseSeconds, concurrency: config.jobs.concurrency, pollMs: config.jobs.pollSeconds * 1000 },
    logger,
  });
  runner.register(exportKind({ config, store, sources }));
  runner.register(syncKind({ store, env: () => config.env ?? {}, secretsDir: secretsFolder(config.home), mirrorsDir: mirrorsFolder(config.home), logger }));
  runner.register(reportKind({ config, store, access: services.access, sql: services.sql, logger }));
  runner.register(backupKind({ store, storages: services.storages, attachments: services.attachments, config }));
  runner.register(transferKind({ store, storages: services.storages }));
  runner.register(verifyKind({ store, storages: services.storages, config }));
  runner.register(restoreKind({ store, storages: services.storages, attachments: services.attachments, config }));
  return runner;
}

export async function createContext(config: Config, options: { logger?: Logger } = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = await openStore(config);
  const sources = createSources(store, config);
  const services = runnerServices(config, store, sources);
  const { access } = services;
  const runner = createRunner(config, store, sources, logger, services);
  const exports = new ExportService({ config, store, sources, logger, runner });
  const syncs = new SyncService({ store, runner });
  const siteCounts = new SiteCounts(store);
  const backups = new BackupService({ store, runner, storages: services.storages, config });
  // A sync changes a site's rows: its counts are counted again at the next look.
  runner.onJobEnd((job) => {
    if (job.kind === SYNC_KIND && job.siteId !== null) siteCounts.forget(job.siteId);
    // Files no run needs any more (delivered, expired, replaced as the latest) go after each run.
    if (job.kind === REPORT_KIND) sweep();
  });
  // One sweep at a time; close() waits for the one running.
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= sweepFiles(config, store, Date.now())
      .then(() => undefined, (error: unknown) => logger.warn({ err: error }, "report file sweep failed"))
      .finally(() => (sweeping = undefined));
  };
  const sweeper = setInterval(sweep, 3_600_000);
  sweeper.unref();
  const scheduler = new Scheduler({
    store,
    runner,
    targets: [exportScheduleTarget(exports), syncScheduleTarget(runner), reportScheduleTarget(runner), verifyScheduleTarget(runner)],
    logger,
    intervalMs: config.schedulerIntervalSeconds * 1000,
  });
  return {
    config,
    store,
    logger,
    sources,
    runner,
    exports,
    syncs,
    access,
    reports: new ReportService({ store, access, runner, config }),
    sql: services.sql,
    backups,
    restores: new RestoreService({ store, runner, storages: services.storages, backups }),
    attachments: services.attachments,
    siteCounts,
    scheduler,
    async close() {
      scheduler.stop();
      clearInterval(sweeper);
      await runner.shutdown(config.shutdownGraceSeconds * 1000);
      await sweeping;
      await store.close();
    },
  };
}
