/**
 * Writes one backup archive into a `BlobStore` prefix: each part streams from its source through gzip
 * (rows) and encryption (with a key) into its blob, hashed on the way, so memory stays flat whatever
 * the part's size; `finish` writes `manifest.json` last, and only then is the archive an archive.
 * Parts may be written one after another or side by side; a failed part leaves no blob and the
 * writer usable (the caller decides whether to go on or `abort`).
 */
import { createHash } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { SluiceError } from "../../core/errors.js";
import type { BlobStore } from "../../storage/port.js";
import { checkArchiveKey, encryptingStream, keyCheck, type ArchiveKey } from "./crypto.js";
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  ENCRYPTION_ALGORITHM,
  MANIFEST_NAME,
  archiveManifestSchema,
  archivePrefix,
  archiveSiteSchema,
  archiveWhere,
  isPartName,
  type ArchiveManifest,
  type ArchiveScope,
  type ArchivePart,
  type ArchiveSite,
  type BlobPart,
  type RowsPart,
} from "./format.js";
import { ndjsonChunks, type RowTally } from "./rows-codec.js";

export interface ArchiveWriterOptions {
  site: ArchiveSite;
  /** The product's entity schema version the rows are in. */
  schemaVersion: number;
  /** Encrypts every part at rest with this key (32 bytes); its id goes into the manifest. */
  encryptionKey?: ArchiveKey;
  /** The archive's `createdAt`; default: the time of `create`. */
  now?: Date;
  /** gzip level of rows parts (1 fastest … 9 smallest); default 6. */
  gzipLevel?: number;
}

export interface FinishOptions {
  /** What the backup should hold but could not (attachments missing on disk): makes it INCOMPLETE. */
  incomplete?: { missing: string[] };
  /** The spaces, projects or repositories the rows belong to. */
  scopes?: readonly ArchiveScope[];
}

/** Counts bytes (and hashes them) as they pass. */
class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash("sha256");

  constructor(private readonly hashing: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.hashing) this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest("hex");
  }
}

export class ArchiveWriter {
  private readonly parts: ArchivePart[] = [];
  private readonly names = new Set<string>();
  /** Every folder that a part name passes through (`attachments` for `attachments/1`). */
  private readonly folders = new Set<string>();
  private pending = 0;
  private finished = false;
  private readonly where: string;

  private constructor(
    private readonly store: BlobStore,
    readonly prefix: string,
    private readonly options: ArchiveWriterOptions,
    private readonly createdAt: string,
  ) {
    this.where = archiveWhere(store.description, prefix);
  }

  /** A writer for a new archive at `prefix`, which must not hold a finished archive already. */
  static async create(store: BlobStore, prefix: string, options: ArchiveWriterOptions): Promise<ArchiveWriter> {
    const at = archivePrefix(prefix);
    const site = archiveSiteSchema.safeParse(options.site);
    if (!site.success) throw new SluiceError("sluice.internal", `A backup archive's site is not valid: ${site.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}.`);
    if (!Number.isInteger(options.schemaVersion) || options.schemaVersion < 1) throw new SluiceError("sluice.internal", `A backup archive's schemaVersion must be a positive integer, not ${options.schemaVersion}.`);
    if (options.encryptionKey) checkArchiveKey(options.encryptionKey.id, options.encryptionKey.key);
    if ((await store.head(at + MANIFEST_NAME)) !== undefined) {
      throw new SluiceError("sluice.storage.invalid", `${store.description} already holds a backup archive at ${at}; a new archive needs a prefix of its own.`);
    }
    return new ArchiveWriter(store, at, { ...options, site: site.data }, (options.now ?? new Date()).toISOString());
  }

  /** Streams rows (in batches, values in `columns` order) into a gzip'd NDJSON part of `entity`. */
  async writeRows(name: string, entity: string, columns: readonly string[], rows: AsyncIterable<readonly (readonly unknown[])[]>, signal?: AbortSignal): Promise<RowsPart> {
    if (entity === "" || columns.length === 0) throw new SluiceError("sluice.internal", `part ${name}: a rows part needs an entity and at least one column.`);
    return this.withPart(name, async () => {
      const tally: RowTally = { rows: 0, plainBytes: 0 };
      const stored = await this.writePart(name, Readable.from(ndjsonChunks(rows, columns, name, tally), { objectMode: false }), true, signal);
      const part: RowsPart = { name, kind: "rows", entity, columns: [...columns], rows: tally.rows, ...stored };
      return part;
    });
  }

