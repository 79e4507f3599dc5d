/**
 * The Data pipeline's view of export jobs: starting one (parameters, pre-validation, disk space, the
 * per-site lock — a refused export is recorded FAILED, as in the original), cancelling, and reading a
 * site's jobs as flat `ExportJobRecord`s. Leases, recovery, cancellation across nodes and shutdown are
 * the job runner's.
 */
import { mkdir } from "node:fs/promises";
import type { Config } from "../config.js";
import { schemaStatus } from "../core/entities/registry.js";
import { isSluiceError, jobMessage, SluiceError } from "../core/errors.js";
import {
  EXPORT_KIND,
  exportLock,
  exportRecord,
  type ExportFormat,
  type ExportJob,
  type ExportJobRecord,
  type ExportParams,
  type OptedOutEntity,
} from "../core/export-job.js";
import { isRunning, type Job, type JobMessage, type JobTrigger } from "../core/job.js";
import { JobRunner } from "../jobs/runner.js";
import type { Logger } from "../logger.js";
import type { Source } from "../sources/port.js";
import type { Site, Store } from "../store/port.js";
import { checkDiskSpace } from "./disk-space.js";
import { exportKind } from "./export-kind.js";
import { rootExportPath, stagingRoot } from "./export-paths.js";
import { reachExportStorage } from "./export-storage.js";
import { isS3Path, parseS3Path } from "./s3-path.js";
import { OPT_OUT_SETTING } from "./opt-outs.js";

export interface StartRequest {
  exportFrom: number;
  forced: boolean;
  schemaVersion: number;
  trigger: JobTrigger;
  format?: ExportFormat;
  scheduleId?: number | null;
}

export type StartResult =
  | { outcome: "started"; job: ExportJobRecord }
  | { outcome: "running"; job: ExportJobRecord }
  | { outcome: "failed"; job: ExportJobRecord };

export type CancelResult = { outcome: "requested"; job: ExportJobRecord } | { outcome: "none"; jobId: number | null };

export interface ExportServiceDeps {
  config: Config;
  store: Store;
  sources: readonly Source[];
  logger: Logger;
  /** The node's job runner; default: one of its own, running exports only (a node of its own). */
  runner?: JobRunner;
}

const record = (job: Job): ExportJobRecord => exportRecord(job as unknown as ExportJob);

export class ExportService {
  private readonly deps: ExportServiceDeps & { runner: JobRunner };

  constructor(deps: ExportServiceDeps) {
    const runner =
      deps.runner ??
      new JobRunner({
        store: deps.store,
        config: { nodeId: deps.config.nodeId, jobLeaseSeconds: deps.config.jobLeaseSeconds, concurrency: 0, pollMs: 60_000 },
        logger: deps.logger,
      }).register(exportKind(deps));
    this.deps = { ...deps, runner };
  }

  /** The job runner exports run on (this node's). */
  get runner(): JobRunner {
    return this.deps.runner;
  }

  get nodeId(): string {
    return this.deps.runner.nodeId;
  }

  get instanceId(): string {
    return this.deps.runner.instanceId;
  }

  /** Marks export jobs (and any other) whose node is gone FAILED so that a new export can start. */
  async recoverLostJobs(): Promise<ExportJobRecord[]> {
    return (await this.deps.runner.recoverLost()).filter((j) => j.kind === EXPORT_KIND).map(record);
  }

  async start(site: Site, request: StartRequest): Promise<StartResult> {
    const { store, config, runner } = this.deps;
    await runner.recoverLost();
    const running = await store.jobs.holder(exportLock(site.id));
    if (running) return { outcome: "running", job: record(running) };

    const { rootExportPath: root } = await rootExportPath(config, store.settings, site);
    const optedOut = (await store.settings.get<OptedOutEntity[]>(site.id, OPT_OUT_SETTING)) ?? [];
    const params: ExportParams = {
      schemaVersion: request.schemaVersion,
      exportFrom: request.exportFrom,
      forced: request.forced,
      rootExportPath: root,
      optedOut,
      format: request.format ?? "csv",
    };
    const base = { siteId: site.id, params, trigger: request.trigger, scheduleId: request.scheduleId ?? null };

    const problems = await this.preValidate(site);
    const fatal: JobMessage[] = [];
    // An export to a storage is written to a staging folder here, then uploaded: both must be usable.
    const remote = isS3Path(root) ? parseS3Path(root) : undefined;
    const local = remote ? stagingRoot(config, site) : root;
    try {
      if (remote && "problem" in remote) throw new SluiceError("export.failed", `The export path ${root.slice(0, 200)} is not usable: ${remote.problem}`);
      if (remote) (await reachExportStorage(config, store, site, remote)).close();
      await mkdir(local, { recursive: true, mode: 0o700 });
      await checkDiskSpace(local, config.export.minimumUsableDiskSpaceAfterExport);
    } catch (error) {
      fatal.push(
        isSluiceError(error)
          ? { key: error.code, message: jobMessage(error.message) }
          : { key: "export.failed", message: jobMessage(`The export directory ${local} cannot be created: ${(error as Error).message}`) },
      );
    }
    if (fatal.length > 0 || (problems.length > 0 && !request.forced)) {
      const failed = await runner.record(EXPORT_KIND, base, "FAILED", [...problems, ...fatal]);
      this.deps.logger.info({ site: site.key, jobId: failed.seq, errors: failed.errors }, "export refused by pre-validation");
      return { outcome: "failed", job: record(failed) };
    }
    const started = await runner.start(EXPORT_KIND, { ...base, warnings: problems });
    return started.outcome === "started" ? { outcome: "started", job: record(started.job) } : { outcome: "running", job: record(started.job) };
  }

