/**
 * Verifies a stored backup archive: re-reads every part (or a random sample of them) and compares its
 * bytes and SHA-256 with the manifest, without decrypting or decoding anything, so it needs no key.
 * Given the configured keys it also says whether they can read the archive. The result is for the
 * caller to record; damage is reported in it, while a storage that cannot be reached throws.
 */
import type { BlobStore } from "../../storage/port.js";
import { keyProblem, readManifest } from "./archive-reader.js";
import { isArchiveError } from "./errors.js";
import { MANIFEST_NAME, archivePrefix, type ArchivePart } from "./format.js";
import { checkStoredPart } from "./stored-part.js";

export interface VerifyOptions {
  /** Check this many parts, chosen at random; default: every part. */
  sample?: number;
  /** The configured encryption keys: when given, a key that cannot read the archive is a failure. */
  keys?: ReadonlyMap<string, Buffer>;
  /** A number in [0, 1) (the sample's choice); default Math.random. */
  random?: () => number;
  /** Parts read side by side; default 4. */
  concurrency?: number;
}

export interface VerifyFailure {
  /** The part's name, or `manifest.json`. */
  part: string;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  checkedParts: number;
  totalParts: number;
  checkedBytes: number;
  failures: VerifyFailure[];
}

function choose(parts: readonly ArchivePart[], sample: number | undefined, random: () => number): ArchivePart[] {
  const all = [...parts];
  if (sample === undefined || sample >= all.length) return all;
  const n = Math.max(0, Math.floor(sample));
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

export async function verifyArchive(store: BlobStore, prefix: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const at = archivePrefix(prefix);
  let manifest;
  try {
    manifest = await readManifest(store, at);
  } catch (error) {
    if (!isArchiveError(error)) throw error;
    return { ok: false, checkedParts: 0, totalParts: 0, checkedBytes: 0, failures: [{ part: MANIFEST_NAME, reason: error.message }] };
  }
  const failures: VerifyFailure[] = [];
  if (options.keys !== undefined) {
    const problem = keyProblem(manifest, options.keys);
    if (problem !== undefined) failures.push({ part: MANIFEST_NAME, reason: problem.message });
  }
  const chosen = choose(manifest.parts, options.sample, options.random ?? Math.random);
  const found = new Map<string, string>();
  let checkedBytes = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < chosen.length; i = next++) {
      const part = chosen[i]!;
      const checked = await checkStoredPart(store, at + part.name, part);
      checkedBytes += checked.bytes;
      if (checked.reason !== undefined) found.set(part.name, checked.reason);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, chosen.length)) }, worker));
  // In manifest order, whatever order the reads ended in.
  for (const part of chosen) {
    const reason = found.get(part.name);
    if (reason !== undefined) failures.push({ part: part.name, reason });
  }
  return { ok: failures.length === 0, checkedParts: chosen.length, totalParts: manifest.parts.length, checkedBytes, failures };
}
