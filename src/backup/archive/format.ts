/**
 * The backup archive format, version 1. An archive is a set of blobs under one prefix of a `BlobStore`
 * (`backups/12/`): one blob per part, named by the part (`rows/jira_issues.ndjson.gz`,
 * `attachments/10023`, `git/PROJ/repo.bundle`), and `manifest.json`, written last. An archive without
 * its manifest is incomplete and is never read; blobs under the prefix that the manifest does not list
 * are not part of it.
 *
 * - `rows` parts: gzip'd NDJSON, one JSON array per row in the order of the part's `columns`.
 * - `blob` parts (attachment bytes) and `git` parts (`git bundle` output): the bytes as given.
 * - With `encryption`, every part's stored bytes are AES-256-GCM: a random 12-byte IV, the ciphertext,
 *   the 16-byte tag; the part's name is the additional authenticated data (a part cannot pass for
 *   another). `keyCheck` (HMAC-SHA256 of a fixed text under the key) tells a wrong key before any part
 *   is read. The manifest itself is never encrypted: it names the key, not the key's bytes.
 * - `bytes` and `sha256` are of the stored bytes (what a verify re-reads without any key);
 *   `plainBytes` of the bytes before compression and encryption.
 */
import { z } from "zod";
import type { Product } from "../../core/entities/types.js";
import { ARCHIVE_VERSION, manifestCorrupt } from "./errors.js";
import { SluiceError } from "../../core/errors.js";

export const ARCHIVE_FORMAT = "sluice-backup";
/** The newest format this code writes and reads. */
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_NAME = "manifest.json";
export const ENCRYPTION_ALGORITHM = "aes-256-gcm";
/** A manifest larger than this is refused unread (a part list of ~200,000 parts fits). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const PART_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A part name is a relative blob key of plain segments (no leading dot), at most 300 characters. */
export function isPartName(name: string): boolean {
  return name.length > 0 && name.length <= 300 && name !== MANIFEST_NAME && name.split("/").every((s) => PART_SEGMENT.test(s));
}

const PRODUCT_NAMES = ["jira", "confluence", "bitbucket"] as const satisfies readonly Product[];
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in lowercase hex");
const count = z.number().int().nonnegative();

export const archiveSiteSchema = z.object({
  key: z.string().max(200),
  product: z.enum(PRODUCT_NAMES),
  contextPath: z.string().max(500),
  baseUrl: z.string().min(1).max(2000),
  plan: z.string().max(100).optional(),
  region: z.string().max(100).optional(),
});

export const keyIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]+$/u, "no control characters");

const encryptionSchema = z.object({
  algorithm: z.literal(ENCRYPTION_ALGORITHM),
  keyId: keyIdSchema,
  keyCheck: sha256,
});

const partBase = {
  name: z.string().refine(isPartName, "a relative key of plain segments, not manifest.json"),
  bytes: count,
  sha256,
  plainBytes: count.optional(),
};

const rowsPartSchema = z.object({
  ...partBase,
  kind: z.literal("rows"),
  entity: z.string().min(1).max(200),
  columns: z.array(z.string().min(1).max(200)).min(1),
  rows: count,
});

const blobPartSchema = z.object({
  ...partBase,
  kind: z.enum(["blob", "git"]),
});

/** A container the backup holds (a space, a project, a repository): what a restore checks for conflicts and offers to pick. */
export const archiveScopeSchema = z.object({
  type: z.enum(["SPACE", "PROJECT", "REPOSITORY"]),
  /** The scope key rows carry (`scope_key`): space key, project key, repository id. */
  key: z.string().min(1).max(500),
  name: z.string().max(1000),
  /** What makes two of them the same container on two sites, when not the key (a repository's `PROJECT/slug`). */
  identity: z.string().max(1000).optional(),
});

export const archivePartSchema = z.discriminatedUnion("kind", [rowsPartSchema, blobPartSchema]);

