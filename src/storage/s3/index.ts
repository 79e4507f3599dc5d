/**
 * The S3 blob store: blobs are objects under `<prefix>/` in one bucket of any S3-compatible endpoint
 * (AWS, MinIO, Ceph, R2; s3rver in the tests), through AWS SDK v3. `put` streams with lib-storage's
 * `Upload`: 8 MB parts, two in flight, so memory stays flat whatever the size, while a Transform in
 * front hashes and counts the bytes. The object appears only when the upload completes (S3 semantics);
 * a body that fails or an abort abandons the upload. Credentials are handed in by the caller (resolved
 * from config or the environment); they are never logged, stored or put in a message.
 *
 * Failures of the storage itself (unreachable endpoint, refused credentials, missing bucket, 5xx) are
 * `sluice.storage.unavailable` naming the storage with the reason in plain words (`./failure.ts`).
 */
import { createHash } from "node:crypto";
import { pipeline, Readable, Transform } from "node:stream";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { SluiceError } from "../../core/errors.js";
import { checkKey, type BlobInfo, type BlobStore, type StoredBlob } from "../port.js";
import { failureReason, isNotFound } from "./failure.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3BlobStoreOptions {
  /** The storage's name (for the caller's messages and logs). */
  name: string;
  /** `https://s3.example.com:9000`; absent: AWS itself, in `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Where this store's keys live in the bucket (`sluice/backups`); `""` for the bucket's root. */
  prefix: string;
  /** Path-style URLs (`endpoint/bucket/key`); default: on when an endpoint is given (MinIO, Ceph, s3rver need it). */
  forcePathStyle?: boolean;
  credentials: S3Credentials;
}

/** Part size of multipart uploads; with `QUEUE_SIZE` parts in flight a put holds about 2 × 8 MB. */
export const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;
/** An endpoint that does not accept the connection in this time is unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;
/** `check` gives up after this, even on an endpoint that accepts connections but never answers. */
const CHECK_TIMEOUT_MS = 15_000;

/** S3 lists keys in the order of their UTF-8 bytes; so do we. */
const byKeyBytes = (a: BlobInfo, b: BlobInfo): number => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

function isKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

/** The endpoint as shown in messages: no user info, query or fragment. */
function endpointLabel(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new SluiceError("sluice.storage.invalid", `The S3 endpoint ${JSON.stringify(endpoint.slice(0, 200))} is not a URL; give one such as https://s3.example.com.`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SluiceError("sluice.storage.invalid", `The S3 endpoint ${url.origin} must be an http:// or https:// URL.`);
  }
  return `${url.origin}${url.pathname === "/" ? "" : url.pathname}`;
}

