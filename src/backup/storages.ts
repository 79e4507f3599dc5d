/**
 * The blob stores backups go to: the built-in storage (a directory of the server, `backup.directory`)
 * or an organisation's storage by id (its spec, credentials from the environment variables it names),
 * and the key that encrypts archives at rest (`backup.encryptionKeyEnv`).
 */
import { join, resolve } from "node:path";
import type { Config } from "../config.js";
import { SluiceError } from "../core/errors.js";
import { FilesystemBlobStore } from "../storage/filesystem/index.js";
import { openBlobStore } from "../storage/index.js";
import type { BlobStore } from "../storage/port.js";
import type { Store } from "../store/port.js";

export class BackupStorages {
  constructor(
    private readonly config: Config,
    private readonly store: Store,
  ) {}

  /** The built-in storage's directory. */
  get builtInDirectory(): string {
    return this.config.backup.directory ? resolve(this.config.home, this.config.backup.directory) : join(this.config.home, "backups");
  }

  /** The blob store of a storage id (null: the built-in storage). */
  async open(storageId: string | null): Promise<BlobStore> {
    if (storageId === null) return new FilesystemBlobStore(this.builtInDirectory);
    const storage = await this.store.backups.storage(storageId);
    if (!storage) throw new SluiceError("sluice.storage.not.found", `There is no storage ${storageId}.`);
    return openBlobStore(storage.spec as Parameters<typeof openBlobStore>[0], this.config.env);
  }

  /** The key archives are encrypted with, when one is configured. */
  encryptionKey(): { id: string; key: Buffer } | undefined {
    const name = this.config.backup.encryptionKeyEnv;
    if (!name) return undefined;
    const text = this.config.env[name];
    if (!text) throw new SluiceError("sluice.backup.invalid", `backup.encryptionKeyEnv names ${name}, which is not set: the backup would not be encrypted.`);
    const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
    if (key.length !== 32) throw new SluiceError("sluice.backup.invalid", `${name} must hold a 32-byte key (64 hex digits or base64), not ${key.length} bytes.`);
    return { id: name, key };
  }

  /** Keys the reader may decrypt with, by id. */
  keys(): Map<string, Buffer> {
    const k = this.encryptionKey();
    return k ? new Map([[k.id, k.key]]) : new Map();
  }
}
