/**
 * `repositoriesRoot`: registers every git repository (bare or not) found under a folder. The project is
 * the first folder level (`<root>/<project>/<repo>[.git]`), unless a mapping names it:
 * `{ "<relative path>": { "project": "KEY", "name": "…", "personal"?: true, "projectName"?: "…",
 * "origin"?: "<relative path of the origin>" } }` — which is how a Bitbucket Server home
 * (`shared/data/repositories/<id>`) is imported. Repositories already registered are left alone.
 */
import { readdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { Site, Store } from "../../store/port.js";
import { assertBitbucket, listRepositories, planRepository, saveRepositories, type NewRepository } from "./registry.js";
import type { Repository } from "./repository.js";

export interface ScanMappingEntry {
  project: string;
  name: string;
  personal?: boolean;
  projectName?: string;
  description?: string;
  /** Relative path (in the same mapping) of the repository this one is a fork of. */
  origin?: string;
}

export type ScanMapping = Record<string, ScanMappingEntry>;

export interface ScanResult {
  added: Repository[];
  skipped: { path: string; reason: string }[];
}

const MAX_DEPTH = 8;

export async function scanRoot(store: Store, site: Site, root: string, mapping: ScanMapping = {}): Promise<ScanResult> {
  assertBitbucket(site);
  const base = resolve(root);
  const found = await findRepositories(base, 0);
  const byRelative = new Map(Object.entries(mapping).map(([k, v]) => [normalise(k), v]));
  const existing = await listRepositories(store, site);
  const result: ScanResult = { added: [], skipped: [] };
  const idByRelative = new Map<string, number>();
  for (const repo of existing) {
    if (repo.path) idByRelative.set(normalise(relative(base, repo.path)), repo.id);
  }

  const planned: { rel: string; input: Omit<NewRepository, "origin">; origin?: string }[] = [];
  for (const path of found.sort()) {
    const rel = normalise(relative(base, path));
    const known = existing.find((r) => r.path === path);
    if (known) {
      result.skipped.push({ path, reason: `already registered as ${known.projectKey}/${known.slug} (id ${known.id})` });
      continue;
    }
    const entry = byRelative.get(rel);
    if (entry) {
      planned.push({
        rel,
        input: { projectKey: entry.project, name: entry.name, path, personal: entry.personal, projectName: entry.projectName, description: entry.description },
        origin: entry.origin === undefined ? undefined : normalise(entry.origin),
      });
      continue;
    }
    const parts = rel.split("/");
    if (parts.length < 2) {
      result.skipped.push({ path, reason: "no project folder above it: move it into <root>/<project>/ or name it in the mapping file" });
      continue;
    }
    const folder = parts[0]!;
    planned.push({
      rel,
      input: { projectKey: folderKey(folder), projectName: folder, name: parts.at(-1)!.replace(/\.git$/, ""), path },
    });
  }

  // Origins before their forks, so that a fork can name a repository registered in the same scan.
  const ordered = [...planned.filter((p) => p.origin === undefined), ...planned.filter((p) => p.origin !== undefined)];
  for (const item of ordered) {
    try {
      let origin: number | undefined;
      if (item.origin !== undefined) {
        origin = idByRelative.get(item.origin);
        if (origin === undefined) throw new Error(`its origin ${item.origin} is not a registered repository`);
      }
      const repo = await planRepository(site, existing, { ...item.input, origin });
      idByRelative.set(item.rel, repo.id);
      result.added.push(repo);
    } catch (error) {
      result.skipped.push({ path: item.input.path, reason: (error as Error).message });
    }
  }
  await saveRepositories(store, site, result.added);
  return result;
}

/** A project key from a folder name: upper case, other characters `_`, a letter first. */
function folderKey(folder: string): string {
  const key = folder
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z0-9_]+/g, "_");
  return /^[A-Z]/.test(key) ? key : `P${key}`;
}

function normalise(rel: string): string {
  return rel.split(sep).join("/").replace(/^\.\/|\/+$/g, "");
}

async function findRepositories(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const names = new Set(entries.map((e) => e.name));
  const isDir = (name: string) => entries.some((e) => e.name === name && e.isDirectory());
  if (depth > 0 && (names.has(".git") || (names.has("HEAD") && isDir("objects") && isDir("refs")))) return [dir];
  if (depth >= MAX_DEPTH) return [];
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith(".")) out.push(...(await findRepositories(join(dir, e.name), depth + 1)));
  }
  return out;
}
