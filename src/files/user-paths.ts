/**
 * Folders named by users (an export path today; backup storages next) are confined by their real path:
 * symlinks are resolved before any check, so a link cannot lead out of an allowed root or into a system
 * folder, and every file-system call that could hang (a mount that stopped answering, a special file
 * system) has a deadline, so a request is answered within seconds whatever the path.
 */
import { constants } from "node:fs";
import { access, mkdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";

/** Folders no user path may be or lie in: the system's own. `/` itself is refused too. */
export const SYSTEM_FOLDERS = ["/proc", "/sys", "/dev", "/boot", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/run", "/var/run", "/var/lock"];

/** Why a folder was refused: in a system folder, outside the allowed roots, not writable, or too slow. */
export type PathRefusal = "system" | "outside" | "unwritable" | "timeout";

export class UserPathError extends Error {
  constructor(
    readonly refusal: PathRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface ConfineOptions {
  /** Roots the real path must lie in; empty: anywhere but the system folders. */
  allowedRoots: readonly string[];
  /** Milliseconds each file-system call may take. */
  deadlineMs?: number;
}

/** `path` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function deadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UserPathError("timeout", `${what} did not answer within ${ms / 1000} s.`)), ms);
  });
  work.catch(() => undefined); // a late failure after the deadline is of no interest
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The real path of `path` (absolute, normalised), which may not exist yet: the deepest folder that
 * exists is resolved, symlinks included, and the rest appended.
 */
export async function realPathOf(path: string, deadlineMs = 3000): Promise<string> {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    try {
      const real = await deadline(realpath(at), deadlineMs, `The folder ${at}`);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" || dirname(at) === at) throw error;
      missing.push(at.slice(dirname(at).length).replace(/^\/+/, ""));
      at = dirname(at);
    }
  }
}

function checkPlace(real: string, allowedRealRoots: readonly string[], shown: string): void {
  if (real === "/" || SYSTEM_FOLDERS.some((f) => isInside(f, real))) {
    throw new UserPathError("system", `${shown} is ${real === shown ? "" : `really ${real}, `}a system folder; choose a folder of your own (not /, ${SYSTEM_FOLDERS.slice(0, 6).join(", ")} …).`);
  }
  if (allowedRealRoots.length > 0 && !allowedRealRoots.some((root) => isInside(root, real))) {
    throw new UserPathError(
      "outside",
      `${shown}${real === shown ? "" : ` (really ${real})`} is not inside one of the allowed roots: ${allowedRealRoots.join(", ")}.`,
    );
  }
}

/**
 * Checks the folder `path` (absolute, normalised) by its real path, creates `path/<below…>` owner-only
 * and proves it writable, then checks again what was created (a symlink swapped in meanwhile is
 * caught). Returns the real path of `path`.
 */
export async function confineUserFolder(path: string, below: readonly string[], options: ConfineOptions): Promise<string> {
  const ms = options.deadlineMs ?? 3000;
  const roots = await Promise.all(options.allowedRoots.map((r) => realPathOf(r, ms).catch(() => r)));
  let real: string;
  try {
    real = await realPathOf(path, ms);
  } catch (error) {
    if (error instanceof UserPathError) throw error;
    throw new UserPathError("unwritable", `${path} cannot be reached (${(error as NodeJS.ErrnoException).code ?? "error"}).`);
  }
  checkPlace(real, roots, path);
  const target = join(real, ...below);
  try {
    await deadline(mkdir(target, { recursive: true, mode: 0o700 }), ms, `Creating ${target}`);
    await deadline(access(target, constants.W_OK), ms, `The folder ${target}`);
  } catch (error) {
    if (error instanceof UserPathError) throw error;
    throw new UserPathError("unwritable", `The directory ${path} cannot be created or written to (${(error as NodeJS.ErrnoException).code ?? "error"}).`);
  }
  const created = await realPathOf(target, ms);
  if (created !== target) checkPlace(created, roots, target);
  return real;
}
