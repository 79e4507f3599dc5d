/**
 * Reports and their schedules, and who may do what with them (the seed's rules): everyone sees their own
 * reports and the public ones (a system administrator every one); only the owner changes a report or
 * schedules it — others "save as" a copy; the owner or an administrator deletes, pauses, resumes and
 * executes. A schedule (and its runs, which hold delivery targets) is seen by its owner and the
 * administrators. Schedules are rows of the schedules table (kind `report`, owner = the report's
 * owner), runs are `report` jobs: the scheduler fires them once per cluster and the jobs view shows them.
 */
import { randomUUID } from "node:crypto";
import type { AccessService } from "../access/access-service.js";
import type { Config } from "../config.js";
import { SluiceError, type Problem } from "../core/errors.js";
import type { Job } from "../core/job.js";
import { nextRun } from "../core/recurrence.js";
import { sqlSourceOf, type ReportDefinition } from "../core/report.js";
import type { Visibility } from "../core/saved-sql.js";
import { checkDeliveries, withIds, withStoredSecrets } from "../delivery/index.js";
import { unknownPlaceholders } from "../delivery/placeholders.js";
import type { JobRunner } from "../jobs/runner.js";
import type { Account, SavedReport, ScheduleRecord, Site, Store } from "../store/port.js";
import { ADDON_SETTING } from "./report-kind.js";
import { planReport } from "./report-query.js";
import { savedQueryFor } from "./report-source.js";
import { nextRepeatRuns, repeatRecurrence, type Repeat } from "./repeat.js";
import { REPORT_KIND, type ReportJobParams, type ReportScheduleParams, type ScheduleFields } from "./schedule-model.js";

export interface ReportInput {
  name: string;
  visibility: Visibility;
  definition: ReportDefinition;
}

export interface ReportSchedule {
  record: ScheduleRecord;
  params: ReportScheduleParams;
}

type Owned = { ownerId: number; visibility: Visibility };

export const canSeeReport = (account: Account, r: Owned) => account.sysadmin || r.ownerId === account.id || r.visibility === "public";
export const canChangeReport = (account: Account, r: Owned) => r.ownerId === account.id;
export const canDeleteReport = (account: Account, r: Owned) => account.sysadmin || r.ownerId === account.id;
const canManageSchedule = (account: Account, s: ScheduleRecord) => account.sysadmin || s.owner === account.username;

function forbidden(message: string): SluiceError {
  return new SluiceError("sluice.report.forbidden", message);
}

export class ReportService {
  constructor(
    private readonly deps: { store: Store; access: AccessService; runner: JobRunner; config: Config },
    private readonly now: () => number = Date.now,
  ) {}

  private get store(): Store {
    return this.deps.store;
  }

  // ---- reports

  /** Checks a definition against the site's registry (columns, filter, JQL, sort): a 400 naming each field. */
  async checkDefinition(site: Site, account: Account, definition: ReportDefinition): Promise<void> {
    const queryId = sqlSourceOf(definition);
    if (queryId !== null) await savedQueryFor(this.store, site, queryId, account.sysadmin ? null : account.id, false);
    else planReport(definition, { product: site.product, now: this.now(), viewer: { all: true }, checkOnly: true });
  }

  async reports(site: Site, account: Account): Promise<SavedReport[]> {
    return this.store.reports.list(site.id, account.sysadmin ? null : account.id);
  }

  async report(account: Account, id: number): Promise<SavedReport> {
    const found = await this.store.reports.get(id);
    if (!found || !canSeeReport(account, found)) throw new SluiceError("sluice.report.not.found", `There is no report ${id} that you can see.`);
    return found;
  }

  async create(site: Site, account: Account, input: ReportInput): Promise<SavedReport> {
    await this.checkDefinition(site, account, input.definition);
    return this.store.reports.add({ siteId: site.id, ownerId: account.id, ...input }, this.now());
  }

  async update(account: Account, id: number, patch: Partial<ReportInput>): Promise<SavedReport> {
    const found = await this.report(account, id);
    if (!canChangeReport(account, found)) throw forbidden(`Report ${id} belongs to ${found.ownerName}: only they may change it; "save as" a copy of your own.`);
    if (patch.definition) await this.checkDefinition((await this.store.sites.byId(found.siteId))!, account, patch.definition);
    const updated = await this.store.reports.update(id, patch, this.now());
    if (!updated) throw new SluiceError("sluice.report.not.found", `Report ${id} was deleted meanwhile.`);
    return updated;
  }

  /** Deletes a report and its schedules (their runs stay in the jobs view). */
  async delete(account: Account, id: number): Promise<void> {
    const found = await this.report(account, id);
    if (!canDeleteReport(account, found)) throw forbidden(`Report ${id} belongs to ${found.ownerName}: only they (or a system administrator) may delete it.`);
    for (const s of await this.schedulesOfReport(id)) await this.store.schedules.delete(s.record.id);
    await this.store.reports.delete(id);
  }

