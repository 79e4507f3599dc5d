/**
 * Git repositories in backups: a Bitbucket site's git-backed repositories (`git.repositories`) go into
 * the archive as `git bundle` parts (`git/<repository id>.bundle`, every ref), streamed from git's stdout;
 * a restore clones each bundle (`git clone --mirror`, checked against its checksum first) to a new folder
 * of its own and registers it under the repository's new id.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SluiceError } from "../core/errors.js";
import { gitErrorLine, killGit, runGit, spawnGit } from "../sources/git/git-process.js";

/** The part name of a repository's bundle. */
export function gitPartName(repositoryId: number | string): string {
  return `git/${repositoryId}.bundle`;
}

/** Whether the repository has any ref (an empty one has nothing to bundle). */
export async function hasRefs(path: string): Promise<boolean> {
  const result = await runGit(["-C", path, "for-each-ref", "--count=1", "--format=%(refname)"], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new SluiceError("sluice.backup.failed", `git could not read ${path}: ${gitErrorLine(result.stderr)}`);
  return result.stdout.trim().length > 0;
}

/** `git bundle create - --all` of the repository at `path`, as a stream that errors when git fails. */
export function bundleStream(path: string, signal?: AbortSignal): Readable {
  const child = spawnGit(["-C", path, "bundle", "create", "--quiet", "-", "--all"]);
  const out = new PassThrough();
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4000)));
  const abort = () => killGit(child);
  signal?.addEventListener("abort", abort, { once: true });
  child.stdout!.pipe(out, { end: false });
  child.on("error", (error) => out.destroy(error));
  child.on("close", (code) => {
    signal?.removeEventListener("abort", abort);
    if (code === 0) out.end();
    else out.destroy(new SluiceError("sluice.backup.failed", `git bundle of ${path} failed (${code}): ${gitErrorLine(stderr) || "no message"}`));
  });
  out.on("close", () => killGit(child));
  return out;
}

/**
 * Writes a bundle (streamed from the archive, which checks it) to `<work>/<name>.bundle`, then clones it
 * into `target` as a bare mirror. `target` must not exist.
 */
export async function restoreBundle(bundle: Readable, work: string, name: string, target: string, signal?: AbortSignal): Promise<void> {
  await mkdir(work, { recursive: true, mode: 0o700 });
  const file = join(work, `${name}.bundle`);
  try {
    await pipeline(bundle, createWriteStream(file, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
    const cloned = await runGit(["clone", "--quiet", "--mirror", file, target], { timeoutMs: 3_600_000, ...(signal ? { signal } : {}) });
    if (cloned.code !== 0) throw new SluiceError("sluice.restore.failed", `git could not clone the bundle of repository ${name} into ${target}: ${gitErrorLine(cloned.stderr)}`);
    // A mirror keeps the bundle as its origin: the restored repository stands alone.
    await runGit(["-C", target, "remote", "remove", "origin"], { timeoutMs: 60_000 });
  } finally {
    await rm(file, { force: true });
  }
}
