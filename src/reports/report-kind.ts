/**
 * A report run as a kind of job (`report`): one run at a time per schedule (`report:<scheduleId>`),
 * beside any export or sync. A run builds the file with its owner's permissions (or with add-on
 * permissions where allowed), applies the schedule's conditions (skip when empty, only when changed),
 * then hands the file to each delivery, each retried with backoff by re-sending the same file, each with
 * its own record. A run with a failed delivery ends FAILED with its record kept; after
 * `reports.pauseAfterFailures` failed runs in a row the schedule pauses itself and its owner and the
 * administrators are told by email. A resend (params.resend) delivers a kept file again and writes the
 * outcome into the run it came from.
 */
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AccessService } from "../access/access-service.js";
import type { Config } from "../config.js";
import { EVERYONE, type Viewer } from "../core/access.js";
import { entity } from "../core/entities/registry.js";
import { isCancelled, isSluiceError, SluiceError } from "../core/errors.js";
import { deliveryKind, type DeliveryContext, type Placeholders, type ReportFile } from "../delivery/index.js";
import { mailConfigured, sendMail } from "../delivery/email/mailer.js";
import type { DeliverySettings } from "../delivery/index.js";
import { fill, safeFileName } from "../delivery/placeholders.js";
import { siteBaseUrl } from "../export/export-paths.js";
import type { JobContext, JobKind } from "../jobs/kind.js";
import type { Logger } from "../logger.js";
import type { SqlService } from "../sql/sql-service.js";
import type { SavedReport, ScheduleRecord, Site, Store } from "../store/port.js";
import { VERSION } from "../version.js";
import { buildReportFile } from "./report-file.js";
import { runDirectory, signedLink } from "./report-files.js";
import { openReportSource, siteUserId } from "./report-source.js";
import { REPORT_KIND, type DeliveryRecord, type ReportJobParams, type ReportRunResult, type ReportScheduleParams } from "./schedule-model.js";

export interface ReportKindDeps {
  config: Config;
  store: Store;
  access: AccessService;
  sql: SqlService;
  logger: Logger;
}

/** The site setting an administrator turns on to allow "generate with add-on permissions". */
export const ADDON_SETTING = "reports.addonPermissions";
const DAY = 86_400_000;

export function reportLock(scheduleId: number): string {
  return `report:${scheduleId}`;
}

export function reportKind(deps: ReportKindDeps): JobKind<ReportJobParams, ReportRunResult, ReportRunResult> {
  return {
    name: REPORT_KIND,
    noun: "the report",
    lockKey: (_siteId, params) => reportLock(params.scheduleId),
    run: (ctx) => new ReportRun(deps, ctx).run(),
    partialResult: (_job, progress) => progress?.detail ?? null,
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.report.failed", message: `The report failed: ${(error as Error).message}` }),
  };
}

function accessLost(message: string): SluiceError {
  return new SluiceError("sluice.report.access.lost", message);
}

/** One run: its job, its schedule and what it has done so far (shown live, kept when it fails). */
class ReportRun {
  private result: ReportRunResult | undefined;

  constructor(
    private readonly deps: ReportKindDeps,
    private readonly ctx: JobContext<ReportJobParams, ReportRunResult>,
  ) {}

  private get params(): ReportJobParams {
    return this.ctx.job.params;
  }

  private show(label: string, done = this.result?.rows ?? 0): void {
    this.ctx.progress({ label, done, total: null, unit: "rows", rate: 0, etaSeconds: null, ...(this.result ? { detail: this.result } : {}) });
  }