export const archiveManifestSchema = z
  .object({
    format: z.literal(ARCHIVE_FORMAT),
    formatVersion: z.literal(ARCHIVE_FORMAT_VERSION),
    createdAt: z.iso.datetime(),
    site: archiveSiteSchema,
    /** The product's entity schema version the rows were written in. */
    schemaVersion: z.number().int().positive(),
    encryption: encryptionSchema.nullable(),
    parts: z.array(archivePartSchema),
    /** Rows per entity, over every rows part of that entity. */
    counts: z.record(z.string(), count),
    /** The spaces, projects or repositories the rows belong to (absent in archives written before it was kept). */
    scopes: z.array(archiveScopeSchema).optional(),
    /** Set when something the backup should hold was not there (attachments missing on disk). */
    incomplete: z.object({ missing: z.array(z.string()) }).nullable(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    const totals = new Map<string, number>();
    for (const part of m.parts) {
      if (seen.has(part.name)) ctx.addIssue({ code: "custom", message: `part ${part.name} is listed twice`, path: ["parts"] });
      seen.add(part.name);
      if (part.kind === "rows") totals.set(part.entity, (totals.get(part.entity) ?? 0) + part.rows);
    }
    for (const [entity, rows] of totals) {
      if (m.counts[entity] !== rows) ctx.addIssue({ code: "custom", message: `counts.${entity} is ${m.counts[entity]}, its parts hold ${rows} rows`, path: ["counts", entity] });
    }
  });

export type ArchiveSite = z.infer<typeof archiveSiteSchema>;
export type ArchiveScope = z.infer<typeof archiveScopeSchema>;
export type ArchiveEncryption = z.infer<typeof encryptionSchema>;
export type RowsPart = z.infer<typeof rowsPartSchema>;
export type BlobPart = z.infer<typeof blobPartSchema>;
export type ArchivePart = z.infer<typeof archivePartSchema>;
export type ArchiveManifest = z.infer<typeof archiveManifestSchema>;
export type PartKind = ArchivePart["kind"];

/**
 * The manifest from its parsed JSON, checked in the order that gives the clearest error: is it a Sluice
 * backup at all, is it a version this code reads, then every field. `where` names the archive.
 */
export function parseManifest(value: unknown, where: string): ArchiveManifest {
  const head = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (head?.format !== ARCHIVE_FORMAT) {
    const found = head === undefined ? "not an object" : `format ${JSON.stringify(head.format ?? null)?.slice(0, 60)}`;
    throw manifestCorrupt(`not a Sluice backup manifest (${found}, expected format "${ARCHIVE_FORMAT}")`, where);
  }
  const version = head.formatVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw manifestCorrupt(`formatVersion ${JSON.stringify(version ?? null)?.slice(0, 60)} is not a format version (a positive integer)`, where);
  }
  if (version > ARCHIVE_FORMAT_VERSION) {
    throw new SluiceError(
      ARCHIVE_VERSION,
      `The archive is of format version ${version}; this Sluice reads up to ${ARCHIVE_FORMAT_VERSION} (backup archive ${where}). Read it with a newer Sluice.`,
      { details: { formatVersion: version, supported: ARCHIVE_FORMAT_VERSION } },
    );
  }
  const parsed = archiveManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` and ${parsed.error.issues.length - 5} more` : "";
    throw manifestCorrupt(`invalid manifest: ${issues.join("; ")}${more}`, where);
  }
  return parsed.data;
}

/** `backups/12` or `backups/12/` → `backups/12/`: a prefix is a key that ends with a slash. */
export function archivePrefix(prefix: string): string {
  const bare = prefix.replace(/\/+$/, "");
  if (bare === "" || bare.startsWith("/") || bare.split("/").some((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("\u0000"))) {
    throw new SluiceError("sluice.storage.invalid", `Not a backup archive prefix: ${JSON.stringify(prefix.slice(0, 200))}; use a relative path such as backups/12/.`);
  }
  return `${bare}/`;
}

/** `backups/12/ in filesystem /var/lib/sluice/backups`: where an archive is, for messages. */
export function archiveWhere(description: string, prefix: string): string {
  return `${prefix} in ${description}`;
}
