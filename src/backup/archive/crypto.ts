/**
 * Encryption at rest of archive parts: AES-256-GCM, stored as a random 12-byte IV, the ciphertext and
 * the 16-byte tag, with the part's name as additional authenticated data. Both directions stream; the
 * decrypting side holds back the last 16 bytes (the tag) until the end, so bytes it yields before the
 * end are unauthenticated (the caller treats them as untrusted until the read completes).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, type DecipherGCM } from "node:crypto";
import { Transform } from "node:stream";
import { SluiceError } from "../../core/errors.js";
import { ENCRYPTION_ALGORITHM, keyIdSchema } from "./format.js";

export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** An encryption key from config: its id (recorded in the manifest) and its 32 bytes (never recorded). */
export interface ArchiveKey {
  id: string;
  key: Buffer;
}

export function checkArchiveKey(id: string, key: Buffer): void {
  if (!keyIdSchema.safeParse(id).success) throw new SluiceError("sluice.config.invalid", `Backup encryption key id ${JSON.stringify(id.slice(0, 60))} must be 1 to 128 characters without control characters.`);
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new SluiceError("sluice.config.invalid", `Backup encryption key ${id} must be ${KEY_BYTES} bytes (AES-256), not ${Buffer.isBuffer(key) ? key.length : typeof key}.`);
  }
}

/** Tells a key from another without revealing it: HMAC-SHA256 of a fixed text under the key. */
export function keyCheck(key: Buffer): string {
  return createHmac("sha256", key).update("sluice-backup key check v1").digest("hex");
}

function aad(partName: string): Buffer {
  return Buffer.from(`sluice-backup part ${partName}`, "utf8");
}

/** A transform from plain bytes to the stored form of one encrypted part. */
export function encryptingStream(key: Buffer, partName: string): Transform {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ENCRYPTION_ALGORITHM, key, iv);
  cipher.setAAD(aad(partName));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, cipher.update(chunk));
    },
    flush(done) {
      const last = cipher.final();
      if (last.length > 0) this.push(last);
      this.push(cipher.getAuthTag());
      done();
    },
  });
  stream.push(iv);
  return stream;
}

/**
 * The plain bytes of one encrypted part's stored bytes. Throws at the end when the tag does not
 * authenticate (a wrong key or changed bytes), or when there are fewer bytes than an IV and a tag.
 */
export async function* decrypting(stored: AsyncIterable<Buffer>, key: Buffer, partName: string): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  let tail: Buffer = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  for await (const chunk of stored) {
    let data = chunk;
    if (decipher === undefined) {
      head = Buffer.concat([head, data]);
      if (head.length < IV_BYTES) continue;
      decipher = createDecipheriv(ENCRYPTION_ALGORITHM, key, head.subarray(0, IV_BYTES));
      decipher.setAAD(aad(partName));
      data = head.subarray(IV_BYTES);
    }
    const all = tail.length === 0 ? data : Buffer.concat([tail, data]);
    if (all.length <= TAG_BYTES) {
      tail = all;
      continue;
    }
    tail = Buffer.from(all.subarray(all.length - TAG_BYTES));
    const out = decipher.update(all.subarray(0, all.length - TAG_BYTES));
    if (out.length > 0) yield out;
  }
  if (decipher === undefined || tail.length < TAG_BYTES) throw new Error("too short for an encrypted part (no IV and tag)");
  decipher.setAuthTag(tail);
  let last: Buffer;
  try {
    last = decipher.final();
  } catch (error) {
    throw new Error("the authentication tag does not match (a wrong key or changed bytes)", { cause: error });
  }
  if (last.length > 0) yield last;
}