  async run() {
    const schedule = await this.deps.store.schedules.get(this.params.scheduleId);
    if (!schedule || schedule.kind !== REPORT_KIND) throw new SluiceError("sluice.report.schedule.not.found", `Schedule ${this.params.scheduleId} was deleted.`);
    const site = this.ctx.site;
    if (!site) throw new SluiceError("sluice.report.failed", "A report run needs its site.");
    if (this.params.resend) return this.resend(schedule, site, this.params.resend);
    try {
      const outcome = await this.build(schedule, site);
      await this.settle(schedule, site, true);
      return outcome;
    } catch (error) {
      if (!isCancelled(error) && this.ctx.stopReason === null) await this.settle(schedule, site, false, error);
      throw error;
    }
  }

  private async build(schedule: ScheduleRecord, site: Site) {
    const { store, config } = this.deps;
    const params = schedule.params as unknown as ReportScheduleParams;
    const report = await store.reports.get(params.reportId);
    if (!report || report.siteId !== site.id) throw new SluiceError("sluice.report.not.found", `Report ${params.reportId} was deleted; its schedule has nothing to run.`);
    const { viewer, currentUser, ownerId } = await this.viewer(schedule, params, site);
    const now = Date.now();
    this.result = {
      reportId: report.id,
      reportName: report.name,
      format: params.format,
      rows: 0,
      bytes: 0,
      file: null,
      contentHash: null,
      skipped: null,
      keepUntil: null,
      deliveries: params.deliveries.map((d, index) => ({ index, id: d.id, type: d.type, status: "PENDING", attempts: 0, error: null, detail: null, at: null })),
    };
    this.show("building the file");
    const { source, plan } = await openReportSource(this.deps, site, report.definition, { viewer, ownerId, currentUser, now, signal: this.ctx.signal });
    const directory = await runDirectory(config, this.ctx.job.id);
    const instanceUrl = siteBaseUrl(config, site);
    const built = await buildReportFile({
      source,
      format: params.format,
      directory,
      name: `report.${params.format}`,
      title: report.name,
      instanceUrl,
      csv: config.export,
      signal: this.ctx.signal,
      threaded: { yieldCpu: config.jobs.background !== "flat-out" },
      onRows: (rows) => this.show("building the file", rows),
    });
    if (plan && built.rows === 0 && !viewer.all && (await store.data.count(site.id, { ...plan.query, viewer: EVERYONE, columns: undefined, orderBy: undefined })) > 0) {
      await rm(directory, { recursive: true, force: true });
      throw accessLost(`${schedule.owner ?? "The owner"} may no longer see any of the rows of ${report.name} on /${site.key}: the run was stopped rather than deliver an empty file.`);
    }
    const placeholders = placeholdersOf(report, params, now, built.rows, built.bytes);
    const name = safeFileName(fill(params.fileName, fileNamePlaceholders(placeholders)));
    const path = join(directory, name);
    await rename(built.path, path);
    const file: ReportFile = { path, name, format: params.format, contentType: built.contentType, rows: built.rows, bytes: built.bytes, sha256: built.sha256 };
    const retention = params.retentionDays ?? config.reports.retentionDays;
    Object.assign(this.result, { rows: built.rows, bytes: built.bytes, contentHash: built.contentHash, keepUntil: now + retention * DAY, file: { name, sha256: built.sha256, contentType: built.contentType, path } });

    const skipped = params.skipEmpty && built.rows === 0 ? "empty" : params.onlyWhenChanged && built.contentHash === params.lastSentHash ? "unchanged" : null;
    if (skipped) {
      await rm(directory, { recursive: true, force: true });
      this.result.skipped = skipped;
      this.result.file = null;
      this.result.deliveries = [];
      this.show(`skipped: ${skipped === "empty" ? "no rows" : "unchanged since the last delivery"}`);
      return { result: this.result, summary: { rows: built.rows, skipped } };
    }
    for (const [index, settings] of params.deliveries.entries()) {
      this.show(`delivering (${settings.type})`);
      this.result.deliveries[index] = await this.deliver(settings, index, this.context(schedule, site, file, placeholders));
    }
    const failed = this.result.deliveries.filter((d) => d.status === "FAILED");
    this.show(failed.length > 0 ? "delivery failed" : "delivered");
    if (failed.length > 0) {
      throw new SluiceError(
        "sluice.report.delivery.failed",
        `${failed.length} of ${this.result.deliveries.length} deliveries failed: ${failed.map((d) => `${d.type}: ${d.error}`).join("; ")}. The file is kept; re-send it from the run.`,
      );
    }
    return { result: this.result, summary: { rows: built.rows, bytes: built.bytes, deliveries: this.result.deliveries.length } };
  }

