/**
 * The bytes of attachments (a Jira issue's or a Confluence page's files, rows of the registry's
 * `attachments` entity), kept in a `BlobStore` under `<siteId>/<attachmentId>`: the server's own
 * directory `<home>/attachments`, owner-only files (0600 in 0700 folders) written whole or not at all by
 * the filesystem adapter. The row says what the bytes should be (`size`, `sha256`); this store only
 * keeps them. Backups read them from here (`backup/backup-kind.ts`), restores and the demo write them.
 */
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Config } from "../config.js";
import { SluiceError } from "../core/errors.js";
import { FilesystemBlobStore } from "../storage/filesystem/index.js";
import type { BlobInfo, BlobStore, StoredBlob } from "../storage/port.js";

/** An attachment id as a key segment: the products' ids are numbers; letters, `_` and `-` are let through. */
const ATTACHMENT_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,199}$/;

export class AttachmentBlobs {
  constructor(private readonly blobs: BlobStore) {}

  /** Where the blobs live, for messages (`filesystem /var/lib/sluice/attachments`). */
  get description(): string {
    return this.blobs.description;
  }

  /** The blob key of an attachment: `${siteId}/${attachmentId}`. */
  key(siteId: number, attachmentId: number | string): string {
    const id = String(attachmentId);
    if (!ATTACHMENT_ID.test(id)) {
      throw new SluiceError("sluice.internal", `Not an attachment id: ${JSON.stringify(id.slice(0, 100))} (letters, digits, _ and -, at most 200).`);
    }
    return `${siteFolder(siteId)}/${id}`;
  }

  /** Streams an attachment's bytes in, replacing what it had; what was stored (bytes, sha256). */
  put(siteId: number, attachmentId: number | string, body: Readable, signal?: AbortSignal): Promise<StoredBlob> {
    return this.blobs.put(this.key(siteId, attachmentId), body, signal);
  }

  /** The attachment's bytes; `sluice.storage.not.found` when there are none. */
  get(siteId: number, attachmentId: number | string, signal?: AbortSignal): Promise<Readable> {
    return this.blobs.get(this.key(siteId, attachmentId), signal);
  }

  /** The size of the attachment's bytes, or undefined when there are none. */
  head(siteId: number, attachmentId: number | string): Promise<BlobInfo | undefined> {
    return this.blobs.head(this.key(siteId, attachmentId));
  }

  /** Deletes one attachment's bytes (no error when they are gone already). */
  delete(siteId: number, attachmentId: number | string): Promise<void> {
    return this.blobs.delete(this.key(siteId, attachmentId));
  }

  /** Deletes the bytes of every attachment of a site (cleared or replaced); returns how many went. */
  deleteSite(siteId: number): Promise<number> {
    return this.blobs.deletePrefix(`${siteFolder(siteId)}/`);
  }
}

function siteFolder(siteId: number): string {
  if (!Number.isSafeInteger(siteId) || siteId < 1) throw new SluiceError("sluice.internal", `Not a site id: ${siteId} (a positive integer).`);
  return String(siteId);
}

/** The directory attachments' bytes are kept in: `<home>/attachments`. */
export function attachmentsDirectory(config: Pick<Config, "home">): string {
  return join(config.home, "attachments");
}

/** The server's attachment store, in its home directory. */
export function openAttachmentBlobs(config: Pick<Config, "home">): AttachmentBlobs {
  return new AttachmentBlobs(new FilesystemBlobStore(attachmentsDirectory(config)));
}