  /** "Save as…": a private copy owned by the caller. */
  async copy(account: Account, id: number, name?: string): Promise<SavedReport> {
    const found = await this.report(account, id);
    return this.store.reports.add(
      { siteId: found.siteId, ownerId: account.id, name: name ?? `Copy of ${found.name}`.slice(0, 200), visibility: "private", definition: found.definition },
      this.now(),
    );
  }

  // ---- schedules

  private async schedulesOfReport(reportId: number): Promise<ReportSchedule[]> {
    return (await this.store.schedules.list({ kind: REPORT_KIND })).map(asReportSchedule).filter((s) => s.params.reportId === reportId);
  }

  /** The schedules an account may see: its own (an administrator: all), optionally of one report. */
  async schedules(account: Account, filter: { reportId?: number } = {}): Promise<ReportSchedule[]> {
    const all = (await this.store.schedules.list({ kind: REPORT_KIND })).map(asReportSchedule);
    return all.filter((s) => canManageSchedule(account, s.record) && (filter.reportId === undefined || s.params.reportId === filter.reportId));
  }

  async schedule(account: Account, id: number): Promise<ReportSchedule> {
    const record = await this.store.schedules.get(id);
    if (!record || record.kind !== REPORT_KIND || !canManageSchedule(account, record)) {
      throw new SluiceError("sluice.report.schedule.not.found", `There is no report schedule ${id} that you can see.`);
    }
    return asReportSchedule(record);
  }

  /** Every check of a schedule's fields: the repeat, placeholders, each delivery's target and keys. */
  private async checkFields(fields: ScheduleFields, found: readonly Problem[] = []): Promise<void> {
    const problems: Problem[] = [...found];
    try {
      repeatRecurrence({ repeat: fields.repeat as Repeat, startDate: fields.startDate, time: fields.time, zoneId: fields.zoneId });
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      problems.push(...error.problems);
    }
    const unknown = unknownPlaceholders(fields.fileName);
    if (unknown.length > 0) problems.push({ key: "sluice.report.schedule.invalid", message: `fileName: unknown placeholder(s) ${unknown.map((n) => `{{${n}}}`).join(", ")}` });
    problems.push(...(await checkDeliveries(fields.deliveries, this.deps.config.delivery)));
    if (problems.length > 0) throw new SluiceError(problems[0]!.key as "sluice.report.schedule.invalid", problems.map((p) => p.message).join("; "), { problems });
  }

  async createSchedule(account: Account, reportId: number, fields: ScheduleFields): Promise<ReportSchedule> {
    const report = await this.report(account, reportId);
    if (report.ownerId !== account.id) throw forbidden(`Report ${reportId} belongs to ${report.ownerName}: only its owner may schedule it; "save as" a copy of your own and schedule that.`);
    await this.checkFields(fields);
    const recurrence = repeatRecurrence({ repeat: fields.repeat as Repeat, startDate: fields.startDate, time: fields.time, zoneId: fields.zoneId });
    const now = this.now();
    const params: ReportScheduleParams = { ...fields, deliveries: withIds(fields.deliveries), reportId, paused: null, lastSentHash: null };
    const record = await this.store.schedules.put(
      {
        siteId: report.siteId,
        kind: REPORT_KIND,
        name: `report-${reportId}-${randomUUID().slice(0, 8)}`,
        params: params as unknown as Record<string, unknown>,
        recurrence,
        enabled: true,
        nextRunAt: nextRun(recurrence, now),
        owner: account.username,
      },
      now,
    );
    return asReportSchedule(record);
  }

  async updateSchedule(account: Account, id: number, fields: ScheduleFields & { paused?: boolean }): Promise<ReportSchedule> {
    const current = await this.schedule(account, id);
    const { deliveries, problems } = withStoredSecrets(fields.deliveries, current.params.deliveries);
    const next = { ...fields, deliveries };
    delete (next as { paused?: boolean }).paused;
    await this.checkFields(next, problems);
    const recurrence = repeatRecurrence({ repeat: next.repeat as Repeat, startDate: next.startDate, time: next.time, zoneId: next.zoneId });
    const now = this.now();
    const paused = fields.paused === undefined ? current.params.paused : fields.paused ? (current.params.paused ?? { reason: `Paused by ${account.username}`, at: now, by: "user" as const }) : null;
    const params: ReportScheduleParams = { ...current.params, ...next, paused };
    await this.store.schedules.update(
      id,
      { params: params as unknown as Record<string, unknown>, recurrence, enabled: paused === null, nextRunAt: paused === null ? nextRun(recurrence, now) : null, ...(paused === null ? { failures: 0 } : {}) },
      now,
    );
    return this.schedule(account, id);
  }

  async deleteSchedule(account: Account, id: number): Promise<void> {
    await this.schedule(account, id);
    await this.store.schedules.delete(id);
  }