  /** Whose permissions the run has: the owner's, or every row's when add-on permissions are allowed and asked. */
  private async viewer(schedule: ScheduleRecord, params: ReportScheduleParams, site: Site): Promise<{ viewer: Viewer; currentUser?: string; ownerId: number | null }> {
    const { store, access } = this.deps;
    const owner = schedule.owner ?? "";
    const account = owner ? await store.accounts.byUsername(owner) : undefined;
    const currentUser = site.product === "jira" ? await siteUserId(store, site, owner) : undefined;
    if (params.addonPermissions) {
      if ((await store.settings.get<boolean>(site.id, ADDON_SETTING)) === true) return { viewer: EVERYONE, currentUser, ownerId: account?.id ?? null };
      this.ctx.logger.warn({ schedule: schedule.id }, "add-on permissions asked but not allowed on the site: the owner's permissions apply");
    }
    if (!account) throw accessLost(`The report's owner ${owner || "(none)"} no longer has an account: the run was stopped.`);
    const viewer = await access.viewerFor(site, account);
    if (!viewer.all && viewer.user === null) throw accessLost(`The report's owner ${owner} is no longer a user of /${site.key}: the run was stopped.`);
    return { viewer, currentUser, ownerId: account.id };
  }

  private context(schedule: ScheduleRecord, site: Site, file: ReportFile, placeholders: Placeholders): DeliveryContext {
    const { store, config } = this.deps;
    const result = this.result!;
    return {
      file,
      scheduleId: schedule.id,
      runId: this.ctx.job.id,
      placeholders,
      config: config.delivery,
      env: config.env,
      version: VERSION,
      signal: this.ctx.signal,
      logger: this.ctx.logger,
      link: async (days) => {
        const expires = Date.now() + days * DAY;
        result.keepUntil = Math.max(result.keepUntil ?? 0, expires);
        return `${config.baseUrl}${await signedLink(store, { runId: this.ctx.job.id, name: file.name, expires })}`;
      },
      userEmails: (names) => userEmails(store, site, names),
    };
  }

