/**
 * An export to a storage: the files the engine wrote (complete, in the staging folder) go to the blob
 * store one after the other, each under `<jobId>/<name>` as on disk, and `manifest.json` last, so the
 * manifest appears only once every file it lists is there. Each upload is checked against the file's
 * bytes and SHA-256 in the manifest. If anything fails part-way (or the job is cancelled), what was put
 * is deleted again: the bucket never shows a manifest of an incomplete export.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, Transform } from "node:stream";
import { SluiceError } from "../core/errors.js";
import type { JobFile } from "../core/export-job.js";
import type { BlobStore } from "../storage/port.js";

export const MANIFEST = "manifest.json";

export interface UploadProgress {
  /** The file being uploaded. */
  file: string;
  /** Files uploaded so far, of `filesTotal` (the manifest included). */
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface UploadRequest {
  /** The store at the export's root: keys are `<jobId>/<name>`. */
  blobs: BlobStore;
  /** The job's staging folder: the files and `manifest.json`. */
  directory: string;
  jobId: number;
  files: readonly JobFile[];
  signal: AbortSignal;
  onProgress(progress: UploadProgress): void;
}

/** Uploads the files, the manifest last; on failure deletes what it put and rethrows. */
export async function uploadExport(request: UploadRequest): Promise<void> {
  const { blobs, directory, signal } = request;
  const manifestBytes = (await stat(join(directory, MANIFEST))).size;
  const items: { name: string; expected: JobFile | undefined }[] = [...request.files.map((f) => ({ name: f.name, expected: f })), { name: MANIFEST, expected: undefined }];
  const progress: UploadProgress = {
    file: "",
    filesDone: 0,
    filesTotal: items.length,
    bytesDone: 0,
    bytesTotal: request.files.reduce((n, f) => n + f.bytes, 0) + manifestBytes,
  };
  const key = (name: string) => `${request.jobId}/${name}`;
  const put: string[] = [];
  try {
    // A manifest of an earlier export under the same job id (a store started afresh) must not stand
    // beside files being replaced.
    await blobs.delete(key(MANIFEST));
    for (const { name, expected } of items) {
      signal.throwIfAborted();
      progress.file = name;
      request.onProgress({ ...progress });
      // Listed before the put: an upload that fails after the storage kept the object is undone too.
      put.push(key(name));
      const stored = await putFile(blobs, key(name), join(directory, name), signal, (bytes) => {
        progress.bytesDone += bytes;
        request.onProgress({ ...progress });
      });
      if (expected && (stored.bytes !== expected.bytes || stored.sha256 !== expected.sha256)) {
        throw new SluiceError("export.failed", `${name} changed between writing and upload (its size or SHA-256 is not the manifest's); nothing was kept in ${blobs.description}.`);
      }
      progress.filesDone += 1;
      request.onProgress({ ...progress });
    }
  } catch (error) {
    // Whatever the storage lets us delete now; the manifest, put last, is never among what stays.
    for (const k of put.reverse()) await blobs.delete(k).catch(() => undefined);
    throw error;
  }
}

async function putFile(blobs: BlobStore, key: string, path: string, signal: AbortSignal, onBytes: (bytes: number) => void) {
  const source = createReadStream(path);
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  // A read error reaches the store through `counted` (the body), which then abandons the upload.
  pipeline(source, counted, () => undefined);
  try {
    return await blobs.put(key, counted, signal);
  } finally {
    source.destroy();
    counted.destroy();
  }
}
