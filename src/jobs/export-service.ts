/**
 * Export jobs: start (validation, pre-validation, the per-site lock), run (lease, progress,
 * cancellation through the store so any node can cancel), finish, and recovery of jobs whose node died.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { schemaStatus } from "../core/entities/registry.js";
import { isCancelled, isSluiceError, jobMessage } from "../core/errors.js";
import { isRunning, type JobMessage, type JobProgress, type JobRecord, type JobTrigger } from "../core/job.js";
import type { Config } from "../config.js";
import { runExport } from "../export/engine.js";
import { checkDiskSpace } from "../export/disk-space.js";
import type { Logger } from "../logger.js";
import type { Source } from "../sources/port.js";
import type { Site, Store } from "../store/port.js";
import { rootExportPath, siteBaseUrl } from "./export-paths.js";
import { OPT_OUT_SETTING } from "./opt-outs.js";
import type { OptedOutEntity } from "../core/job.js";

export interface StartRequest {
  exportFrom: number;
  forced: boolean;
  schemaVersion: number;
  trigger: JobTrigger;
}

export type StartResult =
  | { outcome: "started"; job: JobRecord }
  | { outcome: "running"; job: JobRecord }
  | { outcome: "failed"; job: JobRecord };

export type CancelResult = { outcome: "requested"; job: JobRecord } | { outcome: "none"; jobId: number | null };

interface LocalJob {
  job: JobRecord;
  controller: AbortController;
  reason: "cancel" | "shutdown" | null;
  progress: JobProgress | null;
  done: Promise<void>;
}

export interface ExportServiceDeps {
  config: Config;
  store: Store;
  sources: readonly Source[];
  logger: Logger;
  now?: () => number;
}

export class ExportService {
  readonly instanceId: string;
  readonly nodeId: string;
  private readonly local = new Map<string, LocalJob>();
  private readonly now: () => number;
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ExportServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.nodeId = deps.config.nodeId;
    this.instanceId = `${deps.config.nodeId}:${process.pid}:${randomBytes(4).toString("hex")}`;
  }

  /**
   * How long a renewal keeps a job alive: two thirds of `jobLeaseSeconds`. With renewals every second
   * and lease checks every sixth of the lease, a job whose node died is marked FAILED at most
   * 2/3 + 1/6 of `jobLeaseSeconds` after the node's last renewal: within the configured lease.
   */
  private get leaseMs(): number {
    return Math.floor((this.deps.config.jobLeaseSeconds * 1000 * 2) / 3);
  }

  private get checkEveryMs(): number {
    return Math.max(500, Math.floor((this.deps.config.jobLeaseSeconds * 1000) / 6));
  }

  /** Marks jobs whose node is gone as FAILED (`export.node.lost`) so that a new export can start. */
  async recoverLostJobs(): Promise<JobRecord[]> {
    const lost: JobRecord[] = [];
    const now = this.now();
    for (const job of await this.deps.store.jobs.allRunning()) {
      if (job.instanceId === this.instanceId) continue;
      const sameNodeDead = job.nodeId === this.deps.config.nodeId && !processAlive(job.pid, job.instanceId, this.instanceId);
      if (!sameNodeDead && job.leaseExpiresAt > now) continue;
      const ok = await this.deps.store.jobs.transition(job.siteId, job.jobId, ["STARTED", "CANCELLATION_REQUESTED"], {
        status: "FAILED",
        completedTime: now,
        progress: null,
        errors: [
          ...job.errors,
          {
            key: "export.node.lost",
            message: jobMessage(
              `Node ${job.nodeId} stopped renewing the export's lease (it crashed or lost the database); the job was marked failed so a new export can start.`,
            ),
          },
        ],
      });
      if (ok) {
        lost.push(job);
        this.deps.logger.warn({ site: job.siteId, jobId: job.jobId, node: job.nodeId }, "export job lost its node: marked FAILED");
      }
    }
    return lost;
  }

  /** Starts the lease monitor (lost-job recovery every sixth of the lease). */
  startMonitor(): void {
    const tick = () => {
      this.recoverLostJobs().catch((error: unknown) => this.deps.logger.error({ err: error }, "lease check failed"));
    };
    this.leaseTimer = setInterval(tick, this.checkEveryMs);
    this.leaseTimer.unref();
  }

  async start(site: Site, request: StartRequest): Promise<StartResult> {
    const { store, config } = this.deps;
    await this.recoverLostJobs();
    const running = await store.jobs.running(site.id);
    if (running) return { outcome: "running", job: running };

    const { rootExportPath: root } = await rootExportPath(config, store.settings, site);
    const optedOut = (await store.settings.get<OptedOutEntity[]>(site.id, OPT_OUT_SETTING)) ?? [];
    const now = this.now();
    const base: Omit<JobRecord, "jobId"> = {
      siteId: site.id,
      status: "STARTED",
      trigger: request.trigger,
      startTime: now,
      completedTime: null,
      cancelledTime: null,
      nodeId: config.nodeId,
      instanceId: this.instanceId,
      pid: process.pid,
      schemaVersion: request.schemaVersion,
      exportFrom: request.exportFrom,
      forced: request.forced,
      rootExportPath: root,
      optedOut,
      warnings: [],
      errors: [],
      statistics: null,
      progress: null,
      files: null,
      leaseExpiresAt: now + this.leaseMs,
    };

    const problems = await this.preValidate(site);
    const fatal: JobMessage[] = [];
    try {
      await mkdir(root, { recursive: true, mode: 0o700 });
      await checkDiskSpace(root, config.export.minimumUsableDiskSpaceAfterExport);
    } catch (error) {
      fatal.push(
        isSluiceError(error)
          ? { key: error.code, message: jobMessage(error.message) }
          : { key: "export.failed", message: jobMessage(`The export directory ${root} cannot be created: ${(error as Error).message}`) },
      );
    }
    if (fatal.length > 0 || (problems.length > 0 && !request.forced)) {
      const created = await store.jobs.create({ ...base, status: "FAILED", completedTime: now, errors: [...problems, ...fatal] });
      if (!created.ok) return { outcome: "running", job: created.running };
      this.deps.logger.info({ site: site.key, jobId: created.job.jobId, errors: created.job.errors }, "export refused by pre-validation");
      return { outcome: "failed", job: created.job };
    }
    const created = await store.jobs.create({ ...base, warnings: problems });
    if (!created.ok) return { outcome: "running", job: created.running };
    this.launch(site, created.job);
    return { outcome: "started", job: created.job };
  }

  /** Readiness of the site and of every source that concerns it. */
  private async preValidate(site: Site): Promise<JobMessage[]> {
    const problems: JobMessage[] = [];
    if (site.state === "loading") {
      problems.push({
        key: "export.pre.validation.failed",
        message: `Site ${site.contextPath} is still being loaded; its data is incomplete until the load finishes.`,
      });
    }
    for (const source of this.deps.sources) {
      if (!(await source.appliesTo(site))) continue;
      for (const p of await source.readiness(site)) problems.push({ key: p.key, message: jobMessage(p.message) });
    }
    return problems;
  }

  private launch(site: Site, job: JobRecord): void {
    const key = `${site.id}:${job.jobId}`;
    const controller = new AbortController();
    const entry: LocalJob = { job, controller, reason: null, progress: null, done: Promise.resolve() };
    this.local.set(key, entry);
    entry.done = this.execute(site, entry).finally(() => this.local.delete(key));
  }

  private async execute(site: Site, entry: LocalJob): Promise<void> {
    const { store, config, logger } = this.deps;
    const job = entry.job;
    const log = logger.child({ site: site.key, jobId: job.jobId, node: config.nodeId });
    const started = this.now();
    let lastProgressWrite = 0;
    const renew = async () => {
      const current = await store.jobs.get(site.id, job.jobId);
      if (!current || current.instanceId !== this.instanceId || !isRunning(current.status)) {
        entry.reason ??= "cancel";
        entry.controller.abort();
        return;
      }
      if (current.status === "CANCELLATION_REQUESTED" && !entry.controller.signal.aborted) {
        entry.reason ??= "cancel";
        entry.controller.abort();
      }
      await store.jobs.update(site.id, job.jobId, this.instanceId, {
        leaseExpiresAt: this.now() + this.leaseMs,
        progress: entry.progress,
      });
      lastProgressWrite = this.now();
    };
    const heartbeat = setInterval(() => {
      renew().catch((error: unknown) => log.error({ err: error }, "lease renewal failed"));
    }, 1000);
    heartbeat.unref();
    try {
      const outcome = await runExport({
        store,
        site,
        instanceUrl: siteBaseUrl(config, site),
        job,
        settings: config.export,
        sources: this.deps.sources,
        zone: config.timeZone,
        signal: entry.controller.signal,
        onProgress: (p) => {
          entry.progress = p;
          if (this.now() - lastProgressWrite > 1000) {
            lastProgressWrite = this.now();
            store.jobs
              .update(site.id, job.jobId, this.instanceId, { progress: p })
              .catch((error: unknown) => log.error({ err: error }, "progress write failed"));
          }
        },
      });
      clearInterval(heartbeat);
      const finished = await store.jobs.update(site.id, job.jobId, this.instanceId, {
        status: "COMPLETED",
        completedTime: this.now(),
        statistics: outcome.statistics,
        files: outcome.files,
        progress: null,
        warnings: [...job.warnings, ...outcome.warnings],
      });
      if (!finished) {
        // Another node took the job while this one was paused past its lease: it stays FAILED.
        log.warn({ outcome: "LOST", durationMs: this.now() - started }, "export finished after its lease lapsed: the job stays FAILED");
        return;
      }
      log.info(
        { outcome: "COMPLETED", durationMs: this.now() - started, rows: outcome.statistics.writtenRows, directory: outcome.directory },
        "export finished",
      );
    } catch (error) {
      clearInterval(heartbeat);
      const now = this.now();
      const written = entry.progress?.totalRowsWritten ?? 0;
      if (isCancelled(error) || entry.controller.signal.aborted) {
        await store.jobs.transition(site.id, job.jobId, ["STARTED", "CANCELLATION_REQUESTED"], {
          status: "CANCELLED",
          completedTime: now,
          cancelledTime: now,
          progress: null,
          statistics: { exportedEntities: 0, writtenRows: written },
        });
        log.info({ outcome: "CANCELLED", reason: entry.reason, durationMs: now - started, rows: written }, "export finished");
      } else {
        const message = isSluiceError(error) ? error.message : `The export failed: ${(error as Error).message}`;
        const key = isSluiceError(error) ? error.code : "export.failed";
        await store.jobs.transition(site.id, job.jobId, ["STARTED", "CANCELLATION_REQUESTED"], {
          status: "FAILED",
          completedTime: now,
          progress: null,
          statistics: { exportedEntities: 0, writtenRows: written },
          errors: [...job.errors, { key, message: jobMessage(message) }],
        });
        log.error({ outcome: "FAILED", err: error, durationMs: now - started }, "export finished");
      }
    }
  }

  /** DELETE /export: request cancellation of the running job (optionally only if it is `jobId`). */
  async cancel(site: Site, jobId?: number): Promise<CancelResult> {
    await this.recoverLostJobs();
    const running = await this.deps.store.jobs.running(site.id);
    if (!running || (jobId !== undefined && running.jobId !== jobId)) return { outcome: "none", jobId: jobId ?? running?.jobId ?? null };
    await this.deps.store.jobs.transition(site.id, running.jobId, ["STARTED"], { status: "CANCELLATION_REQUESTED", completedTime: this.now() });
    const local = this.local.get(`${site.id}:${running.jobId}`);
    if (local) {
      local.reason ??= "cancel";
      local.controller.abort();
    }
    const job = (await this.deps.store.jobs.get(site.id, running.jobId)) ?? running;
    return { outcome: "requested", job };
  }

  /** The job as the API shows it: the latest progress of a job running here is fresher than the store's. */
  withLiveProgress(job: JobRecord): JobRecord {
    const local = this.local.get(`${job.siteId}:${job.jobId}`);
    return local?.progress && isRunning(job.status) ? { ...job, progress: local.progress } : job;
  }

  /** Waits for a job running in this process (CLI exports, tests). */
  async waitFor(siteId: number, jobId: number): Promise<void> {
    await this.local.get(`${siteId}:${jobId}`)?.done;
  }

  /** Graceful shutdown: every job running here ends CANCELLED. */
  async shutdown(graceMs: number): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    const jobs = [...this.local.values()];
    for (const entry of jobs) {
      entry.reason = "shutdown";
      entry.controller.abort();
    }
    await Promise.race([
      Promise.allSettled(jobs.map((j) => j.done)),
      new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
    ]);
  }

  schemaStatus(site: Site, version: number) {
    return schemaStatus(site.product, version);
  }
}

/** Is the process that ran a job on this node still alive? */
function processAlive(pid: number, jobInstance: string, myInstance: string): boolean {
  if (pid === process.pid) return jobInstance === myInstance;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

