/**
 * A restore as a kind of job (`restore`, one at a time per destination: `restore:<site>`), started once
 * every failing check of its request has its consent (`restore-service.ts`), or at once for a dry run.
 *
 * **All or nothing.** Rows are read from the archive (each part checked against its checksum as it
 * streams), chosen and given their destination ids by `RowPlan`, and loaded into a staging area: the same
 * tables under the site id `-<job id>`, which no site, query or export ever reads. Only when every part
 * was read whole does one transaction move the staged rows to the destination (`DataRepo.promote`). A
 * failure, a cancel or a kill -9 before that commit leaves the destination as it was; the staging rows of
 * a restore that did not finish are swept (`sweepStaging`) by the next restore or on start. A dry run
 * takes every decision the same way and writes nothing: its result lists exactly what would be written.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { accessEntitiesOf, attachmentEntityOf, entitiesOf, entity, storedColumns, type EntityDef, type Product } from "../../core/entities/registry.js";
import { isSluiceError, SluiceError } from "../../core/errors.js";
import type { JobKind } from "../../jobs/kind.js";
import type { AttachmentBlobs } from "../../attachments/index.js";
import type { BackupRestore, Site, Store } from "../../store/port.js";
import { ArchiveReader, type ArchiveManifest } from "../archive/index.js";
import type { BackupResult } from "../backup-kind.js";
import type { BackupStorages } from "../storages.js";
import { gitPartName, restoreBundle } from "../git-parts.js";
import { GIT_LOCATIONS_KEY, type GitLocations } from "../../sources/git/repository.js";
import { existingContainers, runChecks } from "./restore-checks.js";
import type { Config } from "../../config.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { applySiteSettings, SETTINGS_PART, type SiteSettings } from "../site-settings.js";
import { RowPlan, rowKey, type RestoreItem } from "./row-plan.js";

export const RESTORE_KIND = "restore";

export interface RestoreParams {
  restoreId: string;
}

/** What a restore asked for (kept with its record). */
export interface RestoreRequest {
  includeAttachments: boolean;
  includeUsersAndGroups: boolean;
  /** Only these containers (scope keys or identities as the archive lists them). */
  scopes?: string[];
  items?: RestoreItem[];
  dryRun?: boolean;
}

/** Per entity: rows written (or that would be), and their keys on the destination (the first `KEY_LIST_LIMIT`). */
export interface RestoreListing {
  rows: number;
  keys: string[];
}

export interface RestoreReport {
  restoreId: string;
  dryRun: boolean;
  /** Rows written (or, in a dry run, to be written) per entity. */
  restored: Record<string, RestoreListing>;
  /** Rows that stayed as the destination had them (a merged group, a member it had), per entity. */
  kept: Record<string, number>;
  skipped: { scopes: string[] };
  merged: { groups: string[] };
  denied: { groups: string[] };
  /** What was added to the ids of each entity the destination had ids of. */
  remapped: Record<string, number>;
  attachments: { copied: number; bytes: number; missing: string[] };
  /** Git repositories cloned from their bundles (`PROJECT/slug`), Bitbucket. */
  git: { repositories: string[] };
  /** Site settings brought back, and those kept in the archive only (with why). */
  settings: { applied: string[]; notApplied: { setting: string; reason: string }[] };
  startedAt: string;
  completedAt: string;
}

export const KEY_LIST_LIMIT = 10_000;
const BATCH = 1000;

/** The staging area of a restore job: its rows live under this site id until they are promoted. */
export function stagingSiteId(jobId: number): number {
  return -jobId;
}

/** Every entity a restore of `product` may write, in the order the archive holds them. */
export function restorableEntities(product: Product): EntityDef[] {
  const attachments = attachmentEntityOf(product);
  return [...entitiesOf(product), ...accessEntitiesOf(product), ...(attachments ? [attachments] : [])];
}

export interface RestoreDeps {
  store: Store;
  storages: BackupStorages;
  attachments: AttachmentBlobs;
  /** The server's: restored git repositories go to `<home>/git/restored/`. */
  config: Config;
}

/** The backup job's archive, opened (the backup must still have one). */
export async function openBackupArchive(deps: Pick<RestoreDeps, "store" | "storages">, backupId: number): Promise<{ reader: ArchiveReader; result: BackupResult; sourceSiteId: number }> {
  const job = await deps.store.jobs.get(backupId);
  const result = job?.result as unknown as BackupResult | null | undefined;
  if (!job || !result || job.status !== "COMPLETED" || result.expiredAt !== undefined) {
    throw new SluiceError("sluice.restore.not.restorable", `Backup ${backupId} has no archive to restore from any more (it expired, failed or was deleted).`);
  }
  const blobs = await deps.storages.open(result.storageId);
  return { reader: await ArchiveReader.open(blobs, result.prefix, { keys: deps.storages.keys() }), result, sourceSiteId: job.siteId! };
}

