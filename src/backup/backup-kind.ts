/**
 * A backup as a kind of job (`backup`, one at a time per site: `backup:<site>`): a consistent snapshot
 * of the site — every entity of its product, its access entities (users, groups, memberships, grants)
 * and its attachments' rows, read in one snapshot while the site stays writable — streamed part by part
 * into an archive (`archive/`) in the built-in storage, the manifest last. With the policy's
 * `includeAttachments`, each attachment's bytes follow as a blob part `attachments/<attachment_id>`,
 * streamed from the attachment store; one whose bytes are gone is listed in the manifest's
 * `incomplete.missing` and the backup is INCOMPLETE. Its record (status, storage, prefix, counts, bytes,
 * missing) is the job's result; a failure keeps nothing half-written as complete (no manifest, parts
 * deleted).
 *
 * When the policy names an external storage, the archive is written locally first and then copied
 * there part by part (each checked against the manifest, the manifest last), which becomes its home;
 * the local copy goes. A storage that cannot take it (unreachable, refused credentials, a copy that does
 * not match) makes the backup FAILED naming the storage, and the local copy is kept: the failed job's
 * result says where (`storageId: null`, `storageFailure`), so it can be verified, exported once the
 * storage works, and expires like any backup.
 *
 * `backup.maxBytes.<product>` bounds the archive: the put that passes it stops the backup at once, its
 * parts are deleted, and the backup is FAILED with `sluice.backup.too.large` naming the limit.
 */
import { Readable } from "node:stream";
import type { AttachmentBlobs } from "../attachments/index.js";
import { accessEntitiesOf, attachmentEntityOf, entitiesOf, productSchemas, storedColumns, type EntityDef, type Product } from "../core/entities/registry.js";
import { isCancelled, isSluiceError, SluiceError } from "../core/errors.js";
import type { Config } from "../config.js";
import { siteBaseUrl } from "../export/export-paths.js";
import type { JobKind } from "../jobs/kind.js";
import type { JobContext } from "../jobs/kind.js";
import type { Snapshot, Store } from "../store/port.js";
import type { BlobStore } from "../storage/port.js";
import { ArchiveWriter } from "./archive/index.js";
import { copyArchive } from "./copy-archive.js";
import { bundleStream, gitPartName, hasRefs } from "./git-parts.js";
import { ScopeCollector, SCOPE_SOURCES } from "./scopes.js";
import { readSiteSettings, SETTINGS_PART } from "./site-settings.js";
import { SizeLimitedBlobStore, sizeText } from "./size-limit.js";
import type { BackupStorages } from "./storages.js";

export const BACKUP_KIND = "backup";

export interface BackupParams {
  policyId: string;
}

export interface BackupResult {
  status: "COMPLETE" | "INCOMPLETE";
  policyId: string;
  /** Where the archive is (its home); null: the built-in storage. */
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
  verified?: BackupVerification;
  /**
   * A FAILED backup whose archive its policy's storage could not take: the storage and why. The
   * archive is then the local copy, kept in the built-in storage (`storageId` null) until it expires.
   */
  storageFailure?: { storageId: string; message: string };
  /** Set when an expired archive could not be deleted (its storage failed); the scheduled run tries again. */
  deleteFailed?: string;
}

export interface BackupVerification {
  at: number;
  ok: boolean;
  checkedParts: number;
  failures: { part: string; reason: string }[];
}

/** Rows read per batch: long texts are strings while a batch is encoded; 250 keeps a 1M-row backup's peak RSS ~60 MB lower than 2000 at the same speed (docs/benchmarks.md). */
const ROWS_PER_BATCH = 250;

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