  /** Streams bytes (an attachment, or with kind `git` a `git bundle`) into a part, stored as given. */
  async writeBlob(name: string, body: Readable, options: { kind?: "blob" | "git"; signal?: AbortSignal } = {}): Promise<BlobPart> {
    return this.withPart(name, async () => {
      const stored = await this.writePart(name, body, false, options.signal);
      const part: BlobPart = { name, kind: options.kind ?? "blob", ...stored };
      return part;
    });
  }

  /** Writes `manifest.json` (after every part) and returns it: from now on the archive can be read. */
  async finish(options: FinishOptions = {}): Promise<ArchiveManifest> {
    if (this.finished) throw new SluiceError("sluice.internal", `The backup archive ${this.where} is finished already.`);
    if (this.pending > 0) throw new SluiceError("sluice.internal", `The backup archive ${this.where} still has ${this.pending} part(s) being written; finish after they end.`);
    this.finished = true;
    const counts: Record<string, number> = {};
    for (const part of this.parts) if (part.kind === "rows") counts[part.entity] = (counts[part.entity] ?? 0) + part.rows;
    const key = this.options.encryptionKey;
    const manifest: ArchiveManifest = archiveManifestSchema.parse({
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      createdAt: this.createdAt,
      site: this.options.site,
      schemaVersion: this.options.schemaVersion,
      encryption: key ? { algorithm: ENCRYPTION_ALGORITHM, keyId: key.id, keyCheck: keyCheck(key.key) } : null,
      parts: this.parts,
      counts,
      ...(options.scopes ? { scopes: [...options.scopes] } : {}),
      incomplete: options.incomplete ? { missing: [...options.incomplete.missing] } : null,
    });
    await this.store.put(this.prefix + MANIFEST_NAME, Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8")], { objectMode: false }));
    return manifest;
  }

  /** Removes everything written under the prefix (a backup that failed or was cancelled). */
  async abort(): Promise<void> {
    this.finished = true;
    await this.store.deletePrefix(this.prefix);
  }

  /** Reserves `name` for the part `write` makes, and records the part when it is written. */
  private async withPart<P extends ArchivePart>(name: string, write: () => Promise<P>): Promise<P> {
    if (this.finished) throw new SluiceError("sluice.internal", `The backup archive ${this.where} is finished; part ${name} comes too late.`);
    if (!isPartName(name)) throw new SluiceError("sluice.internal", `Not a backup part name: ${JSON.stringify(name.slice(0, 100))} (plain segments separated by /, no leading dot, not ${MANIFEST_NAME}).`);
    const folders = name.split("/").slice(0, -1).map((_, i, all) => all.slice(0, i + 1).join("/"));
    if (this.names.has(name) || this.folders.has(name) || folders.some((f) => this.names.has(f))) {
      throw new SluiceError("sluice.internal", `The backup archive ${this.where} has a part ${name}, or one in its way, already.`);
    }
    this.names.add(name);
    for (const f of folders) this.folders.add(f);
    this.pending++;
    try {
      const part = await write();
      this.parts.push(part);
      return part;
    } catch (error) {
      this.names.delete(name);
      throw error;
    } finally {
      this.pending--;
    }
  }

  /** Streams `plain` (gzip'd when `gzip`, encrypted with a key) to the part's blob; what was stored. */
  private async writePart(name: string, plain: Readable, gzip: boolean, signal?: AbortSignal): Promise<{ bytes: number; sha256: string; plainBytes: number }> {
    const key = this.options.encryptionKey;
    const plainMeter = new Meter(false);
    const storedMeter = new Meter(true);
    const stages: NodeJS.ReadWriteStream[] = [plainMeter];
    if (gzip) stages.push(createGzip({ level: this.options.gzipLevel ?? 6 }));
    if (key) stages.push(encryptingStream(key.key, name));
    stages.push(storedMeter);
    const flowing = pipeline([plain, ...stages], signal ? { signal } : {});
    const [flowed, put] = await Promise.allSettled([flowing, this.store.put(this.prefix + name, storedMeter, signal)]);
    if (flowed.status === "rejected") throw flowed.reason;
    if (put.status === "rejected") throw put.reason;
    const sha256 = storedMeter.digest();
    if (put.value.bytes !== storedMeter.bytes || put.value.sha256 !== sha256) {
      throw new SluiceError(
        "sluice.storage.unavailable",
        `${this.store.description} stored part ${name} of ${this.prefix} as ${put.value.bytes} bytes with sha256 ${put.value.sha256.slice(0, 16)}…; ${storedMeter.bytes} bytes with sha256 ${sha256.slice(0, 16)}… were sent.`,
      );
    }
    return { bytes: storedMeter.bytes, sha256, plainBytes: plainMeter.bytes };
  }
}
