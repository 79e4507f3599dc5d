/**
 * A backup as a kind of job (`backup`, one at a time per site: `backup:<site>`): a consistent snapshot
 * of the site — every entity of its product, its access entities (users, groups, memberships, grants)
 * and its attachments' rows, read in one snapshot while the site stays writable — streamed part by part
 * into an archive (`archive/`) in the policy's storage (the built-in one unless it names another), the
 * manifest last. With the policy's `includeAttachments`, each attachment's bytes follow as a blob part
 * `attachments/<attachment_id>`, streamed from the attachment store; one whose bytes are gone is listed
 * in the manifest's `incomplete.missing` and the backup is INCOMPLETE. Its record (status, storage,
 * prefix, counts, bytes, missing) is the job's result; a failure keeps nothing half-written as complete
 * (no manifest, parts deleted).
 */
import { Readable } from "node:stream";
import type { AttachmentBlobs } from "../attachments/index.js";
import { accessEntitiesOf, attachmentEntityOf, entitiesOf, productSchemas, storedColumns, type EntityDef } from "../core/entities/registry.js";
import { isSluiceError, SluiceError } from "../core/errors.js";
import type { Config } from "../config.js";
import { siteBaseUrl } from "../export/export-paths.js";
import type { JobKind } from "../jobs/kind.js";
import type { JobContext } from "../jobs/kind.js";
import type { Snapshot, Store } from "../store/port.js";
import { ArchiveWriter } from "./archive/index.js";
import { bundleStream, gitPartName, hasRefs } from "./git-parts.js";
import { ScopeCollector, SCOPE_SOURCES } from "./scopes.js";
import { readSiteSettings, SETTINGS_PART } from "./site-settings.js";
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

export interface BackupKindDeps {
  store: Store;
  storages: BackupStorages;
  /** Where attachments' bytes are read from. */
  attachments: AttachmentBlobs;
  config: Config;
}

export function backupKind(deps: BackupKindDeps): JobKind<BackupParams, BackupResult> {
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
      const attachments = attachmentEntityOf(site.product);
      const entities = [...entitiesOf(site.product), ...accessEntitiesOf(site.product), ...(attachments ? [attachments] : [])];
      const writer = await ArchiveWriter.create(blobs, prefix, {
        site: { key: site.key, product: site.product, contextPath: site.contextPath, baseUrl: siteBaseUrl(deps.config, site), plan: site.plan, region: site.region },
        schemaVersion: productSchemas(site.product).current,
        encryptionKey: deps.storages.encryptionKey(),
      });
      const snapshot = await store.data.snapshot(site.id);
      let done = 0;
      const scopes = new ScopeCollector(SCOPE_SOURCES[site.product]);
      try {
        // One count after another: a PostgreSQL snapshot is one connection, which takes one query at a time.
        let total = 0;
        for (const def of entities) total += await snapshot.count(def);
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
        const missing = attachments && policy.includeAttachments ? await writeAttachmentBytes(ctx, snapshot, attachments, deps.attachments, writer) : [];
        // The site's settings, and for Bitbucket each git-backed repository as a bundle of every ref.
        const settings = await readSiteSettings(store, site);
        await writer.writeBlob(SETTINGS_PART, Readable.from([Buffer.from(JSON.stringify(settings), "utf8")]), { signal: ctx.signal });
        for (const [id, location] of Object.entries(settings.gitRepositories)) {
          if (ctx.signal.aborted) throw new SluiceError("sluice.job.cancelled", "The backup was cancelled.");
          ctx.progress({ label: `git ${location.projectKey}/${location.slug}`, done, total, unit: "rows", rate: 0, etaSeconds: null });
          if (!(await hasRefs(location.path).catch(() => false))) {
            missing.push(`${gitPartName(id)} (${location.projectKey}/${location.slug}: no git repository with refs at ${location.path})`);
            continue;
          }
          await writer.writeBlob(gitPartName(id), bundleStream(location.path, ctx.signal), { kind: "git", signal: ctx.signal });
        }
        const manifest = await writer.finish({ scopes: scopes.scopes(), ...(missing.length > 0 ? { incomplete: { missing } } : {}) });
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

/**
 * Writes one blob part per attachment row of the snapshot (`attachments/<attachment_id>`), each
 * streamed from the attachment store, one at a time; returns the attachments whose bytes are gone
 * (`attachments/10023 (report.pdf of issue 10001)`), which the archive then lacks.
 */
async function writeAttachmentBytes(
  ctx: JobContext<BackupParams>,
  snapshot: Snapshot,
  def: EntityDef,
  blobs: AttachmentBlobs,
  writer: ArchiveWriter,
): Promise<string[]> {
  const siteId = ctx.site!.id;
  const columns = storedColumns(def);
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  const [id, filename] = [at("attachment_id"), at("filename")];
  const parent = columns.findIndex((c) => c.ref !== undefined);
  // `issue_id` holds an `issues` id: "of issue 10001".
  const parentNoun = columns[parent]?.ref?.replace(/s$/, "") ?? "item";
  const total = await snapshot.count(def);
  const missing: string[] = [];
  let done = 0;
  for await (const batch of snapshot.rows(def, ROWS_PER_BATCH)) {
    for (const row of batch) {
      if (ctx.signal.aborted) throw new SluiceError("sluice.job.cancelled", "The backup was cancelled.");
      const attachmentId = String(row[id]);
      const part = `attachments/${attachmentId}`;
      const body = await blobs.get(siteId, attachmentId, ctx.signal).catch((error: unknown) => {
        if (isSluiceError(error) && error.code === "sluice.storage.not.found") return undefined;
        throw error;
      });
      // Bytes that went between the store's look and the read are missing too.
      const written = body && (await writer.writeBlob(part, body, { signal: ctx.signal }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }));
      if (!written) missing.push(`${part} (${String(row[filename])} of ${parentNoun} ${String(row[parent])})`);
      done++;
      ctx.progress({ label: "attachment files", done, total, unit: "files", rate: 0, etaSeconds: null });
    }
  }
  return missing;
}
