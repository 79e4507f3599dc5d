/**
 * The archive's errors: `sluice.backup.archive.corrupt` (400: a part or the manifest is damaged),
 * `…version` (400: written by a newer Sluice) and `…missing` (404: no manifest, or no such part).
 */
import { isSluiceError, SluiceError, type ErrorCode } from "../../core/errors.js";

export const ARCHIVE_CORRUPT = "sluice.backup.archive.corrupt" satisfies ErrorCode;
export const ARCHIVE_VERSION = "sluice.backup.archive.version" satisfies ErrorCode;
export const ARCHIVE_MISSING = "sluice.backup.archive.missing" satisfies ErrorCode;

const ARCHIVE_CODES: readonly ErrorCode[] = [ARCHIVE_CORRUPT, ARCHIVE_VERSION, ARCHIVE_MISSING];

/** An error about the archive itself (damaged, too new, absent), as opposed to the storage under it. */
export function isArchiveError(error: unknown): error is SluiceError {
  return isSluiceError(error) && ARCHIVE_CODES.includes(error.code);
}

/** `part <name>: <reason> (backup archive <where>)`: the part named first, as the caller shows it. */
export function partCorrupt(part: string, reason: string, where: string, cause?: unknown): SluiceError {
  return new SluiceError(ARCHIVE_CORRUPT, `part ${part}: ${reason} (backup archive ${where}); the archive is damaged and none of it can be trusted.`, {
    cause,
    details: { part, reason },
  });
}

export function manifestCorrupt(reason: string, where: string, cause?: unknown): SluiceError {
  return new SluiceError(ARCHIVE_CORRUPT, `part manifest.json: ${reason} (backup archive ${where}).`, { cause, details: { part: "manifest.json", reason } });
}
