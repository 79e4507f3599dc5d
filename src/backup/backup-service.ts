/**
 * The organisation's backups (spec §2): discovery, storages, policies, backups and their verification.
 * A backup is a `backup` job (`backup-kind.ts`); its status in the API's words is derived from the job
 * (`IN_PROGRESS` while queued or running, `COMPLETE`/`INCOMPLETE` from its result, `EXPIRED` once its
 * retention ended and its archive was deleted, `FAILED`). At most one complete backup per policy per
 * `backup.cadenceDays` (409). Retention is per policy (`retention.ts`, applied by `expiry.ts` when
 * backups are listed and on the verification schedule, `verify-kind.ts`, which the service puts in the
 * schedules table when backups are first used). The clock is injected (tests expire backups without
 * waiting 14 days).
 */
import { randomUUID } from "node:crypto";
import type { Config } from "../config.js";
import type { Product } from "../core/entities/registry.js";
import { SluiceError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { JobRunner } from "../jobs/runner.js";
import { confineUserFolder, UserPathError } from "../files/user-paths.js";
import { openBlobStore, storageSpec } from "../storage/index.js";
import type { BackupPolicy, BackupPolicyPatch, BackupRetention, BackupStorage, Organisation, Site, Store } from "../store/port.js";
import { BACKUP_KIND, type BackupParams, type BackupResult, type BackupVerification } from "./backup-kind.js";
import { expireBackups } from "./expiry.js";
import type { BackupStorages } from "./storages.js";
import { TRANSFER_KIND, type TransferParams } from "./transfer-kind.js";
import { ensureVerifySchedule, verifyBackup } from "./verify-kind.js";

export type BackupStatus = "IN_PROGRESS" | "COMPLETE" | "INCOMPLETE" | "EXPIRED" | "FAILED";

const DAY = 86_400_000;

export const PRODUCT_NAMES: Record<Product, string> = { jira: "JIRA", confluence: "CONFLUENCE", bitbucket: "BITBUCKET" };

export function productOf(name: string): Product | undefined {
  return (Object.entries(PRODUCT_NAMES).find(([, v]) => v === name.toUpperCase())?.[0] as Product | undefined) ?? undefined;
}

export function backupStatus(job: Job): BackupStatus {
  if (job.status === "QUEUED" || job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED") return "IN_PROGRESS";
  if (job.status !== "COMPLETED") return "FAILED";
  const result = job.result as unknown as BackupResult | null;
  if (!result) return "FAILED";
  return result.expiredAt !== undefined ? "EXPIRED" : result.status;
}

/** A FAILED backup whose policy's storage could not take it, and whose local copy is still kept. */
export function keptLocalCopy(job: Job): BackupResult | undefined {
  const result = job.result as unknown as BackupResult | null;
  return job.status === "FAILED" && result?.storageFailure !== undefined && result.expiredAt === undefined ? result : undefined;
}

export interface StorageInput {
  storageName: string;
  storageRegion: string;
  storagePrefix: string;
  storageType: "s3" | "filesystem";
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  path?: string;
}

export class BackupService {
  /** The verification schedule is in the table (looked for once per process). */
  private scheduled: Promise<unknown> | undefined;

  constructor(
    private readonly deps: { store: Store; runner: JobRunner; storages: BackupStorages; config: Config },
    private readonly now: () => number = Date.now,
  ) {}

  private get store(): Store {
    return this.deps.store;
  }

  /** Puts the verification (and expiry) schedule in the table when backups are first used. */
  private async schedule(): Promise<void> {
    this.scheduled ??= ensureVerifySchedule(this.store, this.now()).catch((error: unknown) => {
      this.scheduled = undefined;
      throw error;
    });
    await this.scheduled;
  }

  async orgs(): Promise<Organisation[]> {
    return this.store.sites.listOrganisations();
  }

  async org(orgId: string): Promise<Organisation> {
    const org = (await this.orgs()).find((o) => o.orgId === orgId);
    if (!org) throw new SluiceError("sluice.org.not.found", `There is no organisation ${orgId.slice(0, 80)}.`);
    return org;
  }

  async sites(orgId: string): Promise<Site[]> {
    await this.org(orgId);
    return (await this.store.sites.list()).filter((s) => s.orgId === orgId);
  }

  async site(orgId: string, cloudId: string): Promise<Site> {
    const site = (await this.sites(orgId)).find((s) => s.cloudId === cloudId);
    if (!site) throw new SluiceError("sluice.site.not.found", `Organisation ${orgId} has no site with cloudId ${cloudId.slice(0, 80)}.`);
    return site;
  }

  regions(): string[] {
    return this.deps.config.backup.regions;
  }

  // ---- storages

  async createStorage(orgId: string, input: StorageInput): Promise<BackupStorage> {
    await this.org(orgId);
    if (!this.regions().includes(input.storageRegion)) {
      throw invalid(`storageRegion: '${input.storageRegion.slice(0, 64)}' is not a region of this server; use one of ${this.regions().join(", ")} (POST …/storages/regions).`);
    }
    const raw: Record<string, unknown> =
      input.storageType === "s3"
        ? { type: "s3", region: input.storageRegion === "local" ? "us-east-1" : input.storageRegion, bucket: input.storageName, prefix: input.storagePrefix, endpoint: input.endpoint, forcePathStyle: input.forcePathStyle, accessKeyIdEnv: input.accessKeyIdEnv, secretAccessKeyEnv: input.secretAccessKeyEnv }
        : { type: "filesystem", path: input.path };
    if (input.storageType === "filesystem") {
      // A folder from a person: confined like an export path (never a system folder; inside the allowed roots).
      if (!input.path) throw invalid("path: a filesystem storage needs an absolute directory.");
      try {
        raw.path = await confineUserFolder(input.path, [], { allowedRoots: this.deps.config.allowedExportPathRoots });
      } catch (error) {
        if (error instanceof UserPathError) throw invalid(`path: ${error.message}`);
        throw error;
      }
    }
    const parsed = storageSpec.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
    if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join(".") || "storage"}: ${i.message}`).join("; "));
    const storage = { id: randomUUID(), orgId, name: input.storageName, type: input.storageType, region: input.storageRegion, prefix: input.storagePrefix, spec: parsed.data as Record<string, unknown> };
    // Reachable with its credentials now, or refused now (not at the first backup).
    await openBlobStore(parsed.data, this.deps.config.env).check();
    return this.store.backups.addStorage(storage, this.now());
  }

  async storages(orgId: string): Promise<BackupStorage[]> {
    await this.org(orgId);
    return this.store.backups.storages(orgId);
  }

  async storage(orgId: string, id: string): Promise<BackupStorage> {
    const storage = await this.store.backups.storage(id);
    if (!storage || storage.orgId !== orgId) throw new SluiceError("sluice.storage.not.found", `Organisation ${orgId} has no storage ${id.slice(0, 80)}.`);
    return storage;
  }

  // ---- policies

  async createPolicy(
    orgId: string,
    cloudId: string,
    input: { product: Product; storageId?: string | null; includeAttachments: boolean; includePersonalSpaces?: boolean; retention?: BackupRetention | null },
  ): Promise<BackupPolicy> {
    const site = await this.site(orgId, cloudId);
    if (site.product !== input.product) throw invalid(`product: site ${cloudId} is ${PRODUCT_NAMES[site.product]}, not ${PRODUCT_NAMES[input.product]}.`);
    if (input.storageId) await this.storage(orgId, input.storageId);
    await this.schedule();
    return this.store.backups.addPolicy(
      {
        id: randomUUID(),
        orgId,
        siteId: site.id,
        product: site.product,
        storageId: input.storageId ?? null,
        includeAttachments: input.includeAttachments,
        includePersonalSpaces: input.includePersonalSpaces ?? false,
        retention: input.retention ?? null,
      },
      this.now(),
    );
  }

  async policies(orgId: string): Promise<BackupPolicy[]> {
    await this.org(orgId);
    return this.store.backups.policies(orgId);
  }

  async policy(orgId: string, id: string): Promise<BackupPolicy> {
    const policy = await this.store.backups.policy(id);
    if (!policy || policy.orgId !== orgId) throw new SluiceError("sluice.backup.not.found", `Organisation ${orgId} has no backup policy ${id.slice(0, 80)}.`);
    return policy;
  }

  async updatePolicy(orgId: string, id: string, patch: BackupPolicyPatch): Promise<BackupPolicy> {
    await this.policy(orgId, id);
    if (patch.storageId) await this.storage(orgId, patch.storageId);
    await this.schedule();
    return (await this.store.backups.updatePolicy(id, patch, this.now()))!;
  }

  // ---- backups

  /** Starts a backup of a policy's site (queued for a free node); 409 within the cadence of the last complete one. */
  async startBackup(orgId: string, input: { policyId: string; cloudId: string }, options: { here?: boolean } = {}): Promise<Job> {
    const policy = await this.policy(orgId, input.policyId);
    const site = await this.site(orgId, input.cloudId);
    if (site.id !== policy.siteId) throw invalid(`cloudId: policy ${policy.id} backs up another site.`);
    await this.schedule();
    const cadence = this.deps.config.backup.cadenceDays;
    if (cadence > 0) {
      const last = (await this.backups(orgId, policy.id)).find((b) => backupStatus(b) === "COMPLETE");
      const at = last?.completedTime ?? null;
      if (last && at !== null && this.now() - at < cadence * DAY) {
        throw new SluiceError(
          "sluice.backup.too.soon",
          `Policy ${policy.id} had a complete backup (${last.id}) on ${new Date(at).toISOString()}: the next may run from ${new Date(at + cadence * DAY).toISOString()} (one per ${cadence} days).`,
        );
      }
    }
    if (options.here) {
      // The command line runs it in its own process (it takes no queued work).
      const started = await this.deps.runner.start<BackupParams>(BACKUP_KIND, { siteId: site.id, params: { policyId: policy.id }, trigger: "cli" });
      if (started.outcome === "busy") throw new SluiceError("sluice.job.busy", `A backup of ${site.contextPath} is running already (job ${started.job.id}).`);
      return started.job;
    }
    const { job } = await this.deps.runner.enqueue<BackupParams>(BACKUP_KIND, { siteId: site.id, params: { policyId: policy.id }, trigger: "api" });
    void this.deps.runner.dispatch();
    return job;
  }

  /** A policy's backups, newest first (expiring those past their retention first). */
  async backups(orgId: string, policyId: string): Promise<Job[]> {
    const policy = await this.policy(orgId, policyId);
    await this.schedule();
    await this.expire();
    const { jobs } = await this.store.jobs.list({ kind: BACKUP_KIND, siteId: policy.siteId }, 0, 1000);
    return jobs.filter((j) => (j.params as unknown as BackupParams).policyId === policyId).map((j) => this.deps.runner.live(j));
  }

  async backup(orgId: string, id: string): Promise<{ job: Job; policy: BackupPolicy }> {
    await this.expire();
    const job = /^\d{1,15}$/.test(id) ? await this.store.jobs.get(Number(id)) : undefined;
    const policy = job?.kind === BACKUP_KIND ? await this.store.backups.policy((job.params as unknown as BackupParams).policyId) : undefined;
    if (!job || !policy || policy.orgId !== orgId) throw new SluiceError("sluice.backup.not.found", `Organisation ${orgId} has no backup ${id.slice(0, 80)}.`);
    return { job: this.deps.runner.live(job), policy };
  }

  /** Backups their policy's retention no longer keeps become EXPIRED and their archives are deleted; how many. */
  async expire(): Promise<number> {
    return (await expireBackups(this.deps, this.now())).expired.length;
  }

  // ---- exports and imports

  /**
   * Copies backups to their policy's external storage (export) or back from it into the built-in
   * storage (import): one `backup-transfer` job each, every item checked before any starts.
   */
  async startTransfers(orgId: string, direction: "export" | "import", items: readonly TransferItem[]): Promise<Job[]> {
    const checked: { siteId: number; params: TransferParams }[] = [];
    for (const [i, item] of items.entries()) {
      const { job, policy } = await this.backup(orgId, item.backupId);
      const site = await this.site(orgId, item.cloudId);
      const where = `items.${i}`;
      if (site.id !== policy.siteId || site.product !== item.product) throw invalid(`${where}: backup ${item.backupId} is not a ${PRODUCT_NAMES[item.product]} backup of site ${item.cloudId}.`);
      const status = backupStatus(job);
      const kept = direction === "export" && keptLocalCopy(job) !== undefined;
      if (status !== "COMPLETE" && status !== "INCOMPLETE" && !kept) {
        throw invalid(`${where}: backup ${item.backupId} is ${status}; only COMPLETE and INCOMPLETE backups (and the local copy a FAILED one kept) are copied.`);
      }
      if (!policy.storageId) throw invalid(`${where}: policy ${policy.id} has no external storage; connect one (PUT …/policies/${policy.id} {storageId}) first.`);
      const result = job.result as unknown as BackupResult;
      if (direction === "export" && result.storageId === policy.storageId) throw invalid(`${where}: backup ${item.backupId} is stored in storage ${policy.storageId} already.`);
      if (direction === "import" && !(result.copies ?? []).includes(policy.storageId) && result.storageId !== policy.storageId) {
        throw invalid(`${where}: backup ${item.backupId} was never exported to storage ${policy.storageId}; nothing to import.`);
      }
      checked.push({ siteId: site.id, params: { backupId: job.id, direction, storageId: policy.storageId } });
    }
    const jobs: Job[] = [];
    for (const c of checked) jobs.push((await this.deps.runner.enqueue<TransferParams>(TRANSFER_KIND, { siteId: c.siteId, params: c.params, trigger: "api" })).job);
    void this.deps.runner.dispatch();
    return jobs;
  }

  async transfers(orgId: string, direction: "export" | "import", product?: Product): Promise<Job[]> {
    const sites = new Map((await this.sites(orgId)).map((s) => [s.id, s]));
    const { jobs } = await this.store.jobs.list({ kind: TRANSFER_KIND }, 0, 1000);
    return jobs.filter((j) => (j.params as unknown as TransferParams).direction === direction && j.siteId !== null && sites.has(j.siteId) && (product === undefined || sites.get(j.siteId)!.product === product)).map((j) => this.deps.runner.live(j));
  }

  async transfer(orgId: string, cloudId: string, direction: "export" | "import", id: string): Promise<Job> {
    const site = await this.site(orgId, cloudId);
    const job = /^\d{1,15}$/.test(id) ? await this.store.jobs.get(Number(id)) : undefined;
    if (!job || job.kind !== TRANSFER_KIND || job.siteId !== site.id || (job.params as unknown as TransferParams).direction !== direction) {
      throw new SluiceError("sluice.backup.not.found", `Site ${cloudId} has no ${direction} ${id.slice(0, 80)}.`);
    }
    return this.deps.runner.live(job);
  }

  /** Re-reads every part (or a sample) of a backup against its checksums and records the result. */
  async verify(orgId: string, id: string, sample?: number): Promise<BackupVerification> {
    const { job } = await this.backup(orgId, id);
    const status = backupStatus(job);
    if (status !== "COMPLETE" && status !== "INCOMPLETE" && keptLocalCopy(job) === undefined) {
      throw new SluiceError("sluice.backup.invalid", `Backup ${id} is ${status}: only a COMPLETE or INCOMPLETE backup (or the local copy a FAILED one kept) has an archive to verify.`);
    }
    return verifyBackup(this.deps, job, sample, this.now());
  }
}

/** An export or import of backups (spec: `POST /orgs/{orgId}/exports|imports`). */
export interface TransferItem {
  product: Product;
  cloudId: string;
  backupId: string;
}

export function transferStatus(job: Job): "IN_PROGRESS" | "COMPLETE" | "FAILED" {
  if (job.status === "QUEUED" || job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED") return "IN_PROGRESS";
  return job.status === "COMPLETED" ? "COMPLETE" : "FAILED";
}

function invalid(message: string): SluiceError {
  return new SluiceError("sluice.backup.invalid", message, { problems: [{ key: "sluice.backup.invalid", message }] });
}
