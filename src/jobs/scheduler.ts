/**
 * Runs each site's `config/schedule`. Every node ticks; a run is claimed by an atomic
 * compare-and-set of the stored next run time, so it fires once per cluster. A scheduled run that
 * meets a running export records a FAILED job, as the original does.
 */
import { jobMessage } from "../core/errors.js";
import { productSchemas } from "../core/entities/registry.js";
import { nextRun } from "../core/schedule.js";
import { parseOffsetDateTime, truncateToMinute } from "../core/time.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/port.js";
import type { ExportService } from "./export-service.js";
import { SCHEDULE_SETTING, type StoredSchedule } from "./schedule-store.js";

const YEAR = 365 * 86_400_000;

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly exports: ExportService,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.tick();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Fires every due schedule this node manages to claim. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let fired = 0;
    try {
      for (const site of await this.store.sites.list()) {
        const stored = await this.store.settings.get<StoredSchedule>(site.id, SCHEDULE_SETTING);
        const now = this.now();
        if (!stored || stored.nextRunAt > now) continue;
        const next: StoredSchedule = { ...stored, nextRunAt: nextRun(stored.schedule, now) };
        if (!(await this.store.settings.compareAndSet(site.id, SCHEDULE_SETTING, stored, next))) continue;
        fired++;
        const from = stored.schedule.fromDate ? parseOffsetDateTime(stored.schedule.fromDate) : undefined;
        const schemaVersion = productSchemas(site.product).versions.some((v) => v.version === stored.schedule.schemaVersion)
          ? stored.schedule.schemaVersion
          : productSchemas(site.product).current;
        const result = await this.exports.start(site, {
          exportFrom: truncateToMinute(from ?? now - YEAR),
          forced: false,
          schemaVersion,
          trigger: "schedule",
        });
        if (result.outcome === "running") {
          await this.store.jobs.create({
            ...result.job,
            exportFrom: truncateToMinute(from ?? now - YEAR),
            forced: false,
            schemaVersion,
            status: "FAILED",
            trigger: "schedule",
            startTime: now,
            completedTime: now,
            cancelledTime: null,
            nodeId: this.exports.nodeId,
            instanceId: this.exports.instanceId,
            pid: process.pid,
            warnings: [],
            errors: [
              {
                key: "export.already.running",
                message: jobMessage(`The scheduled export did not start: export job ${result.job.jobId} was still running.`),
              },
            ],
            statistics: null,
            progress: null,
            files: null,
          });
        }
        this.logger.info({ site: site.key, outcome: result.outcome, jobId: result.job.jobId }, "scheduled export fired");
      }
    } catch (error) {
      this.logger.error({ err: error }, "scheduler tick failed");
    } finally {
      this.running = false;
    }
    return fired;
  }
}
