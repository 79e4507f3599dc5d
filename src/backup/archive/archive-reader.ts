/**
 * Reads a backup archive: `open` reads and checks the manifest (there, of this format, of a version
 * this code reads, with the configured key when encrypted); `rows` and `blob` stream a part, checking
 * its stored bytes against the manifest as they pass and decrypting them. A mismatch is thrown at the
 * end of the part (or as soon as it shows), so whatever was read before the error is untrusted: a
 * restore loads into staging and commits only when every read it made completed.
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { SluiceError, isSluiceError } from "../../core/errors.js";
import type { BlobStore } from "../../storage/port.js";
import { checkArchiveKey, decrypting, keyCheck } from "./crypto.js";
import { ARCHIVE_MISSING, manifestCorrupt, partCorrupt } from "./errors.js";
import {
  MANIFEST_NAME,
  MAX_MANIFEST_BYTES,
  archivePrefix,
  archiveWhere,
  parseManifest,
  type ArchiveManifest,
  type ArchivePart,
  type BlobPart,
} from "./format.js";
import { NdjsonRows } from "./rows-codec.js";
import { checkStoredPart, storedChunks } from "./stored-part.js";

export interface ArchiveReaderOptions {
  /** The encryption keys from config, by id; an encrypted archive needs the one its manifest names. */
  keys?: ReadonlyMap<string, Buffer>;
}

/** Reads and checks `manifest.json` of the archive at `prefix` (a normalised prefix). */
export async function readManifest(store: BlobStore, prefix: string): Promise<ArchiveManifest> {
  const where = archiveWhere(store.description, prefix);
  const key = prefix + MANIFEST_NAME;
  const info = await store.head(key);
  if (info === undefined) {
    let parts = 0;
    for await (const _ of store.list(prefix)) {
      parts++;
      break;
    }
    const what =
      parts > 0
        ? `The backup archive ${where} is incomplete: it has no ${MANIFEST_NAME} (the backup did not finish), and an archive without its manifest is never read.`
        : `There is no backup archive at ${where} (no ${MANIFEST_NAME}).`;
    throw new SluiceError(ARCHIVE_MISSING, what, { details: { part: MANIFEST_NAME, incomplete: parts > 0 } });
  }
  if (info.bytes > MAX_MANIFEST_BYTES) throw manifestCorrupt(`${info.bytes} bytes, more than a manifest may have (${MAX_MANIFEST_BYTES})`, where);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of (await store.get(key)) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_MANIFEST_BYTES) throw manifestCorrupt(`more bytes than a manifest may have (${MAX_MANIFEST_BYTES})`, where);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw manifestCorrupt(`not JSON (${(error as Error).message})`, where, error);
  }
  return parseManifest(value, where);
}

/**
 * Why the configured keys cannot read an archive, or undefined when they can (or it is not encrypted).
 * `absent` tells a missing key (the archive may still be listed) from a wrong one.
 */
export function keyProblem(manifest: ArchiveManifest, keys: ReadonlyMap<string, Buffer> | undefined): { message: string; absent: boolean } | undefined {
  const encryption = manifest.encryption;
  if (encryption === null) return undefined;
  const key = keys?.get(encryption.keyId);
  if (key === undefined) {
    const configured = keys && keys.size > 0 ? `the configured keys are ${[...keys.keys()].join(", ")}` : "no backup encryption key is configured";
    return { message: `it is encrypted with key ${encryption.keyId}, which is not configured (${configured})`, absent: true };
  }
  checkArchiveKey(encryption.keyId, key);
  if (keyCheck(key) !== encryption.keyCheck) return { message: `it is encrypted with key ${encryption.keyId}, and the key configured as ${encryption.keyId} is not that key`, absent: false };
  return undefined;
}

export class ArchiveReader {
  private readonly where: string;

  private constructor(
    private readonly store: BlobStore,
    readonly prefix: string,
    readonly manifest: ArchiveManifest,
    private readonly key: Buffer | undefined,
    /** Why the configured keys cannot read the parts, when they cannot. */
    private readonly keyMissing: string | undefined,
  ) {
    this.where = archiveWhere(store.description, prefix);
  }

  /**
   * Opens the archive at `prefix`. Refuses a missing manifest (`sluice.backup.archive.missing`), one
   * that is not a Sluice backup manifest (`…corrupt`), a newer format version (`…version`) and a
   * configured key that is not the archive's. With no key for an encrypted archive it opens (the
   * manifest can be shown) and refuses to read parts.
   */
  static async open(store: BlobStore, prefix: string, options: ArchiveReaderOptions = {}): Promise<ArchiveReader> {
    const at = archivePrefix(prefix);
    const manifest = await readManifest(store, at);
    const problem = keyProblem(manifest, options.keys);
    if (problem !== undefined && !problem.absent) throw new SluiceError("sluice.config.invalid", `The backup archive ${archiveWhere(store.description, at)} cannot be read: ${problem.message}.`, { details: { keyId: manifest.encryption?.keyId } });
    const key = manifest.encryption ? options.keys?.get(manifest.encryption.keyId) : undefined;
    return new ArchiveReader(store, at, manifest, key, problem?.message);
  }

