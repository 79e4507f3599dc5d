/**
 * Storages: the `BlobStore` port, its adapters, and `openBlobStore`, which turns a storage spec (from
 * config or a `POST …/storages` body, validated by `storageSpec`) into a store. S3 credentials are never
 * part of a spec: it names the environment variables that hold them (`config.env` is passed in).
 */
import { isAbsolute } from "node:path";
import { z } from "zod";
import { SluiceError } from "../core/errors.js";
import { FilesystemBlobStore } from "./filesystem/index.js";
import { checkKey, type BlobStore } from "./port.js";
import { S3BlobStore } from "./s3/index.js";

export * from "./port.js";
export { FilesystemBlobStore } from "./filesystem/index.js";
export { S3BlobStore, type S3BlobStoreOptions, type S3Credentials } from "./s3/index.js";

/** The environment variables read when a spec names none (the AWS tools' own). */
export const DEFAULT_ACCESS_KEY_ID_ENV = "AWS_ACCESS_KEY_ID";
export const DEFAULT_SECRET_ACCESS_KEY_ENV = "AWS_SECRET_ACCESS_KEY";

/**
 * S3's bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending
 * with a letter or digit, no `..`, not an IP address, none of the reserved prefixes and suffixes.
 */
export function isBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
  );
}

/** A key prefix: empty, or a blob key (`/`-separated names without `.`, `..` or empty segments). */
function isPrefix(prefix: string): boolean {
  if (prefix === "") return true;
  try {
    checkKey(prefix);
    return true;
  } catch {
    return false;
  }
}

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name (A-Z, 0-9 and _, not starting with a digit)");

export const storageSpec = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("filesystem"),
    path: z.string().min(1).max(4096).refine(isAbsolute, "an absolute path"),
  }),
  z.strictObject({
    type: z.literal("s3"),
    endpoint: z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }).max(2048).optional(),
    region: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a region name such as us-east-1"),
    bucket: z.string().refine(isBucketName, "a valid S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens"),
    prefix: z.string().max(512).refine(isPrefix, "a key prefix: /-separated names, no leading or trailing /, no . or .. segments").optional(),
    forcePathStyle: z.boolean().optional(),
    accessKeyIdEnv: envName.optional(),
    secretAccessKeyEnv: envName.optional(),
  }),
]);

export type StorageSpec = z.infer<typeof storageSpec>;

/**
 * Opens the store a spec describes. S3 credentials come from the environment variables the spec names
 * (default `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`); a missing one is `sluice.storage.invalid`
 * naming the variable. `name` names the storage in the S3 store's `name`.
 */
export function openBlobStore(spec: StorageSpec, env: Readonly<Record<string, string | undefined>>, name: string = spec.type): BlobStore {
  if (spec.type === "filesystem") return new FilesystemBlobStore(spec.path);
  const fromEnv = (variable: string, what: string): string => {
    const value = env[variable];
    if (value === undefined || value === "") {
      throw new SluiceError(
        "sluice.storage.invalid",
        `The s3 storage ${spec.bucket} needs its ${what} in the environment variable ${variable}, which is not set.`,
      );
    }
    return value;
  };
  return new S3BlobStore({
    name,
    ...(spec.endpoint === undefined ? {} : { endpoint: spec.endpoint }),
    region: spec.region,
    bucket: spec.bucket,
    prefix: spec.prefix ?? "",
    ...(spec.forcePathStyle === undefined ? {} : { forcePathStyle: spec.forcePathStyle }),
    credentials: {
      accessKeyId: fromEnv(spec.accessKeyIdEnv ?? DEFAULT_ACCESS_KEY_ID_ENV, "access key id"),
      secretAccessKey: fromEnv(spec.secretAccessKeyEnv ?? DEFAULT_SECRET_ACCESS_KEY_ENV, "secret access key"),
    },
  });
}
