/**
 * Git mirrors of a synced Bitbucket site's repositories, read for their commits (issue 17): the REST
 * listings lose rebased and late-pushed commits, and Data Center's reads the default branch only.
 *
 * A mirror is a bare repository under `<home>/git/mirrors/<site id>/<repository id>.git` (folders 0700:
 * commits carry people's emails) that fetches every branch and every tag of the repository's http(s)
 * clone link (`+refs/heads/*`, `+refs/tags/*`; not Bitbucket's own `refs/pull-requests/*`, whose merge
 * commits are synthetic) with `--prune --atomic`: a moved or deleted ref is followed, and a failed fetch
 * leaves every ref as it was. The site's credentials reach git as an `http.extraHeader` in git's
 * environment (`GIT_CONFIG_*`), never on a command line, in the mirror's config or anywhere else on disk,
 * and only for a clone link on the site's own host (redirects are not followed).
 *
 * What changed since the tips read last time is told by git itself: commits reachable now and not from
 * the old tips are added; commits reachable from the old tips and from no ref now are removed (a rebase,
 * a deleted branch). When the old tips are unknown or gone from the mirror, the repository is read whole.
 */
import { once } from "node:events";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { refTips } from "../git/commit-index.js";
import { CommitStream, LOG_FORMAT } from "../git/commit-stream.js";
import { gitErrorLine, killGit, runGit, spawnGit } from "../git/git-process.js";

/** Where a home keeps the mirrors of its synced sites. */
export function mirrorsFolder(home: string): string {
  return join(home, "git", "mirrors");
}

/** Why a repository could not be mirrored: `reason` groups repositories in the run record. */
export class MirrorError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** How long a clone or fetch may take, and how long a listing command may take. */
const FETCH_TIMEOUT_MS = 3_600_000;
const LIST_TIMEOUT_MS = 600_000;
const REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/**
 * The clone link git may fetch with the site's credentials: an http(s) link on the site's own origin,
 * without user info (Bitbucket Cloud puts the user name in it). Anything else: a MirrorError.
 */
export function cloneTarget(link: string | undefined, siteOrigin: string): string {
  if (!link) throw new MirrorError("it has no http(s) clone link", "the repository listing gives no http(s) clone link");
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new MirrorError("its clone link is not a URL", `clone link ${link.slice(0, 200)} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new MirrorError("it has no http(s) clone link", `clone link ${url.protocol} is not http(s)`);
  url.username = "";
  url.password = "";
  if (url.origin !== siteOrigin) {
    throw new MirrorError("its clone link is on another host than the site (the credentials are not sent there)", `clone link on ${url.origin}, site on ${siteOrigin}`);
  }
  return url.toString();
}

/** git's environment carrying the credential for one command. */
function authEnv(authorization: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "3",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: ${authorization}`,
    // No credential helper may store or offer anything, and the header never follows a redirect.
    GIT_CONFIG_KEY_1: "credential.helper",
    GIT_CONFIG_VALUE_1: "",
    GIT_CONFIG_KEY_2: "http.followRedirects",
    GIT_CONFIG_VALUE_2: "false",
  };
}

