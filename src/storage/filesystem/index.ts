/**
 * The filesystem blob store: blobs are files under a root directory (the server's own storage is
 * `<home>/backups`). A blob is written to a unique `.<name>.<random>.partial` beside its key (owner-only,
 * 0600, in 0700 folders) while hashed, and renamed over the key when complete, so a reader sees a whole
 * blob or none. Keys are checked (`checkKey`): nothing outside the root is ever read or written.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SluiceError } from "../../core/errors.js";
import { checkKey, type BlobInfo, type BlobStore, type StoredBlob } from "../port.js";

export class FilesystemBlobStore implements BlobStore {
  readonly kind = "filesystem";
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `filesystem ${root}`;
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split("/"));
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<StoredBlob> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const partial = join(dirname(target), `.${key.split("/").pop()}.${randomBytes(6).toString("hex")}.partial`);
    const hash = createHash("sha256");
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        // A body that keeps flowing after an abort stops here, at its next chunk.
        if (signal?.aborted) return done(signal.reason as Error);
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(partial, { mode: 0o600, flags: "wx" }), { signal });
      await rename(partial, target);
    } catch (error) {
      await unlink(partial).catch(() => undefined);
      throw error;
    }
    return { key, bytes, sha256: hash.digest("hex") };
  }

  async get(key: string): Promise<Readable> {
    const path = this.path(key);
    if (!(await stat(path).catch(() => undefined))?.isFile()) throw new SluiceError("sluice.storage.not.found", `${this.description} has no blob ${key}.`);
    return createReadStream(path);
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const found = await stat(this.path(key)).catch(() => undefined);
    return found?.isFile() ? { key, bytes: found.size } : undefined;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const base = prefix === "" ? this.root : this.path(prefix.replace(/\/+$/, ""));
    const files: BlobInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.endsWith(".partial")) files.push({ key: relative(this.root, full).split(sep).join("/"), bytes: (await stat(full)).size });
      }
    };
    await walk(base);
    files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* files;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const blob of this.list(prefix)) {
      await this.delete(blob.key);
      n++;
    }
    if (prefix !== "") await rm(this.path(prefix.replace(/\/+$/, "")), { recursive: true, force: true });
    return n;
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      await readdir(this.root);
    } catch (error) {
      throw new SluiceError("sluice.storage.unavailable", `${this.description} cannot be used: ${(error as Error).message}`);
    }
  }
}