  /** The part called `name`; `sluice.backup.archive.missing` when the manifest lists none. */
  part(name: string): ArchivePart {
    const part = this.manifest.parts.find((p) => p.name === name);
    if (part === undefined) throw new SluiceError(ARCHIVE_MISSING, `The backup archive ${this.where} has no part ${name}.`, { details: { part: name } });
    return part;
  }

  /** The rows of a rows part, in batches of up to `batchSize`; throws at the end if the part is not intact. */
  async *rows(name: string, options: { batchSize?: number } = {}): AsyncGenerator<unknown[][]> {
    const part = this.part(name);
    if (part.kind !== "rows") throw new SluiceError(ARCHIVE_MISSING, `The backup archive ${this.where} has no rows part ${name} (it is a ${part.kind} part).`, { details: { part: name } });
    const batchSize = Math.max(1, options.batchSize ?? 500);
    const source = Readable.from(this.plainChunks(part), { objectMode: false });
    const gunzip = createGunzip();
    source.on("error", (error) => gunzip.destroy(error));
    source.pipe(gunzip);
    const rows = new NdjsonRows(part.columns.length);
    const pending: unknown[][] = [];
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        rows.push(chunk, pending);
        while (pending.length >= batchSize) yield pending.splice(0, batchSize);
      }
      rows.end();
      if (rows.rows !== part.rows) throw new Error(`${rows.rows} rows where the manifest has ${part.rows}`);
      if (part.plainBytes !== undefined && rows.bytes !== part.plainBytes) throw new Error(`${rows.bytes} bytes of rows where the manifest has ${part.plainBytes}`);
    } catch (error) {
      throw await this.explain(part, error);
    } finally {
      source.destroy();
      gunzip.destroy();
    }
    if (pending.length > 0) yield pending;
  }

  /** The bytes of a blob or git part; the stream errors at its end if the part is not intact. */
  blob(name: string): Readable {
    const part = this.part(name);
    if (part.kind === "rows") throw new SluiceError(ARCHIVE_MISSING, `The backup archive ${this.where} has no blob part ${name} (it is a rows part).`, { details: { part: name } });
    return Readable.from(this.blobChunks(part), { objectMode: false });
  }

  private async *blobChunks(part: BlobPart): AsyncGenerator<Buffer> {
    let bytes = 0;
    try {
      for await (const chunk of this.plainChunks(part)) {
        bytes += chunk.length;
        yield chunk;
      }
      if (part.plainBytes !== undefined && bytes !== part.plainBytes) throw new Error(`${bytes} plain bytes where the manifest has ${part.plainBytes}`);
    } catch (error) {
      throw await this.explain(part, error);
    }
  }

  /** The part's stored bytes, checked, and decrypted when the archive is encrypted. */
  private plainChunks(part: ArchivePart): AsyncGenerator<Buffer> {
    const stored = storedChunks(this.store, this.prefix + part.name, part, this.where);
    const encryption = this.manifest.encryption;
    if (encryption === null) return stored;
    if (this.key === undefined) {
      throw new SluiceError("sluice.config.invalid", `part ${part.name} of the backup archive ${this.where} cannot be read: ${this.keyMissing ?? "no key"}.`, { details: { part: part.name, keyId: encryption.keyId } });
    }
    return decrypting(stored, this.key, part.name);
  }

  /**
   * The error to report for a failed read: Sluice's own (the archive's, the storage's) as they are;
   * a decoding failure as a checksum error when the stored bytes do not match (re-read to tell), else
   * as a part that cannot be decrypted or decoded.
   */
  private async explain(part: ArchivePart, error: unknown): Promise<unknown> {
    if (isSluiceError(error)) return error;
    const stored = await checkStoredPart(this.store, this.prefix + part.name, part).catch(() => undefined);
    if (stored?.reason !== undefined) return partCorrupt(part.name, stored.reason, this.where, error);
    const what = (error as Error).message;
    const encryption = this.manifest.encryption;
    if (encryption !== null) return partCorrupt(part.name, `cannot be decrypted and read with key ${encryption.keyId} (${what})`, this.where, error);
    return partCorrupt(part.name, `cannot be read (${what})`, this.where, error);
  }
}