  /**
   * A scheduled export that meets a running one is recorded FAILED (`export.already.running`), as the
   * original does.
   */
  async startScheduled(site: Site, request: StartRequest): Promise<StartResult> {
    const result = await this.start(site, request);
    if (result.outcome !== "running") return result;
    const failed = await this.deps.runner.record(
      EXPORT_KIND,
      {
        siteId: site.id,
        trigger: "schedule",
        scheduleId: request.scheduleId ?? null,
        params: { ...this.paramsOf(result.job), exportFrom: request.exportFrom, forced: false, schemaVersion: request.schemaVersion, format: request.format ?? "csv" },
      },
      "FAILED",
      [{ key: "export.already.running", message: jobMessage(`The scheduled export did not start: export job ${result.job.jobId} was still running.`) }],
    );
    return { outcome: "running", job: record(failed) };
  }

  private paramsOf(job: ExportJobRecord): ExportParams {
    return {
      schemaVersion: job.schemaVersion,
      exportFrom: job.exportFrom,
      forced: job.forced,
      rootExportPath: job.rootExportPath,
      optedOut: job.optedOut,
      format: job.format,
    };
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

  /** DELETE /export: request cancellation of the running job (optionally only if it is `jobId`). */
  async cancel(site: Site, jobId?: number): Promise<CancelResult> {
    await this.deps.runner.recoverLost();
    const running = await this.deps.store.jobs.holder(exportLock(site.id));
    if (!running || (jobId !== undefined && running.seq !== jobId)) return { outcome: "none", jobId: jobId ?? running?.seq ?? null };
    const job = (await this.deps.runner.cancel(running.id)) ?? running;
    return { outcome: "requested", job: record(job) };
  }

  /** The running export of a site, if any. */
  async running(site: Site): Promise<ExportJobRecord | undefined> {
    const job = await this.deps.store.jobs.holder(exportLock(site.id));
    return job ? record(this.deps.runner.live(job)) : undefined;
  }

  /** The site's newest export. */
  async latest(site: Site): Promise<ExportJobRecord | undefined> {
    const job = await this.deps.store.jobs.latest(site.id, EXPORT_KIND);
    return job ? record(this.deps.runner.live(job)) : undefined;
  }

  /** Export job `jobId` of a site. */
  async get(site: Site | number, jobId: number): Promise<ExportJobRecord | undefined> {
    const job = await this.deps.store.jobs.bySeq(typeof site === "number" ? site : site.id, EXPORT_KIND, jobId);
    return job ? record(this.deps.runner.live(job)) : undefined;
  }

  /** The site's exports, newest first. */
  async history(site: Site | number, offset: number, limit: number): Promise<{ jobs: ExportJobRecord[]; total: number }> {
    const { jobs, total } = await this.deps.store.jobs.list({ siteId: typeof site === "number" ? site : site.id, kind: EXPORT_KIND }, offset, limit);
    return { jobs: jobs.map((j) => record(this.deps.runner.live(j))), total };
  }

  /** The job as the API shows it: the latest progress of a job running here is fresher than the store's. */
  withLiveProgress(job: ExportJobRecord): ExportJobRecord {
    const live = this.deps.runner.liveProgress(job.id)?.detail as ExportJobRecord["progress"] | undefined;
    return live && isRunning(job.status) ? { ...job, progress: live } : job;
  }

  /** Waits for an export running in this process (CLI exports, tests). */
  async waitFor(siteId: number, jobId: number): Promise<void> {
    const job = await this.deps.store.jobs.bySeq(siteId, EXPORT_KIND, jobId);
    if (job) await this.deps.runner.waitFor(job.id);
  }

  /** Graceful shutdown of this node's runner: every job running here ends CANCELLED. */
  async shutdown(graceMs: number): Promise<void> {
    await this.deps.runner.shutdown(graceMs);
  }

  schemaStatus(site: Site, version: number): "ACTIVE" | "DEPRECATED" {
    return schemaStatus(site.product, version);
  }
}