  async pause(account: Account, id: number): Promise<ReportSchedule> {
    const s = await this.schedule(account, id);
    if (s.params.paused) return s;
    const now = this.now();
    const params = { ...s.params, paused: { reason: `Paused by ${account.username}`, at: now, by: "user" } };
    await this.store.schedules.update(id, { enabled: false, nextRunAt: null, params: params }, now);
    return this.schedule(account, id);
  }

  /** Resumes by hand: the failure count starts again and the next run is the first after now. */
  async resume(account: Account, id: number): Promise<ReportSchedule> {
    const s = await this.schedule(account, id);
    const now = this.now();
    const params = { ...s.params, paused: null };
    await this.store.schedules.update(id, { enabled: true, failures: 0, nextRunAt: nextRun(s.record.recurrence, now), params: params }, now);
    return this.schedule(account, id);
  }

  /** "Execute now": a run queued for whichever node is free (a paused schedule too). */
  async execute(account: Account, id: number): Promise<Job> {
    const s = await this.schedule(account, id);
    return this.enqueue(s, { scheduleId: id, reportId: s.params.reportId, manual: true }, "api");
  }

  async enqueue(s: ReportSchedule, params: ReportJobParams, trigger: "api" | "cli" | "schedule"): Promise<Job> {
    const { job } = await this.deps.runner.enqueue(REPORT_KIND, { siteId: s.record.siteId, params, trigger, scheduleId: s.record.id });
    void this.deps.runner.dispatch();
    return job;
  }

  /** A run started at once in this process (the command line, which takes no queued work). */
  async runHere(s: ReportSchedule, trigger: "cli"): Promise<Job> {
    const started = await this.deps.runner.start(REPORT_KIND, { siteId: s.record.siteId, params: { scheduleId: s.record.id, reportId: s.params.reportId, manual: true }, trigger, scheduleId: s.record.id });
    if (started.outcome === "busy") throw new SluiceError("sluice.job.busy", `Schedule ${s.record.id} is running already (job ${started.job.id}).`);
    return started.job;
  }

  /** Re-sends a run's kept file through one of its deliveries (a job: it shows in the jobs view). */
  async resend(account: Account, runId: number, index: number): Promise<Job> {
    let run = await this.run(account, runId);
    // A resend run's delivery is the original run's: re-send that one.
    const of = (run.result as { resendOf?: { runId: number; index: number } } | null)?.resendOf;
    if (of) {
      run = await this.run(account, of.runId);
      [runId, index] = [of.runId, of.index];
    }
    const s = await this.schedule(account, run.scheduleId!);
    const result = run.result as { deliveries?: { type: string }[]; file?: unknown } | null;
    if (!result?.deliveries?.[index]) throw new SluiceError("sluice.report.run.not.found", `Run ${runId} has no delivery ${index}.`);
    if (!result.file) throw new SluiceError("sluice.report.file.gone", `Run ${runId} kept no file to re-send.`);
    return this.enqueue(s, { scheduleId: s.record.id, reportId: s.params.reportId, manual: true, resend: { runId, index } }, "api");
  }

  // ---- runs

  async run(account: Account, runId: number): Promise<Job> {
    const job = await this.store.jobs.get(runId);
    if (!job || job.kind !== REPORT_KIND || job.scheduleId === null) throw new SluiceError("sluice.report.run.not.found", `There is no report run ${runId}.`);
    const schedule = await this.store.schedules.get(job.scheduleId);
    const owner = schedule?.owner ?? null;
    if (!account.sysadmin && owner !== account.username) throw new SluiceError("sluice.report.run.not.found", `There is no report run ${runId} that you can see.`);
    return this.deps.runner.live(job);
  }

  async runs(account: Account, scheduleId: number, offset: number, limit: number): Promise<{ jobs: Job[]; total: number }> {
    await this.schedule(account, scheduleId);
    const page = await this.store.jobs.list({ kind: REPORT_KIND, scheduleId }, offset, limit);
    return { jobs: page.jobs.map((j) => this.deps.runner.live(j)), total: page.total };
  }

  // ---- settings

  async addonAllowed(site: Site): Promise<boolean> {
    return (await this.store.settings.get<boolean>(site.id, ADDON_SETTING)) === true;
  }

  async setAddonAllowed(site: Site, allowed: boolean): Promise<void> {
    await this.store.settings.set(site.id, ADDON_SETTING, allowed);
  }

  nextRuns(s: ReportSchedule, count = 5): number[] {
    if (s.params.paused) return [];
    return nextRepeatRuns({ repeat: s.params.repeat as Repeat, startDate: s.params.startDate, time: s.params.time, zoneId: s.params.zoneId }, this.now(), count);
  }
}

export function asReportSchedule(record: ScheduleRecord): ReportSchedule {
  return { record, params: record.params as unknown as ReportScheduleParams };
}