/** The largest id the destination has of each entity with one integer key (0 when it has none). */
async function destinationMaxima(store: Store, site: Site, defs: readonly EntityDef[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const snapshot = await store.data.snapshot(site.id);
  try {
    for (const def of defs) {
      if (def.kind === "access" || def.key.length !== 1) continue;
      const key = storedColumns(def).find((c) => c.name === def.key[0]);
      if (key?.type !== "integer") continue;
      for await (const batch of snapshot.rows({ entity: def, columns: [key.name], orderBy: [{ column: key.name, desc: true }], limit: 1 }, 1)) {
        const max = Number(batch[0]?.[0] ?? 0);
        if (max > 0) out.set(def.name, max);
      }
    }
  } finally {
    await snapshot.close();
  }
  return out;
}

/** The item's container keys (scope_key of the chosen pages or issues), read from the archive. */
export async function itemScopes(reader: ArchiveReader, product: Product, items: readonly RestoreItem[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const name of new Set(items.map((i) => i.entity))) {
    const def = entity(product, name);
    const part = reader.manifest.parts.find((p) => p.kind === "rows" && p.entity === def.name);
    if (!part || part.kind !== "rows") continue;
    const ids = new Set(items.filter((i) => i.entity === name).map((i) => i.id));
    const keyAt = part.columns.indexOf(def.key[0]!);
    const scopeAt = part.columns.indexOf("scope_key");
    for await (const batch of reader.rows(part.name, { batchSize: BATCH })) {
      for (const row of batch) {
        const id = Number(row[keyAt]);
        if (ids.has(id)) found.set(id, row[scopeAt] === null ? "" : String(row[scopeAt]));
      }
    }
  }
  return found;
}

/** The groups in an archive (its `groups` rows part), for the group checks. */
export async function archiveGroups(reader: ArchiveReader): Promise<string[]> {
  const part = reader.manifest.parts.find((p) => p.kind === "rows" && p.entity === "groups");
  if (!part || part.kind !== "rows") return [];
  const at = part.columns.indexOf("group_name");
  const names: string[] = [];
  for await (const batch of reader.rows(part.name, { batchSize: BATCH })) for (const row of batch) names.push(String(row[at]));
  return names;
}

/** The containers a request restores (scope keys of the archive), before conflicts are taken out. */
export function requestedScopes(manifest: ArchiveManifest, request: RestoreRequest) {
  const all = manifest.scopes ?? [];
  if (request.items && request.items.length > 0) return [];
  if (!request.scopes) return all;
  const wanted = new Set(request.scopes);
  return all.filter((s) => wanted.has(s.key) || (s.identity !== undefined && wanted.has(s.identity)));
}

export function restoreKind(deps: RestoreDeps): JobKind<RestoreParams, RestoreReport> {
  return {
    name: RESTORE_KIND,
    noun: "the restore",
    lockKey: (siteId) => `restore:${siteId ?? 0}`,
    async run(ctx) {
      const { store } = deps;
      const started = new Date().toISOString();
      const restore = await store.backups.restore(ctx.job.params.restoreId);
      if (!restore) throw new SluiceError("sluice.restore.not.found", `Restore ${ctx.job.params.restoreId} was deleted.`);
      const site = ctx.site!;
      const request = restore.request as unknown as RestoreRequest;
      const dryRun = request.dryRun === true;
      await sweepStaging(store, ctx.job.id);
      const { reader } = await openBackupArchive(deps, restore.backupId);
      const { manifest } = reader;
      const defs = restorableEntities(site.product);

      // The checks again, on the destination as it is now: what is skipped and merged is decided here.
      const scopes = requestedScopes(manifest, request);
      const groups = request.includeUsersAndGroups ? await archiveGroups(reader) : null;
      const outcome = await runChecks(store, { product: site.product, source: manifest.site, destination: site, scopes, groups });
      const denyGroups = restore.consents.includes("Deny_Custom_Group_Check") && !restore.consents.includes("Accept_Custom_Group_Check");
      const items = request.items && request.items.length > 0 ? request.items : null;
      let itemContainers = new Set<string>();
      if (items) {
        const containers = new Set((await itemScopes(reader, site.product, items)).values());
        const have = await existingContainers(store, site, [...containers]);
        itemContainers = new Set([...containers].filter((c) => c !== "" && !have.has(c)));
      }
      const maxima = await destinationMaxima(store, site, defs);
      const plan = new RowPlan({
        product: site.product,
        skipScopes: new Set(outcome.conflicting),
        selectScopes: items ? null : request.scopes ? new Set(scopes.map((s) => s.key)) : null,
        items,
        itemContainers,
        includeUsersAndGroups: request.includeUsersAndGroups,
        deniedGroups: new Set(denyGroups ? outcome.newGroups : []),
        offsets: maxima,
      });

      const staging = stagingSiteId(ctx.job.id);
      const restored: Record<string, RestoreListing> = {};
      const attachmentIds: [old: number, now: number][] = [];
      const attachmentDef = defs.find((d) => d.kind === "attachment");
      const repositories: { old: number; now: number; projectKey: string; slug: string }[] = [];
      const repoCols = site.product === "bitbucket" ? storedColumns(entity("bitbucket", "repositories")).map((c) => c.name) : [];
      const total = Object.values(manifest.counts).reduce((a, b) => a + b, 0);
      let done = 0;
      if (!dryRun) await store.backups.updateRestore(restore.id, { status: "STAGING" }, Date.now());
      const copied: number[] = [];
      let writing: Promise<void> = Promise.resolve();
      const gitFolder = join(deps.config.home, "git", "restored", `${site.key || "root"}-${ctx.job.id}`);
      const newLocations: GitLocations = {};
      let previousLocations: GitLocations | null | undefined;
      try {
        for (const def of defs) {
          const parts = manifest.parts.filter((p) => p.kind === "rows" && p.entity === def.name);
          const listing: RestoreListing = { rows: 0, keys: [] };
          for (const part of parts) {
            if (part.kind !== "rows") continue;
            for await (const batch of reader.rows(part.name, { batchSize: BATCH })) {
              if (ctx.signal.aborted) throw new SluiceError("sluice.job.cancelled", "The restore was cancelled; the destination was not changed.");
              const out: unknown[][] = [];
              for (const row of batch) {
                const mapped = plan.map(def, part.columns, row);
                if (mapped === null) continue;
                out.push(mapped);
                listing.rows++;
                if (listing.keys.length < KEY_LIST_LIMIT) listing.keys.push(rowKey(def, mapped));
                if (def.name === "repositories" && site.product === "bitbucket") {
                  const old = Number(row[part.columns.indexOf("repository_id")]);
                  repositories.push({ old, now: Number(mapped[repoCols.indexOf("repository_id")]), projectKey: String(mapped[repoCols.indexOf("project_key")]), slug: String(mapped[repoCols.indexOf("slug")]) });
                }
                if (def === attachmentDef) {
                  const id = Number(row[part.columns.indexOf(def.key[0]!)]);
                  attachmentIds.push([id, plan.mapId(def.name, id)]);
                }
              }
              if (!dryRun && out.length > 0) {
                // One batch written while the next is read and decoded (the store's round trip overlaps the archive's).
                await writing;
                writing = store.data.upsert(staging, def, out);
                writing.catch(() => undefined); // awaited (and thrown) before the next batch or in the catch below
              }
              done += batch.length;
              ctx.progress({ label: def.name, done, total, unit: "rows", rate: 0, etaSeconds: null });
            }
          }
          await writing;
          if (listing.rows > 0) restored[def.name] = listing;
        }
        const attachments = { copied: 0, bytes: 0, missing: [] as string[] };
        if (request.includeAttachments) {
          for (const [old, now] of attachmentIds) {
            const name = `attachments/${old}`;
            if (!manifest.parts.some((p) => p.name === name)) {
              attachments.missing.push(name);
              continue;
            }
            if (dryRun) {
              attachments.copied++;
              continue;
            }
            // Under an id the destination has no attachment of (ids above its own): nothing of its is replaced.
            const stored = await deps.attachments.put(site.id, now, reader.blob(name), ctx.signal);
            copied.push(now);
            attachments.copied++;
            attachments.bytes += stored.bytes;
          }
        }
        // Git repositories: each bundle cloned to a folder of this restore, registered under the new id.
        const git: string[] = [];
        for (const repo of repositories) {
          if (!manifest.parts.some((p) => p.name === gitPartName(repo.old))) continue;
          git.push(`${repo.projectKey}/${repo.slug}`);
          if (dryRun) continue;
          const target = join(gitFolder, `${repo.projectKey}-${repo.slug}-${repo.now}.git`);
          ctx.progress({ label: `git ${repo.projectKey}/${repo.slug}`, done, total, unit: "rows", rate: 0, etaSeconds: null });
          await restoreBundle(reader.blob(gitPartName(repo.old)), join(gitFolder, ".work"), String(repo.old), target, ctx.signal);
          newLocations[String(repo.now)] = { path: target, projectKey: repo.projectKey, slug: repo.slug };
        }
        if (!dryRun && Object.keys(newLocations).length > 0) {
          previousLocations = (await store.settings.get<GitLocations>(site.id, GIT_LOCATIONS_KEY)) ?? null;
          await store.settings.set(site.id, GIT_LOCATIONS_KEY, { ...(previousLocations ?? {}), ...newLocations });
        }
        await rm(join(gitFolder, ".work"), { recursive: true, force: true });
        let kept: Record<string, number> = {};
        if (!dryRun) {
          ctx.progress({ label: "switching", done, total, unit: "rows", rate: 0, etaSeconds: null });
          const added = await store.data.promote(staging, site.id, defs);
          kept = Object.fromEntries(Object.entries(restored).map(([name, l]) => [name, l.rows - (added[name] ?? 0)]).filter(([, n]) => (n as number) > 0));
          for (const [name, n] of Object.entries(kept)) restored[name]!.rows -= n;
          await store.backups.updateRestore(restore.id, { status: "DONE" }, Date.now());
        }
        // Settings of the containers restored (after the switch: they name rows the destination now has).
        let settingsOutcome: RestoreReport["settings"] = { applied: [], notApplied: [] };
        if (!items && manifest.parts.some((p) => p.name === SETTINGS_PART)) {
          const settings = JSON.parse((await streamText(reader.blob(SETTINGS_PART)))) as SiteSettings;
          if (dryRun) settingsOutcome = { applied: [], notApplied: [{ setting: "all", reason: "a dry run writes nothing" }] };
          else {
            settingsOutcome = await applySiteSettings(store, site, settings, {
              scopes: plan.restoredScopes,
              mapScope: (k) => plan.mapScope(k),
              sourceBaseUrl: manifest.site.baseUrl,
              baseUrl: siteBaseUrl(deps.config, site),
            });
          }
        }
        const report: RestoreReport = {
          restoreId: restore.id,
          dryRun,
          restored,
          kept,
          skipped: { scopes: scopes.filter((s) => outcome.conflicting.includes(s.key)).map((s) => s.identity ?? s.key) },
          merged: { groups: request.includeUsersAndGroups ? outcome.mergedGroups : [] },
          denied: { groups: denyGroups ? outcome.newGroups : [] },
          remapped: Object.fromEntries(maxima),
          attachments,
          git: { repositories: git },
          settings: settingsOutcome,
          startedAt: started,
          completedAt: new Date().toISOString(),
        };
        const rows = Object.values(restored).reduce((a, l) => a + l.rows, 0);
        return { result: report, summary: { rows, dryRun, site: site.key } };
      } catch (error) {
        if (!dryRun) {
          await writing.catch(() => undefined);
          await store.data.clearSite(staging).catch(() => undefined);
          for (const id of copied) await deps.attachments.delete(site.id, id).catch(() => undefined);
          if (previousLocations !== undefined) {
            await (previousLocations === null ? store.settings.delete(site.id, GIT_LOCATIONS_KEY) : store.settings.set(site.id, GIT_LOCATIONS_KEY, previousLocations)).catch(() => undefined);
          }
          await rm(gitFolder, { recursive: true, force: true }).catch(() => undefined);
          await store.backups.updateRestore(restore.id, { status: "DONE" }, Date.now()).catch(() => undefined);
        }
        throw error;
      }
    },
    failure: (error) => (isSluiceError(error) ? { key: error.code, message: error.message } : { key: "sluice.restore.failed", message: `The restore failed and the destination was left as it was: ${(error as Error).message}` }),
  };
}

/**
 * Deletes the staging rows of a restore that did not finish (a crash, a kill -9): one marked `STAGING`
 * whose job is no longer running. Returns whether it swept.
 */
export async function sweepRestore(store: Store, r: BackupRestore): Promise<boolean> {
  if (r.status !== "STAGING" || r.jobId === null) return false;
  const job = await store.jobs.get(r.jobId);
  if (job && (job.status === "QUEUED" || job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED")) return false;
  await store.data.clearSite(stagingSiteId(r.jobId));
  await store.backups.updateRestore(r.id, { status: "DONE" }, Date.now());
  return true;
}

/** `sweepRestore` for every restore of every organisation; `except` is the job calling it. */
export async function sweepStaging(store: Store, except?: number): Promise<number> {
  let swept = 0;
  for (const org of await store.sites.listOrganisations()) {
    for (const r of await store.backups.restores(org.orgId)) if (r.jobId !== except && (await sweepRestore(store, r))) swept++;
  }
  return swept;
}

export type { BackupRestore };

async function streamText(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}