async function git(args: readonly string[], what: string, options: { timeoutMs: number; signal: AbortSignal; env?: Record<string, string>; maxOutput?: number }): Promise<string> {
  let result;
  try {
    result = await runGit(args, { timeoutMs: options.timeoutMs, signal: options.signal, ...(options.env ? { env: options.env } : {}), maxOutput: options.maxOutput ?? 1 << 20 });
  } catch (error) {
    throw new MirrorError("git could not be run (is it installed and on the PATH?)", `${what}: ${(error as Error).message}`);
  }
  if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error("aborted");
  if (result.code !== 0) throw new MirrorError("git could not fetch it with the site's credentials", `${what}: ${gitErrorLine(result.stderr)}`);
  return result.stdout;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/**
 * Brings the mirror at `dir` up to date with `url` (made on first use). Returns the sorted tips of its
 * refs after the fetch. A MirrorError when git cannot.
 */
export async function updateMirror(dir: string, url: string, authorization: string, signal: AbortSignal): Promise<string[]> {
  const options = { timeoutMs: LIST_TIMEOUT_MS, signal };
  if (await isDirectory(join(dir, "objects"))) {
    await removeStaleLocks(dir);
  } else {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await git(["init", "--bare", "--quiet", dir], "git init", options);
    await git(["-C", dir, "config", "gc.autoDetach", "false"], "git config", options);
  }
  // The link may have changed since (a renamed repository); the refspecs are set every time, so a mirror
  // made by hand or by an older version fetches exactly these.
  await git(["-C", dir, "config", "remote.origin.url", url], "git config", options);
  await git(["-C", dir, "config", "--replace-all", "remote.origin.fetch", REFSPECS[0]!], "git config", options);
  await git(["-C", dir, "config", "--add", "remote.origin.fetch", REFSPECS[1]!], "git config", options);
  await git(["-C", dir, "fetch", "--quiet", "--prune", "--atomic", "--no-write-fetch-head", "origin"], "git fetch", { timeoutMs: FETCH_TIMEOUT_MS, signal, env: authEnv(authorization) });
  const tips = await refTips(dir);
  if (!tips) throw new MirrorError("git cannot list the refs of its mirror", `git for-each-ref failed in ${dir}`);
  return tips.tips;
}

/**
 * Hashes reachable from `oldTips` and from no ref now (removed by a rebase or a deleted branch), or
 * undefined when an old tip is gone from the mirror (the repository must then be read whole).
 */
export async function removedCommits(dir: string, oldTips: readonly string[], signal: AbortSignal): Promise<string[] | undefined> {
  if (oldTips.length === 0) return [];
  const result = await runGit(["-C", dir, "--no-replace-objects", "rev-list", "--stdin", "--not", "--all"], { input: `${oldTips.join("\n")}\n`, timeoutMs: LIST_TIMEOUT_MS, signal, maxOutput: 1 << 30 });
  if (result.code !== 0) return undefined;
  return result.stdout.split("\n").filter(Boolean);
}

/**
 * Of `hashes` (stored commits, streamed), those no ref of the mirror reaches — for the rare whole
 * re-read of a repository, with memory flat in its size: the mirror is first pruned to what its refs
 * reach (`git gc --prune=now`; a bare mirror keeps no reflog), then git is asked which hashes it lacks
 * (`cat-file --batch-check`, fed and read as a stream).
 */
export async function unreachableCommits(dir: string, hashes: AsyncIterable<readonly string[]>, signal: AbortSignal): Promise<string[]> {
  await git(["-C", dir, "-c", "gc.autoDetach=false", "gc", "--quiet", "--prune=now"], "git gc", { timeoutMs: FETCH_TIMEOUT_MS, signal });
  const child = spawnGit(["-C", dir, "--no-replace-objects", "cat-file", "--batch-check=%(objectname) %(objecttype)"], { stdin: true });
  const abort = () => killGit(child);
  signal.addEventListener("abort", abort);
  const missing: string[] = [];
  let rest = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line.endsWith(" missing")) missing.push(line.slice(0, line.indexOf(" ")));
  });
  child.stderr!.resume();
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  try {
    const stdin = child.stdin!;
    stdin.on("error", () => undefined);
    for await (const batch of hashes) {
      if (!stdin.write(batch.map((h) => `${h}\n`).join(""))) await once(stdin, "drain");
    }
    stdin.end();
    const code = await closed;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    if (code !== 0) throw new MirrorError("git cannot read its mirror", `git cat-file exited ${code} in ${dir}`);
    return missing;
  } finally {
    signal.removeEventListener("abort", abort);
    killGit(child);
  }
}

/** One commit as `git log` gives it: hash, emails, times (epoch ms), message without trailing newlines. */
export interface GitCommit {
  hash: string;
  authorEmail: string;
  authorMs: number;
  committerEmail: string;
  committerMs: number;
  message: string;
}

/**
 * The commits reachable from a ref now and not from `oldTips` (all of them when `oldTips` is empty),
 * in batches of at most `batch`, streamed from `git log` with backpressure.
 */
export async function* addedCommits(dir: string, oldTips: readonly string[], batch: number, signal: AbortSignal): AsyncGenerator<GitCommit[]> {
  const stream = new CommitStream<GitCommit>({
    describe: dir,
    args: [
      "-C", dir, "--no-replace-objects", "-c", "log.showSignature=false", "log", "--no-mailmap", "--no-color", "--encoding=UTF-8", "-z", LOG_FORMAT,
      "--all", "--stdin",
    ],
    // `^tip` on stdin: any number of old tips, no argument list limit.
    input: oldTips.map((t) => `^${t}\n`).join(""),
    toRow: (f) => {
      const body = f[5]!;
      let end = body.length;
      while (end > 0 && body.charCodeAt(end - 1) === 10) end--;
      return { hash: f[0]!, authorEmail: f[1]!, authorMs: Number(f[2]) * 1000, committerEmail: f[3]!, committerMs: Number(f[4]) * 1000, message: body.slice(0, end) };
    },
    highWater: 2 * batch,
    pollingTimeoutMs: LIST_TIMEOUT_MS,
    executionTimeoutMs: FETCH_TIMEOUT_MS,
    stallMs: 0,
    yieldCpu: true,
  });
  const abort = () => stream.stop();
  signal.addEventListener("abort", abort);
  stream.start();
  try {
    for (;;) {
      const rows = await stream.take(batch);
      if (rows === null) return;
      yield rows;
    }
  } finally {
    signal.removeEventListener("abort", abort);
    stream.stop();
  }
}

/**
 * Lock files a git killed mid-fetch left behind (`packed-refs.lock`, `refs/heads/x.lock`, `config.lock`,
 * …): one sync of a site runs at a time, so any lock in its mirror at the start of a fetch is stale, and
 * would make every later fetch fail.
 */
async function removeStaleLocks(dir: string): Promise<void> {
  const walk = async (folder: string, depth: number): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth > 0 && (folder !== dir || entry.name === "refs")) await walk(path, depth - 1);
      else if (entry.isFile() && entry.name.endsWith(".lock")) await rm(path, { force: true });
    }
  };
  await walk(dir, 16);
}

/** Removes the mirrors of repositories no longer listed (`keep`: repository ids as strings). */
export async function pruneMirrors(siteDir: string, keep: ReadonlySet<string>): Promise<void> {
  const names = await readdir(siteDir).catch(() => [] as string[]);
  for (const name of names) {
    const id = /^(-?\d+)\.git$/.exec(name)?.[1];
    if (id !== undefined && !keep.has(id)) await rm(join(siteDir, name), { recursive: true, force: true });
  }
}
