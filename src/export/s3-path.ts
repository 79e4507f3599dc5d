/**
 * Export paths that name a storage: `s3://<bucket>[/<prefix>]`. Parsing and spelling only (no I/O);
 * which storage reaches the bucket is `export-storage.ts`'s business.
 */
import { isBucketName } from "../storage/index.js";

export const S3_SCHEME = "s3://";

/** A place in a bucket: `prefix` is `""` or `/`-separated names without a leading or trailing `/`. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export function isS3Path(path: string): boolean {
  return path.startsWith(S3_SCHEME);
}

/** The location's canonical spelling: `s3://bucket` or `s3://bucket/a/b`. */
export function s3Url(location: S3Location): string {
  return `${S3_SCHEME}${location.bucket}${location.prefix === "" ? "" : `/${location.prefix}`}`;
}

/** The location `names` below `location`. */
export function s3Below(location: S3Location, ...names: string[]): S3Location {
  return { bucket: location.bucket, prefix: [location.prefix, ...names].filter((n) => n !== "").join("/") };
}

/**
 * Parses `s3://<bucket>[/<prefix>]` (a trailing `/` is dropped); the reason in plain words when it is
 * not one: a bucket named by S3's rules, a prefix of names without empty, `.` or `..` segments,
 * backslashes or control characters.
 */
export function parseS3Path(text: string): S3Location | { problem: string } {
  if (!isS3Path(text)) return { problem: `${text.slice(0, 200)} does not start with ${S3_SCHEME}.` };
  const rest = text.slice(S3_SCHEME.length).replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1);
  const shape = "write s3://<bucket>[/<prefix>]";
  if (!isBucketName(bucket)) {
    return { problem: `'${bucket.slice(0, 80)}' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens); ${shape}.` };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(prefix) || (prefix !== "" && prefix.split("/").some((s) => s === "" || s === "." || s === ".."))) {
    return { problem: `The prefix '${prefix.slice(0, 200)}' is not allowed: use /-separated names without empty, . or .. segments, backslashes or control characters; ${shape}.` };
  }
  if (prefix.length > 512) return { problem: `The prefix is ${prefix.length} characters long; at most 512 are allowed.` };
  return { bucket, prefix };
}