export class S3BlobStore implements BlobStore {
  readonly kind = "s3";
  readonly name: string;
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  /** `""` or the prefix with a trailing `/`. */
  private readonly root: string;
  /** The endpoint or the AWS region, for messages. */
  private readonly where: string;

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix.replace(/^\/+|\/+$/g, "");
    if (prefix !== "" && !isKey(prefix)) {
      throw new SluiceError("sluice.storage.invalid", `The S3 prefix ${JSON.stringify(options.prefix.slice(0, 200))} is not allowed: use /-separated names without . or .. segments.`);
    }
    this.name = options.name;
    this.bucket = options.bucket;
    this.root = prefix === "" ? "" : `${prefix}/`;
    this.where = options.endpoint === undefined ? `AWS ${options.region}` : endpointLabel(options.endpoint);
    this.description = `s3 ${options.bucket}${prefix === "" ? "" : `/${prefix}`} at ${this.where}`;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey },
      // Newer SDKs send CRC32 checksums in aws-chunked bodies by default, which many S3-compatible
      // servers (s3rver among them) do not understand; checksums only where the API requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS },
      maxAttempts: 3,
    });
  }

  /** The object key of a blob key (checked). */
  private objectKey(key: string): string {
    return this.root + checkKey(key);
  }

  /** The object prefix of a blob prefix (`backups/12/` or `backups/12`: the folder, never `backups/123`). */
  private objectPrefix(prefix: string): string {
    const folder = prefix.replace(/\/+$/, "");
    return folder === "" ? this.root : `${this.objectKey(folder)}/`;
  }

  /** The storage failed: `sluice.storage.unavailable` naming it, the SDK's error as the cause. */
  private unavailable(error: unknown): SluiceError {
    const { reason, retryable } = failureReason(error, this.where, this.bucket);
    return new SluiceError("sluice.storage.unavailable", `${this.description} cannot be used: ${reason}.`, { cause: error, retryable });
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<StoredBlob> {
    const objectKey = this.objectKey(key);
    signal?.throwIfAborted();
    const hash = createHash("sha256");
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // The body's own failure is the caller's to see (not a storage failure); it stops the upload
    // through `counted`, and lib-storage then aborts the multipart upload.
    let bodyError: Error | undefined;
    const onBodyError = (error: unknown): void => {
      bodyError ??= error instanceof Error ? error : new Error(String(error));
    };
    body.once("error", onBodyError);
    pipeline(body, counted, () => undefined);
    const onAbort = (): void => {
      counted.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: counted },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (bodyError !== undefined) throw bodyError;
      throw this.unavailable(error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      body.off("error", onBodyError);
    }
    return { key, bytes, sha256: hash.digest("hex") };
  }

  async get(key: string, signal?: AbortSignal): Promise<Readable> {
    const objectKey = this.objectKey(key);
    let body: unknown;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }), { abortSignal: signal })).Body;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isNotFound(error)) throw new SluiceError("sluice.storage.not.found", `${this.description} has no blob ${key}.`, { cause: error });
      throw this.unavailable(error);
    }
    if (!(body instanceof Readable)) throw new SluiceError("sluice.storage.unavailable", `${this.description} cannot be used: the answer to a read of ${key} has no body.`);
    return body;
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const found = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { key, bytes: found.ContentLength ?? 0 };
    } catch (error) {
      // A HEAD answer has no body: a missing bucket is a 404 like a missing object.
      if (isNotFound(error)) return undefined;
      throw this.unavailable(error);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const objectPrefix = this.objectPrefix(prefix);
    let token: string | undefined;
    do {
      let contents: _Object[];
      try {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: objectPrefix, ContinuationToken: token }));
        contents = page.Contents ?? [];
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } catch (error) {
        throw this.unavailable(error);
      }
      // Objects that are not blobs (folder markers such as `x/` made by consoles) are left out.
      const blobs = contents.flatMap((o) => {
        const key = o.Key?.slice(this.root.length);
        return key !== undefined && isKey(key) ? [{ key, bytes: o.Size ?? 0 }] : [];
      });
      // S3 lists in key order already; some compatible servers (s3rver) walk folders instead.
      blobs.sort(byKeyBytes);
      yield* blobs;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.unavailable(error);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let batch: string[] = [];
    for await (const blob of this.list(prefix)) {
      batch.push(this.root + blob.key);
      if (batch.length === DELETE_BATCH) {
        deleted += await this.deleteBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) deleted += await this.deleteBatch(batch);
    return deleted;
  }

  private async deleteBatch(keys: string[]): Promise<number> {
    let errors;
    try {
      const out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
      errors = out.Errors ?? [];
    } catch (error) {
      throw this.unavailable(error);
    }
    const first = errors[0];
    if (first !== undefined) {
      const key = first.Key?.slice(this.root.length) ?? "?";
      throw new SluiceError(
        "sluice.storage.unavailable",
        `${this.description} cannot be used: ${errors.length} of ${keys.length} blobs could not be deleted, the first ${key}: ${first.Code ?? "error"}${first.Message === undefined ? "" : ` (${first.Message})`}.`,
        { retryable: true },
      );
    }
    return keys.length;
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1 }), { abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    } catch (error) {
      if (error instanceof Error && error.name === "AbortError") {
        throw new SluiceError("sluice.storage.unavailable", `${this.description} cannot be used: ${this.where} did not answer within ${CHECK_TIMEOUT_MS / 1000} s.`, { cause: error, retryable: true });
      }
      throw this.unavailable(error);
    }
  }

  /** Closes the client's idle connections (the store cannot be used afterwards). */
  destroy(): void {
    this.client.destroy();
  }
}
