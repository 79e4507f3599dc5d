/**
 * The storage behind an `s3://bucket/prefix` export path: the oldest S3 storage of the site's
 * organisation (`backup_storages`, made with `POST /rest/backup/v1/orgs/{orgId}/storages`) whose bucket
 * is the path's. Its endpoint, region, path style and credentials' environment variable names are used;
 * its own prefix is not (the export path says where in the bucket the files go).
 */
import type { Config } from "../config.js";
import { SluiceError } from "../core/errors.js";
import { openBlobStore, S3BlobStore, storageSpec, type BlobStore } from "../storage/index.js";
import type { BackupStorage, Site, Store } from "../store/port.js";
import { s3Url, type S3Location } from "./s3-path.js";

export interface ExportStorage {
  storage: BackupStorage;
  /** The blob store at the location: keys are relative to its prefix. */
  blobs: BlobStore;
  /** `storage <name> (<id>)`: for messages. */
  name: string;
  /** `storage <name> (<id>) of organisation <orgId>`. */
  label: string;
  /** Closes the store's connections. */
  close(): void;
}

/** The S3 storage of the site's organisation for the location's bucket; `sluice.storage.not.found` naming what to create. */
export async function findExportStorage(store: Store, site: Site, location: S3Location): Promise<BackupStorage> {
  const s3 = (await store.backups.storages(site.orgId)).filter((s) => {
    const spec = storageSpec.safeParse(s.spec);
    return spec.success && spec.data.type === "s3";
  });
  const found = s3.find((s) => s.spec.bucket === location.bucket);
  if (found) return found;
  const known = s3.length === 0 ? "it has no S3 storage" : `its S3 storages have the buckets ${[...new Set(s3.map((s) => String(s.spec.bucket)))].join(", ")}`;
  throw new SluiceError(
    "sluice.storage.not.found",
    `No storage of organisation ${site.orgId} has the bucket ${location.bucket} (${known}); create one with POST /rest/backup/v1/orgs/${site.orgId}/storages {"storageType":"s3","storageName":"${location.bucket}",…}, then set ${s3Url(location)} again.`,
  );
}

/** Opens the storage at the location (credentials from `config.env`); `sluice.storage.invalid` when a variable is not set. */
export function openExportStorage(config: Config, storage: BackupStorage, location: S3Location): ExportStorage {
  const spec = storageSpec.parse(storage.spec);
  if (spec.type !== "s3") throw new SluiceError("sluice.storage.invalid", `The storage ${storage.name} (${storage.id}) is not an S3 storage.`);
  const name = `storage ${storage.name} (${storage.id})`;
  const label = `${name} of organisation ${storage.orgId}`;
  let blobs: BlobStore;
  try {
    blobs = openBlobStore({ ...spec, prefix: location.prefix }, config.env, storage.name);
  } catch (error) {
    if (error instanceof SluiceError) throw new SluiceError(error.code, `The ${label} cannot be opened: ${error.message}`, { cause: error });
    throw error;
  }
  return { storage, blobs, name, label, close: () => (blobs instanceof S3BlobStore ? blobs.destroy() : undefined) };
}

/** Finds, opens and reaches the storage (a cheap list with its credentials); the caller closes it. */
export async function reachExportStorage(config: Config, store: Store, site: Site, location: S3Location): Promise<ExportStorage> {
  const opened = openExportStorage(config, await findExportStorage(store, site, location), location);
  try {
    await opened.blobs.check();
  } catch (error) {
    opened.close();
    if (error instanceof SluiceError) {
      throw new SluiceError(error.code, `Through the ${opened.name}: ${error.message}`, { cause: error, retryable: error.retryable });
    }
    throw error;
  }
  return opened;
}
