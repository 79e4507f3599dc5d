/**
 * The backup archive (issue 16): a self-describing set of parts under a `BlobStore` prefix with a
 * manifest written last; see `format.ts` for the format, `archive-writer.ts`, `archive-reader.ts` and
 * `verify.ts` for the three things done with it.
 */
export {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST_NAME,
  archiveManifestSchema,
  archivePartSchema,
  isPartName,
  parseManifest,
  type ArchiveEncryption,
  type ArchiveManifest,
  type ArchivePart,
  type ArchiveScope,
  type ArchiveSite,
  type BlobPart,
  type PartKind,
  type RowsPart,
} from "./format.js";
export { ArchiveWriter, type ArchiveWriterOptions, type FinishOptions } from "./archive-writer.js";
export { ArchiveReader, readManifest, type ArchiveReaderOptions } from "./archive-reader.js";
export { verifyArchive, type VerifyFailure, type VerifyOptions, type VerifyResult } from "./verify.js";
export { KEY_BYTES, type ArchiveKey } from "./crypto.js";
export { ARCHIVE_CORRUPT, ARCHIVE_MISSING, ARCHIVE_VERSION, isArchiveError } from "./errors.js";
