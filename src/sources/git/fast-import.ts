/**
 * Deterministic bare repositories generated with `git fast-import` (for tests, benchmarks and the demo
 * site). The same spec always gives the same commit hashes. History has several branches, merges,
 * annotated and lightweight tags, a commit reachable only from a tag, multi-line messages with quotes
 * and commas, and non-ASCII author names. The import is streamed to git's stdin with backpressure.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { gitErrorLine, runGit } from "./git-process.js";

export interface Author {
  name: string;
  email: string;
}

export interface RepositorySpec {
  seed: number;
  /** Total number of commits, the tag-only one included. */
  commits: number;
  /** Branches besides `main` (default 2). */
  branches?: number;
  authors?: readonly Author[];
  /** Epoch ms: the newest commit is committed at about this time. */
  now: number;
  /** Mean seconds between commits (default 3600). */
  spacingSeconds?: number;
}

export interface BranchHead {
  ref: string;
  hash: string;
}

export const DEFAULT_AUTHORS: readonly Author[] = [
  { name: "Zoë Ångström", email: "zoe@example.com" },
  { name: "李雷", email: "li.lei@example.cn" },
  { name: "Jürgen Müller", email: "juergen.mueller@example.de" },
  { name: "Ольга Петрова", email: "olga@example.ru" },
  { name: "Alice O'Brien", email: "alice@example.com" },
  { name: "Bob", email: "bob@example.com" },
];

const ZONES = ["+0000", "+0100", "-0500", "+0530", "+1100", "-0800"];

const MESSAGES: readonly ((i: number) => string)[] = [
  (i) => `Fix build ${i}\n`,
  (i) => `Fix "quoted" value, in parser (${i})\n`,
  (i) => `Add feature ${i}\n\nThis change adds "feature ${i}", with commas, quotes "like this",\nand several lines — ünïcödé ✓.\n`,
  (i) => `Refactor module ${i}\n\n* first point, with a comma\n* second point "quoted"\n`,
  (i) => `Update docs ${i}\r\n\r\nWindows line endings, too\r\n`,
  (i) => `Bump version to 1.${i}.0\n`,
];

/**
 * Creates a bare repository at `path` (which must not exist or be empty) and returns its branch heads.
 * It gets a commit-graph, as `git gc` leaves one (`commitGraph: false`: none, as a repository that
 * was never garbage-collected).
 */
export async function createRepository(path: string, spec: RepositorySpec, options: { commitGraph?: boolean } = {}): Promise<BranchHead[]> {
  const init = await runGit(["-c", "init.defaultBranch=main", "init", "--bare", "-q", path]);
  if (init.code !== 0) throw new Error(`git init ${path} failed: ${gitErrorLine(init.stderr)}`);
  await fastImport(path, generate(spec));
  if (options.commitGraph ?? true) {
    const graph = await runGit(["-C", path, "commit-graph", "write", "--reachable"]);
    if (graph.code !== 0) throw new Error(`git commit-graph write in ${path} failed: ${gitErrorLine(graph.stderr)}`);
  }
  return branchHeads(path);
}

/** Streams fast-import commands into the repository at `path`. */
export async function fastImport(path: string, commands: Iterable<string>): Promise<void> {
  const child = spawn("git", ["-C", path, "fast-import", "--quiet", "--done"], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => {
    if (stderr.length < 8192) stderr += s;
  });
  const closed = once(child, "close") as Promise<[number | null]>;
  closed.catch(() => undefined);
  let failed: Error | undefined;
  child.stdin.on("error", (error) => (failed = error));
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    if (pending.length === 0 || failed) return;
    const ok = child.stdin.write(pending.join(""));
    pending = [];
    size = 0;
    if (!ok) await Promise.race([once(child.stdin, "drain").catch(() => undefined), closed]);
  };
  for (const command of commands) {
    pending.push(command);
    size += command.length;
    if (size >= 1 << 18) await flush();
    if (failed) break;
  }
  pending.push("done\n");
  await flush();
  child.stdin.end();
  const [code] = await closed;
  if (code !== 0) throw new Error(`git fast-import into ${path} failed: ${gitErrorLine(stderr)}`);
}

export async function branchHeads(path: string): Promise<BranchHead[]> {
  const result = await runGit(["-C", path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"]);
  if (result.code !== 0) throw new Error(`git for-each-ref in ${path} failed: ${gitErrorLine(result.stderr)}`);
  return result.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [ref = "", hash = ""] = l.split(" ");
      return { ref, hash };
    });
}

/** A small seeded PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ident(author: Author, seconds: number, zone: string): string {
  return `${author.name} <${author.email}> ${seconds} ${zone}`;
}

export function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

/** The fast-import commands of a repository spec. */
export function* generate(spec: RepositorySpec): Generator<string> {
  const rnd = random(spec.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const authors = spec.authors && spec.authors.length > 0 ? spec.authors : DEFAULT_AUTHORS;
  const spacing = spec.spacingSeconds ?? 3600;
  const total = Math.max(0, Math.floor(spec.commits));
  const branchNames = ["main", ...Array.from({ length: spec.branches ?? 2 }, (_, i) => `feature/branch-${i + 1}`)];
  const heads: (number | undefined)[] = branchNames.map(() => undefined);
  const merged: boolean[] = branchNames.map(() => true);
  const end = Math.floor(spec.now / 1000);
  let tags = 0;
  let mainCommits = 0;

  for (let i = 1; i <= total; i++) {
    const committed = end - (total - i) * spacing - Math.floor(rnd() * (spacing / 2));
    const authored = committed - Math.floor(rnd() * 86_400);
    const author = pick(authors);
    const committer = rnd() < 0.7 ? author : pick(authors);
    const zone = pick(ZONES);
    const tagOnly = i === total && total >= 3;
    let branch = heads[0] === undefined ? 0 : rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * (branchNames.length - 1));
    if (branch >= branchNames.length) branch = 0;
    const ref = tagOnly ? `refs/tags/only-${spec.seed}` : `refs/heads/${branchNames[branch]}`;
    const parent = tagOnly ? heads[0] : (heads[branch] ?? heads[0]);
    let mergeFrom: number | undefined;
    let message = "";
    if (!tagOnly && branch === 0 && rnd() < 0.15) {
      const candidates = heads.map((h, b) => (b > 0 && h !== undefined && !merged[b] ? b : -1)).filter((b) => b > 0);
      if (candidates.length > 0) {
        const b = pick(candidates);
        mergeFrom = heads[b];
        merged[b] = true;
        message = `Merge branch '${branchNames[b]}' into main\n`;
      }
    }
    if (mergeFrom === undefined) message = pick(MESSAGES)(i);
    let out = `commit ${ref}\nmark :${i}\n`;
    out += `author ${ident(author, authored, zone)}\ncommitter ${ident(committer, committed, zone)}\n`;
    out += data(message);
    if (parent !== undefined) out += `from :${parent}\n`;
    if (mergeFrom !== undefined) out += `merge :${mergeFrom}\n`;
    out += `M 100644 inline file-${i % 8}.txt\n${data(`commit ${i} of seed ${spec.seed}\n`)}\n`;
    yield out;
    if (tagOnly) continue;
    heads[branch] = i;
    if (branch > 0) merged[branch] = false;
    if (branch === 0 && ++mainCommits % 25 === 0) {
      tags++;
      yield `tag v1.${tags}\nfrom :${i}\ntagger ${ident(committer, committed, zone)}\n${data(`Release 1.${tags}, "stable"\n`)}`;
      yield `reset refs/tags/light-${tags}\nfrom :${i}\n\n`;
    }
  }
}
