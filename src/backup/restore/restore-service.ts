/**
 * The organisation's restores (spec §2): a request is validated before anything is written — the backup
 * must be COMPLETE or INCOMPLETE, of the destination's product, of another site (a whole restore) — and
 * its checks run (`restore-checks.ts`). With failing checks it waits (`AWAITING_CONSENT`) until
 * `revalidate` brings a consent for each; then (or at once, and always for a dry run) a `restore` job
 * does the work (`restore-kind.ts`) and its result is the post-operation report.
 */
import { randomUUID } from "node:crypto";
import { attachmentEntityOf, entity } from "../../core/entities/registry.js";
import { SluiceError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import type { JobRunner } from "../../jobs/runner.js";
import type { BackupRestore, RestoreCheck, Site, Store } from "../../store/port.js";
import { backupStatus, PRODUCT_NAMES, type BackupService } from "../backup-service.js";
import type { Product } from "../../core/entities/registry.js";
import type { BackupStorages } from "../storages.js";
import { CONSENT_CODES, consented, runChecks } from "./restore-checks.js";
import { archiveGroups, itemScopes, openBackupArchive, requestedScopes, RESTORE_KIND, sweepRestore, sweepStaging, type RestoreParams, type RestoreReport, type RestoreRequest } from "./restore-kind.js";

export type RestoreStatus = "AWAITING_CONSENT" | "IN_PROGRESS" | "COMPLETE" | "FAILED";

/** The product's item kinds a restore may pick one of (`{entity, id}`). */
export const ITEM_ENTITIES: Record<Product, readonly string[]> = { confluence: ["pages"], jira: ["issues"], bitbucket: [] };

export interface RestoreInput extends RestoreRequest {
  backupId: string;
  product: Product;
}

export interface StartOptions {
  /** Run the restore in this process now (the command line), not queued for any node. */
  here?: boolean;
}

export interface RestoreState {
  restore: BackupRestore;
  job: Job | undefined;
  status: RestoreStatus;
  site: Site;
}

export class RestoreService {
  constructor(
    private readonly deps: { store: Store; runner: JobRunner; storages: BackupStorages; backups: BackupService },
    private readonly now: () => number = Date.now,
  ) {}

  private get store(): Store {
    return this.deps.store;
  }

  /** Validates a restore request and records it; starts it when nothing needs a consent (or it is a dry run). */
  async create(orgId: string, destCloudId: string, input: RestoreInput, options: StartOptions = {}): Promise<RestoreState> {
    const { backups } = this.deps;
    const destination = await backups.site(orgId, destCloudId);
    const { job: backup } = await backups.backup(orgId, input.backupId);
    const status = backupStatus(backup);
    if (status !== "COMPLETE" && status !== "INCOMPLETE") {
      throw new SluiceError("sluice.restore.not.restorable", `Backup ${input.backupId} is ${status}: only COMPLETE and INCOMPLETE backups can be restored.`, { details: { backupStatus: status } });
    }
    const source = (await this.store.sites.byId(backup.siteId!))!;
    if (input.product !== destination.product) {
      throw new SluiceError("sluice.restore.wrong.product", `product: site ${destCloudId} is ${PRODUCT_NAMES[destination.product]}, not ${PRODUCT_NAMES[input.product]}.`);
    }
    if (source.product !== destination.product) {
      throw new SluiceError("sluice.restore.wrong.product", `Backup ${input.backupId} is of a ${PRODUCT_NAMES[source.product]} site; site ${destCloudId} is ${PRODUCT_NAMES[destination.product]}: a backup restores into a site of its own product.`);
    }
    const partial = (input.items?.length ?? 0) > 0 || input.scopes !== undefined;
    if (source.id === destination.id && !partial) {
      throw new SluiceError("sluice.restore.same.site", `Backup ${input.backupId} is of site ${destCloudId} itself: restore a whole backup into another site of the organisation, or choose scopes or items to restore into this one.`);
    }
    const { reader } = await openBackupArchive(this.deps, backup.id);
    const manifest = reader.manifest;
    const problems: string[] = [];
    if (input.includeAttachments && !manifest.parts.some((p) => p.name.startsWith("attachments/"))) {
      const why = attachmentEntityOf(destination.product) ? "its policy did not include attachments" : `${PRODUCT_NAMES[destination.product]} sites have none`;
      problems.push(`includeAttachments: backup ${input.backupId} holds no attachment bytes (${why}).`);
    }
    if (input.scopes) {
      const known = new Set((manifest.scopes ?? []).flatMap((s) => [s.key, ...(s.identity ? [s.identity] : [])]));
      const unknown = input.scopes.filter((s) => !known.has(s));
      if (unknown.length > 0) problems.push(`scopes: backup ${input.backupId} has no ${unknown.slice(0, 10).join(", ")}; it holds ${[...(manifest.scopes ?? [])].slice(0, 20).map((s) => s.identity ?? s.key).join(", ") || "none"}.`);
    }
    if (input.items && input.items.length > 0) {
      const allowed = ITEM_ENTITIES[destination.product];
      const wrong = input.items.filter((i) => !allowed.includes(i.entity));
      if (wrong.length > 0) problems.push(`items: a ${PRODUCT_NAMES[destination.product]} restore picks ${allowed.join(" or ") || "no single items"}, not ${wrong[0]!.entity}.`);
      else {
        const found = await itemScopes(reader, destination.product, input.items);
        const missing = input.items.filter((i) => !found.has(i.id));
        if (missing.length > 0) problems.push(`items: backup ${input.backupId} has no ${missing.slice(0, 10).map((i) => `${entity(destination.product, i.entity).name} ${i.id}`).join(", ")}.`);
      }
    }
    if (problems.length > 0) throw invalid(problems);

    const checks = await this.checks(destination, reader, input);
    const restore = await this.store.backups.addRestore(
      {
        id: randomUUID(),
        orgId,
        siteId: destination.id,
        backupId: backup.id,
        product: destination.product,
        request: requestOf(input) as unknown as Record<string, unknown>,
        checks,
        consents: [],
        status: "AWAITING_CONSENT",
        jobId: null,
      },
      this.now(),
    );
    if (checks.length === 0 || input.dryRun) return this.start(restore, destination, options);
    return this.state(restore);
  }

  /** Records consents; when every check (run again now) has one, the restore starts. */
  async revalidate(orgId: string, destCloudId: string, input: { restoreId: string; consent: string[] }, options: StartOptions = {}): Promise<RestoreState> {
    const destination = await this.deps.backups.site(orgId, destCloudId);
    const restore = await this.get(orgId, input.restoreId);
    if (restore.restore.siteId !== destination.id) throw new SluiceError("sluice.restore.not.found", `Site ${destCloudId} has no restore ${input.restoreId.slice(0, 80)}.`);
    const unknown = input.consent.filter((c) => !CONSENT_CODES.includes(c));
    if (unknown.length > 0) throw invalid([`consent: ${unknown.slice(0, 5).map((c) => JSON.stringify(c.slice(0, 60))).join(", ")} is not a consent; use ${CONSENT_CODES.join(", ")}.`]);
    if (input.consent.includes("Accept_Custom_Group_Check") && input.consent.includes("Deny_Custom_Group_Check")) {
      throw invalid(["consent: Accept_Custom_Group_Check and Deny_Custom_Group_Check answer the same check; give one."]);
    }
    if (restore.status !== "AWAITING_CONSENT") {
      throw new SluiceError("sluice.restore.not.restorable", `Restore ${input.restoreId} is ${restore.status}: it takes no more consents.`);
    }
    const { reader } = await openBackupArchive(this.deps, restore.restore.backupId);
    const request = restore.restore.request as unknown as RestoreRequest;
    const checks = await this.checks(destination, reader, request);
    const consents = [...new Set([...restore.restore.consents, ...input.consent])];
    const updated = (await this.store.backups.updateRestore(restore.restore.id, { checks, consents }, this.now()))!;
    if (checks.every((c) => consented(c, consents))) return this.start(updated, destination, options);
    return this.state(updated);
  }

  async list(orgId: string, filter: { cloudId?: string; product?: Product } = {}): Promise<RestoreState[]> {
    await this.deps.backups.org(orgId);
    await sweepStaging(this.store);
    const sites = new Map((await this.store.sites.list()).map((s) => [s.id, s]));
    const out: RestoreState[] = [];
    for (const r of await this.store.backups.restores(orgId)) {
      const site = sites.get(r.siteId);
      if (!site || (filter.cloudId && site.cloudId !== filter.cloudId) || (filter.product && r.product !== filter.product)) continue;
      out.push(await this.state(r));
    }
    return out;
  }

  async get(orgId: string, restoreId: string): Promise<RestoreState> {
    const restore = await this.store.backups.restore(restoreId);
    if (!restore || restore.orgId !== orgId) throw new SluiceError("sluice.restore.not.found", `Organisation ${orgId} has no restore ${restoreId.slice(0, 80)}.`);
    // Polled while it runs: only this restore's own staging rows are looked at, never every organisation's.
    if (await sweepRestore(this.store, restore)) return this.state((await this.store.backups.restore(restoreId))!);
    return this.state(restore);
  }

  /** The post-operation report: what was restored, skipped and merged (`migrationId` is the restore's id). */
  async report(orgId: string, cloudId: string, restoreId: string): Promise<{ state: RestoreState; report: RestoreReport }> {
    const state = await this.get(orgId, restoreId);
    if (state.site.cloudId !== cloudId) throw new SluiceError("sluice.restore.not.found", `Site ${cloudId} has no restore ${restoreId.slice(0, 80)}.`);
    if (state.status !== "COMPLETE") {
      throw new SluiceError("sluice.restore.not.restorable", `Restore ${restoreId} is ${state.status}: its report is there once it is COMPLETE.`, { details: { status: state.status } });
    }
    return { state, report: state.job!.result as unknown as RestoreReport };
  }

  /** Runs the checks of a request against the destination as it is now. */
  private async checks(destination: Site, reader: Awaited<ReturnType<typeof openBackupArchive>>["reader"], request: RestoreRequest): Promise<RestoreCheck[]> {
    const manifest = reader.manifest;
    const groups = request.includeUsersAndGroups ? await archiveGroups(reader) : null;
    const outcome = await runChecks(this.store, { product: destination.product, source: manifest.site, destination, scopes: requestedScopes(manifest, request), groups });
    return outcome.checks;
  }

  private async start(restore: BackupRestore, destination: Site, options: StartOptions): Promise<RestoreState> {
    await sweepStaging(this.store);
    const request = { siteId: destination.id, params: { restoreId: restore.id }, trigger: options.here ? "cli" : "api" } as const;
    let job: Job;
    if (options.here) {
      // The command line runs it in its own process (it takes no queued work).
      const started = await this.deps.runner.start<RestoreParams>(RESTORE_KIND, request);
      if (started.outcome === "busy") throw new SluiceError("sluice.job.busy", `A restore into ${destination.contextPath} is running already (job ${started.job.id}).`);
      job = started.job;
    } else job = (await this.deps.runner.enqueue<RestoreParams>(RESTORE_KIND, request)).job;
    const updated = (await this.store.backups.updateRestore(restore.id, { status: "STARTED", jobId: job.id }, this.now()))!;
    void this.deps.runner.dispatch();
    return this.state(updated);
  }

  private async state(restore: BackupRestore): Promise<RestoreState> {
    const site = (await this.store.sites.byId(restore.siteId))!;
    const stored = restore.jobId === null ? undefined : await this.store.jobs.get(restore.jobId);
    const job = stored ? this.deps.runner.live(stored) : undefined;
    return { restore, job, site, status: restoreStatus(restore, job) };
  }
}

export function restoreStatus(restore: BackupRestore, job: Job | undefined): RestoreStatus {
  if (restore.jobId === null || !job) return "AWAITING_CONSENT";
  if (job.status === "QUEUED" || job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED") return "IN_PROGRESS";
  return job.status === "COMPLETED" ? "COMPLETE" : "FAILED";
}

function requestOf(input: RestoreInput): RestoreRequest {
  return {
    includeAttachments: input.includeAttachments,
    includeUsersAndGroups: input.includeUsersAndGroups,
    ...(input.scopes ? { scopes: input.scopes } : {}),
    ...(input.items && input.items.length > 0 ? { items: input.items } : {}),
    ...(input.dryRun ? { dryRun: true } : {}),
  };
}

function invalid(problems: string[]): SluiceError {
  return new SluiceError("sluice.restore.invalid", problems.join(" "), { problems: problems.map((message) => ({ key: "sluice.restore.invalid", message })) });
}
