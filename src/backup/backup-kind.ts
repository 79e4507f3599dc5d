/**
 * A backup as a kind of job (`backup`, one at a time per site: `backup:<site>`): a consistent snapshot
 * of the site — every entity of its product and its access entities (users, groups, memberships,
 * grants), read in one snapshot while the site stays writable — streamed part by part into an archive
 * (`archive/`) in the policy's storage (the built-in one unless it names another), the manifest last.
 * Its record (status COMPLETE or INCOMPLETE, storage, prefix, counts, bytes) is the job's result; a
 * failure keeps nothing half-written as complete (no manifest, parts deleted).
 */
import { accessEntitiesOf, entitiesOf, productSchemas, storedColumns } from "../core/entities/registry.js";
import { isSluiceError, SluiceError } from "../core/errors.js";
import type { Config } from "../config.js";
import { siteBaseUrl } from "../export/export-paths.js";
import type { JobKind } from "../jobs/kind.js";
import type { Store } from "../store/port.js";
import { ArchiveWriter } from "./archive/index.js";
import { ScopeCollector, SCOPE_SOURCES } from "./scopes.js";
import type { BackupStorages } from "./storages.js";

export const BACKUP_KIND = "backup";

export interface BackupParams {
  policyId: string;
}

export interface BackupResult {
  status: "COMPLETE" | "INCOMPLETE";
  policyId: string;
  /** null: the built-in storage. */
  storageId: string | null;
  prefix: string;
  counts: Record<string, number>;
  bytes: number;
  parts: number;
  missing: string[];
  /** External storages holding a copy (exports). */
  copies?: string[];
  /** Set when the backup was expired and its archive deleted. */
  expiredAt?: number;
  /** The last `verify` of the archive. */
  verified?: { at: number; ok: boolean; checkedParts: number; failures: { part: string; reason: string }[] };
}

const ROWS_PER_BATCH = 2000;

/** Where a backup's archive lives in its storage. */
export function backupPrefix(jobId: number): string {
  return `backups/${jobId}`;
}

export function backupKind(deps: { store: Store; storages: BackupStorages; config: Config }): JobKind<BackupParams, BackupResult> {
  return {
    name: BACKUP_KIND,
    noun: "the backup",
    lockKey: (siteId) => `backup:${siteId ?? 0}`,
    async run(ctx) {
      const { store } = deps;
      const site = ctx.site!;
      const policy = await store.backups.policy(ctx.job.params.policyId);
      if (!policy) throw new SluiceError("sluice.backup.not.found", `Backup policy ${ctx.job.params.policyId} was deleted.`);
      const blobs = await deps.storages.open(policy.storageId);
      const prefix = backupPrefix(ctx.job.id);
      const entities = [...entitiesOf(site.product), ...accessEntitiesOf(site.product)];
      const writer = await ArchiveWriter.create(blobs, prefix, {
        site: { key: site.key, product: site.product, contextPath: site.contextPath, baseUrl: siteBaseUrl(deps.config, site), plan: site.plan, region: site.region },
        schemaVersion: productSchemas(site.product).current,
        encryptionKey: deps.storages.encryptionKey(),
      });
      const snapshot = await store.data.snapshot(site.id);
      let done = 0;
      const scopes = new ScopeCollector(SCOPE_SOURCES[site.product]);
      try {
        const total = (await Promise.all(entities.map((e) => snapshot.count(e)))).reduce((a, b) => a + b, 0);
        for (const def of entities) {
          if (ctx.signal.aborted) throw new SluiceError("sluice.job.cancelled", "The backup was cancelled.");
          const columns = storedColumns(def).map((c) => c.name);
          const rows = snapshot.rows(def, ROWS_PER_BATCH);
          const counted = (async function* () {
            for await (const batch of rows) {
              done += batch.length;
              if (def.name === scopes.source.entity) scopes.add(columns, batch);
              ctx.progress({ label: def.name, done, total, unit: "rows", rate: 0, etaSeconds: null });
              yield batch;
            }
          })();
          await writer.writeRows(`${def.name}.ndjson.gz`, def.name, columns, counted);
        }
        const manifest = await writer.finish({ scopes: scopes.scopes() });
        const bytes = manifest.parts.reduce((sum, p) => sum + p.bytes, 0);
        const result: BackupResult = {
          status: manifest.incomplete ? "INCOMPLETE" : "COMPLETE",
          policyId: policy.id,
          storageId: policy.storageId,
          prefix,
          counts: manifest.counts,
          bytes,
          parts: manifest.parts.length,
          missing: manifest.incomplete?.missing ?? [],
        };
        return { result, summary: { rows: done, bytes, storage: blobs.description } };
      } catch (error) {
        await blobs.deletePrefix(`${prefix}/`).catch(() => undefined);
        throw error;
      } finally {
        await snapshot.close();
      }
    },
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.backup.failed", message: `The backup failed: ${(error as Error).message}` }),
  };
}