export function backupKind(deps: BackupKindDeps): JobKind<BackupParams, BackupResult, BackupResult> {
  return {
    name: BACKUP_KIND,
    noun: "the backup",
    lockKey: (siteId) => `backup:${siteId ?? 0}`,
    async run(ctx) {
      const { store } = deps;
      const site = ctx.site!;
      const policy = await store.backups.policy(ctx.job.params.policyId);
      if (!policy) throw new SluiceError("sluice.backup.not.found", `Backup policy ${ctx.job.params.policyId} was deleted.`);
      const local = await deps.storages.open(null);
      const prefix = backupPrefix(ctx.job.id);
      const limit = deps.config.backup.maxBytes[site.product];
      const limited = limit === undefined ? undefined : new SizeLimitedBlobStore(local, limit, (written) => tooLarge(site.product, site.contextPath, limit, written));
      const blobs: BlobStore = limited ?? local;
      const attachments = attachmentEntityOf(site.product);
      const entities = [...entitiesOf(site.product), ...accessEntitiesOf(site.product), ...(attachments ? [attachments] : [])];
      const writer = await ArchiveWriter.create(blobs, prefix, {
        site: { key: site.key, product: site.product, contextPath: site.contextPath, baseUrl: siteBaseUrl(deps.config, site), plan: site.plan, region: site.region },
        schemaVersion: productSchemas(site.product).current,
        encryptionKey: deps.storages.encryptionKey(),
        gzipLevel: deps.config.backup.compressionLevel,
      });
      const snapshot = await store.data.snapshot(site.id);
      let done = 0;
      let result: BackupResult;
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
        result = {
          status: manifest.incomplete ? "INCOMPLETE" : "COMPLETE",
          policyId: policy.id,
          storageId: null,
          prefix,
          counts: manifest.counts,
          bytes: manifest.parts.reduce((sum, p) => sum + p.bytes, 0),
          parts: manifest.parts.length,
          missing: manifest.incomplete?.missing ?? [],
        };
      } catch (error) {
        await local.deletePrefix(`${prefix}/`).catch(() => undefined);
        // Past the limit, whichever stream noticed first: the limit is the reason.
        throw limited?.exceeded ?? error;
      } finally {
        await snapshot.close();
      }
      if (policy.storageId !== null) result = await storeInPolicyStorage(ctx, deps, policy.storageId, local, result);
      const where = policy.storageId === null ? local.description : `storage ${policy.storageId}`;
      return { result, summary: { rows: done, bytes: result.bytes, storage: where } };
    },
    // A backup whose storage failed keeps its local copy: the record says where.
    partialResult: (_job, progress) => progress?.detail ?? null,
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.backup.failed", message: `The backup failed: ${(error as Error).message}` }),
  };
}

/** `sluice.backup.too.large`: the product's limit, and how far the archive got. */
function tooLarge(product: Product, contextPath: string, limit: number, written: number): SluiceError {
  return new SluiceError(
    "sluice.backup.too.large",
    `The backup of ${product} site ${contextPath || "/"} passed backup.maxBytes.${product}, ${sizeText(limit)} (${limit} bytes), at ${sizeText(written)}; it was stopped and its parts deleted.`,
  );
}

/**
 * Copies the archive written locally to the policy's storage, which becomes its home, and removes the
 * local copy. When the storage cannot take it the local copy stays, the failed job's result (through
 * the progress detail) says where, and the error names the storage.
 */
async function storeInPolicyStorage(ctx: JobContext<BackupParams, BackupResult>, deps: BackupKindDeps, storageId: string, local: BlobStore, result: BackupResult): Promise<BackupResult> {
  const at = `${result.prefix}/`;
  try {
    const storage = await deps.store.backups.storage(storageId);
    if (!storage) throw new SluiceError("sluice.storage.not.found", `storage ${storageId} no longer exists.`);
    const target = await deps.storages.open(storageId);
    await copyArchive(local, target, result.prefix, ctx.signal, (done, total) => ctx.progress({ label: `copy to ${target.description}`, done, total, unit: "parts", rate: 0, etaSeconds: null }));
  } catch (error) {
    if (isCancelled(error) || ctx.signal.aborted) {
      await local.deletePrefix(at).catch(() => undefined);
      throw error;
    }
    const reason = (error as Error).message;
    ctx.progress({ label: "local copy kept", done: result.parts, total: result.parts, unit: "parts", rate: 0, etaSeconds: null, detail: { ...result, storageFailure: { storageId, message: reason } } });
    throw new SluiceError("sluice.storage.unavailable", `Storage ${storageId} failed, local copy kept at ${at}: ${reason}`, { cause: error });
  }
  // The archive is whole in its home: the local copy was its staging.
  await local.deletePrefix(at).catch(() => undefined);
  return { ...result, storageId };
}

/**
 * Writes one blob part per attachment row of the snapshot (`attachments/<attachment_id>`), each
 * streamed from the attachment store, one at a time; returns the attachments whose bytes are gone
 * (`attachments/10023 (report.pdf of issue 10001)`), which the archive then lacks.
 */
async function writeAttachmentBytes(
  ctx: JobContext<BackupParams, BackupResult>,
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
