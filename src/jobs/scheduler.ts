/**
 * The one scheduler: every node ticks; each due row of the schedules table is claimed by an atomic
 * compare-and-set of its next run, so it fires once per cluster. The next run is the first after now, so
 * a run missed while every node was down fires once at start, not once per missed slot. What firing
 * means is the job kind's (`ScheduleTarget`): the export starts at once on the firing node (as the
 * Data pipeline does), a sync or a report run is queued for whichever node is free.
 */
import { nextRun } from "../core/recurrence.js";
import type { Logger } from "../logger.js";
import type { ScheduleRecord, Site, Store } from "../store/port.js";
import type { JobRunner } from "./runner.js";

export interface ScheduleTarget {
  /** The job kind this target fires. */
  readonly kind: string;
  /** Whether its schedules belong to a site (every kind so far). */
  readonly perSite: boolean;
  /** The params a schedule of this kind may carry, checked; throws listing every problem. */
  parseParams(raw: unknown, site: Site | undefined): Record<string, unknown>;
  /** The params as the API shows them (secrets hidden); default: as kept. */
  view?(params: Record<string, unknown>): Record<string, unknown>;
  /** Starts or queues the job of a due schedule; returns its id (null: none was made). */
  fire(schedule: ScheduleRecord, site: Site | undefined, now: number): Promise<number | null>;
}

export interface SchedulerDeps {
  store: Store;
  runner: JobRunner;
  targets: readonly ScheduleTarget[];
  logger: Logger;
  intervalMs: number;
  now?: () => number;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: () => number;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** What each schedulable kind does when due. */
  get targets(): readonly ScheduleTarget[] {
    return this.deps.targets;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Fires every due schedule this node manages to claim, then takes queued work; returns how many fired. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let fired = 0;
    try {
      const { store } = this.deps;
      for (const schedule of await store.schedules.due(this.now())) {
        const now = this.now();
        const target = this.deps.targets.find((t) => t.kind === schedule.kind);
        if (!target || schedule.nextRunAt === null) continue;
        if (!(await store.schedules.claim(schedule.id, schedule.nextRunAt, nextRun(schedule.recurrence, now), now))) continue;
        fired++;
        try {
          const site = schedule.siteId === null ? undefined : await store.sites.byId(schedule.siteId);
          const jobId = await target.fire(schedule, site, now);
          if (jobId !== null) await store.schedules.update(schedule.id, { lastJobId: jobId }, now);
          this.deps.logger.info({ site: site?.key, kind: schedule.kind, schedule: schedule.name, jobId }, "schedule fired");
        } catch (error) {
          this.deps.logger.error({ err: error, kind: schedule.kind, schedule: schedule.id }, "schedule could not start its job");
        }
      }
      await this.deps.runner.dispatch();
    } catch (error) {
      this.deps.logger.error({ err: error }, "scheduler tick failed");
    } finally {
      this.running = false;
    }
    return fired;
  }
}
