/**
 * Cheap checks of a git directory on disk: is it the root of a repository, and can its history be
 * read (refs resolve, tip commits load, no pack file truncated or cut off from its index).
 */
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { gitErrorLine, runGit } from "./git-process.js";

/** True when `path` is a bare repository or the top of a working tree (not a folder inside one). */
export async function isRepositoryRoot(path: string): Promise<boolean> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return false;
  }
  const dir = await runGit(["-C", real, "rev-parse", "--absolute-git-dir"], { timeoutMs: 30_000 });
  if (dir.code !== 0) return false;
  const gitDir = await realpath(dir.stdout.trim()).catch(() => dir.stdout.trim());
  if (gitDir === real) return true;
  const top = await runGit(["-C", real, "rev-parse", "--show-toplevel"], { timeoutMs: 30_000 });
  return top.code === 0 && (await realpath(top.stdout.trim()).catch(() => "")) === real;
}

/** Reasons the repository cannot be read, in plain words; undefined when it can. */
export async function unreadableReason(path: string, timeoutMs: number): Promise<string | undefined> {
  try {
    await stat(path);
  } catch {
    return `the path ${path} does not exist`;
  }
  const dir = await runGit(["-C", path, "rev-parse", "--absolute-git-dir", "--show-object-format"], { timeoutMs });
  if (dir.code !== 0) return `${path} is not a git repository (${gitErrorLine(dir.stderr)})`;
  const [gitDir = path, format = "sha1"] = dir.stdout.trim().split("\n");
  const pack = await truncatedPack(join(gitDir, "objects", "pack"), format === "sha256" ? 32 : 20);
  if (pack) return `the pack file ${pack} is truncated or does not match its index`;
  const tips = await runGit(["-C", path, "rev-list", "--all", "--max-count=1"], { timeoutMs });
  if (tips.code !== 0) return `git cannot read its history (${gitErrorLine(tips.stderr)})`;
  return undefined;
}

/**
 * The first pack whose trailing checksum differs from the one its `.idx` records (what git checks
 * when it opens a pack) — a truncated or overwritten pack. Reads 2 × 2 hashes per pack, nothing more.
 */
async function truncatedPack(packDir: string, hashLength: number): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(packDir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => n.endsWith(".pack")).sort()) {
    const packFile = join(packDir, name);
    const idxFile = packFile.replace(/\.pack$/, ".idx");
    const packTail = await readTail(packFile, hashLength, 0);
    const idxTail = await readTail(idxFile, hashLength, hashLength);
    if (idxTail === undefined) continue; // a pack being written, not yet indexed
    if (packTail === undefined || !packTail.equals(idxTail)) return packFile;
  }
  return undefined;
}

/** `length` bytes ending `skip` bytes before the end of the file; undefined when it is too short or missing. */
async function readTail(file: string, length: number, skip: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    if (size < length + skip + 12) return undefined;
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - skip - length);
    return buffer;
  } finally {
    await handle.close();
  }
}