  /** One delivery, with its attempts: the same file each time, waiting longer before each next. */
  private async deliver(settings: DeliverySettings, index: number, ctx: DeliveryContext): Promise<DeliveryRecord> {
    const { attempts, backoffMs } = this.deps.config.delivery;
    const record: DeliveryRecord = { index, id: settings.id, type: settings.type, status: "PENDING", attempts: 0, error: null, detail: null, at: null };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.ctx.signal.aborted) break;
      record.attempts = attempt;
      try {
        const sent = await deliveryKind(settings.type).send(settings, ctx);
        return { ...record, status: "SENT", error: null, detail: sent.detail, at: Date.now() };
      } catch (error) {
        record.error = (error as Error).message.slice(0, 2000);
        this.ctx.logger.warn({ delivery: settings.type, attempt, err: record.error }, "delivery attempt failed");
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal: this.ctx.signal }).catch(() => undefined);
      }
    }
    return { ...record, status: "FAILED", at: Date.now() };
  }

  /**
   * After a run: the failure count (reset by a success), the content hash of what was delivered, and
   * the pause after too many failed runs in a row (with its notice).
   */
  private async settle(schedule: ScheduleRecord, site: Site, ok: boolean, error?: unknown): Promise<void> {
    const { store, config } = this.deps;
    const fresh = (await store.schedules.get(schedule.id)) ?? schedule;
    const params = fresh.params as unknown as ReportScheduleParams;
    const now = Date.now();
    if (ok) {
      const delivered = this.result && !this.result.skipped && this.result.deliveries.some((d) => d.status === "SENT");
      const lastSentHash = delivered ? this.result!.contentHash : params.lastSentHash;
      await store.schedules.update(schedule.id, { failures: 0, params: { ...params, lastSentHash } }, now);
      return;
    }
    const failures = fresh.failures + 1;
    const limit = config.reports.pauseAfterFailures;
    if (failures < limit || params.paused) {
      await store.schedules.update(schedule.id, { failures }, now);
      return;
    }
    const why = isSluiceError(error) || error instanceof Error ? error.message : String(error);
    const reason = `Paused after ${failures} failed runs in a row; the last: ${why}`;
    await store.schedules.update(schedule.id, { failures, enabled: false, nextRunAt: null, params: { ...params, paused: { reason, at: now, by: "failures" } } }, now);
    this.ctx.logger.warn({ schedule: schedule.id, failures }, "report schedule paused after failed runs");
    await this.notifyPaused(fresh, site, reason).catch((e: unknown) => this.ctx.logger.error({ err: e, schedule: schedule.id }, "could not tell the owner that the schedule paused"));
  }

  private async notifyPaused(schedule: ScheduleRecord, site: Site, reason: string): Promise<void> {
    const { store, config } = this.deps;
    if (!mailConfigured(config.delivery)) {
      this.ctx.logger.warn({ schedule: schedule.id }, "schedule paused; no SMTP server is configured to tell its owner");
      return;
    }
    const admins = (await store.accounts.list()).filter((a) => a.sysadmin).map((a) => a.username);
    const to = await userEmails(store, site, [...new Set([schedule.owner ?? "", ...admins].filter(Boolean))]);
    if (to.length === 0) return;
    const name = this.result?.reportName ?? `report ${(schedule.params as unknown as ReportScheduleParams).reportId}`;
    await sendMail(config.delivery, config.env, {
      to,
      subject: `Sluice: the schedule of ${name} is paused`,
      text: `The schedule ${schedule.id} of the report ${name} on /${site.key} paused itself.\n\n${reason}\n\nFix the delivery, then resume the schedule in the console (Reports) or with: sluice report resume ${schedule.id}\n${config.baseUrl}/admin/reports\n`,
    });
  }

  /** Sends a kept file again through one delivery; the outcome goes into the run it came from too. */
  private async resend(schedule: ScheduleRecord, site: Site, of: { runId: number; index: number }) {
    const { store } = this.deps;
    const original = await store.jobs.get(of.runId);
    const kept = original?.result as unknown as ReportRunResult | null | undefined;
    if (!original || original.kind !== REPORT_KIND || original.scheduleId !== schedule.id || !kept) {
      throw new SluiceError("sluice.report.run.not.found", `Run ${of.runId} is not a run of schedule ${schedule.id}.`);
    }
    const params = schedule.params as unknown as ReportScheduleParams;
    const before = kept.deliveries[of.index];
    // The schedule's delivery of that record: by its id wherever it moved (older records: by place and type).
    const settings = before?.id !== undefined ? params.deliveries.find((d) => d.id === before.id) : params.deliveries[of.index];
    if (!settings || !before || settings.type !== before.type) {
      throw new SluiceError("sluice.report.delivery.invalid", `Run ${of.runId}'s ${before?.type ?? ""} delivery ${of.index} is no longer one of the schedule's: it cannot be re-sent.`);
    }
    const fileInfo = kept.file;
    if (!fileInfo || !(await stat(fileInfo.path).catch(() => undefined))) {
      throw new SluiceError("sluice.report.file.gone", `The file of run ${of.runId} is no longer kept (its retention ended): execute the schedule again instead.`);
    }
    const report = await store.reports.get(kept.reportId);
    const file: ReportFile = { path: fileInfo.path, name: fileInfo.name, format: kept.format, contentType: fileInfo.contentType, rows: kept.rows, bytes: kept.bytes, sha256: fileInfo.sha256 };
    const placeholders = placeholdersOf(report ?? { id: kept.reportId, name: kept.reportName, definition: { jql: null } }, params, original.startTime, kept.rows, kept.bytes);
    this.result = { ...kept, deliveries: [{ ...before, status: "PENDING" }], resendOf: of };
    this.show(`re-sending (${settings.type})`);
    const context = { ...this.context(schedule, site, file, placeholders), runId: of.runId };
    const record = await this.deliver(settings, of.index, context);
    this.result.deliveries = [record];
    this.show(record.status === "SENT" ? "re-sent" : "re-send failed");
    // The run it came from keeps every attempt: its record of this delivery is the outcome now.
    const latest = (await store.jobs.get(of.runId))!;
    const merged = latest.result as unknown as ReportRunResult;
    merged.deliveries[of.index] = { ...record, attempts: before.attempts + record.attempts };
    if (record.status === "SENT" && merged.deliveries.some((d) => d.type === "link")) merged.keepUntil = Math.max(merged.keepUntil ?? 0, this.result.keepUntil ?? 0);
    // Every delivery of the run done at last: the run is a success now, its history in a warning.
    const delivered = latest.status === "FAILED" && merged.deliveries.every((d) => d.status === "SENT");
    await store.jobs.transition(of.runId, [latest.status], {
      result: merged as unknown as Record<string, unknown>,
      ...(delivered
        ? { status: "COMPLETED" as const, errors: [], warnings: [...latest.warnings, { key: "sluice.report.delivery.resent", message: `Delivered by re-send (run ${this.ctx.job.id}) after: ${latest.errors.map((e) => e.message).join("; ")}` }] }
        : {}),
    });
    // A rescued run that is the schedule's newest ends the row of failures.
    if (delivered) {
      const newest = (await store.jobs.list({ kind: REPORT_KIND, scheduleId: schedule.id }, 0, 5)).jobs.find((j) => !(j.result as { resendOf?: unknown } | null)?.resendOf && j.id !== this.ctx.job.id);
      if (newest?.id === of.runId) await store.schedules.update(schedule.id, { failures: 0 }, Date.now());
    }
    if (record.status !== "SENT") throw new SluiceError("sluice.report.delivery.failed", `The ${settings.type} delivery failed again: ${record.error}`);
    return { result: this.result, summary: { resendOf: of.runId, delivery: settings.type } };
  }
}

export function placeholdersOf(report: Pick<SavedReport, "id" | "name"> & { definition: { jql: string | null } }, params: { format: string }, at: number, rows: number, bytes: number): Placeholders {
  return {
    exportConfigName: report.name,
    exportConfigId: String(report.id),
    reportDate: new Date(at).toISOString(),
    jql: report.definition.jql ?? "",
    format: params.format.toUpperCase(),
    rows: String(rows),
    sizeMb: (bytes / (1024 * 1024)).toFixed(2),
  };
}

/** Placeholders as file names use them: the format as an extension (`csv`), the date without colons. */
export function fileNamePlaceholders(p: Placeholders): Placeholders {
  return { ...p, format: p.format.toLowerCase(), reportDate: p.reportDate.replace(/\.\d+Z$/, "Z").replace(/:/g, "-") };
}

/** The email addresses of site users (by user name), as their profiles hold them. */
export async function userEmails(store: Store, site: Site, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const found = await store.data.distinct(site.id, entity(site.product, "users"), ["user_name", "user_email"], { column: "user_name", in: [...names] }, names.length * 2);
  return [...new Set(found.map((r) => (typeof r.user_email === "string" ? r.user_email.trim() : "")).filter((e) => e.includes("@")))];
}
