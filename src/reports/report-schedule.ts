/**
 * Report schedules in the one scheduler: when one is due, its run is queued for whichever node is free
 * (the scheduler's claim makes it once per cluster; a run already queued or running for the schedule
 * takes the slot instead of a second). Report schedules are made and changed under `/rest/reports/v1`,
 * which checks their owner and deliveries; the generic schedules API shows them with secrets hidden.
 */
import { SluiceError } from "../core/errors.js";
import { redacted } from "../delivery/index.js";
import type { JobRunner } from "../jobs/runner.js";
import type { ScheduleTarget } from "../jobs/scheduler.js";
import { REPORT_KIND, type ReportJobParams, type ReportScheduleParams } from "./schedule-model.js";

export function reportScheduleTarget(runner: JobRunner): ScheduleTarget {
  return {
    kind: REPORT_KIND,
    perSite: true,
    parseParams() {
      throw new SluiceError("sluice.schedule.invalid", "Invalid params", {
        problems: [{ key: "sluice.schedule.invalid", message: "kind: report schedules are made with POST /rest/reports/v1/schedules, which checks the report's owner and deliveries." }],
      });
    },
    view: (params) => viewParams(params as unknown as ReportScheduleParams),
    async fire(row, site) {
      if (!site) return null;
      const params = row.params as unknown as ReportScheduleParams;
      const job: ReportJobParams = { scheduleId: row.id, reportId: params.reportId, manual: false };
      const queued = await runner.enqueue(REPORT_KIND, { siteId: site.id, params: job, trigger: "schedule", scheduleId: row.id }, { coalesce: true });
      return queued.created ? queued.job.id : null;
    },
  };
}

/** A schedule's params as shown: secrets of deliveries replaced, the content hash left out. */
export function viewParams(params: ReportScheduleParams): Record<string, unknown> {
  const { lastSentHash: _hash, ...rest } = params;
  return { ...rest, deliveries: params.deliveries.map((d) => redacted(d)) };
}
