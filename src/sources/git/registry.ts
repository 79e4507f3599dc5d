/**
 * Registration of git-backed Bitbucket repositories, kept in the store without schema changes:
 * metadata as rows of the `repositories` entity, git locations in the site setting `git.repositories`.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { entity, storedColumns } from "../../core/entities/registry.js";
import type { Site, Store } from "../../store/port.js";
import {
  GIT_LOCATIONS_KEY,
  describeRepository,
  isPersonalKey,
  projectKey as toProjectKey,
  repositoryPath,
  slugify,
  type GitLocations,
  type Repository,
} from "./repository.js";
import { isRepositoryRoot } from "./repository-check.js";

const repositoriesDef = entity("bitbucket", "repositories");

export interface NewRepository {
  projectKey: string;
  name: string;
  path: string;
  /** The repository id this one is a fork of. */
  origin?: number;
  /** A personal project (`~USER`); also implied by a key starting with `~`. */
  personal?: boolean;
  projectName?: string;
  description?: string;
}

export function assertBitbucket(site: Site): void {
  if (site.product !== "bitbucket") {
    throw new Error(`Site /${site.key} is a ${site.product} site; git repositories belong to Bitbucket sites`);
  }
}

export async function gitLocations(store: Store, site: Site): Promise<GitLocations> {
  return (await store.settings.get<GitLocations>(site.id, GIT_LOCATIONS_KEY)) ?? {};
}

/** Every repository of the site (git-backed or not), in id order, with its git path when it has one. */
export async function listRepositories(store: Store, site: Site): Promise<Repository[]> {
  const locations = await gitLocations(store, site);
  const names = storedColumns(repositoriesDef).map((c) => c.name);
  const out: Repository[] = [];
  const snapshot = await store.data.snapshot(site.id);
  try {
    for await (const batch of snapshot.rows(repositoriesDef, 1000)) {
      for (const values of batch) {
        const row: Record<string, unknown> = {};
        names.forEach((name, i) => (row[name] = values[i]));
        const repo = fromRow(row);
        const location = locations[String(repo.id)];
        if (location) repo.path = location.path;
        out.push(repo);
      }
    }
  } finally {
    await snapshot.close();
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Registers one repository; returns it with its new id. */
export async function addRepository(store: Store, site: Site, input: NewRepository): Promise<Repository> {
  assertBitbucket(site);
  const existing = await listRepositories(store, site);
  const repo = await planRepository(site, existing, input);
  await saveRepositories(store, site, [repo]);
  return repo;
}

/**
 * Validates a new repository against those already known (`existing`, which it is appended to) and
 * gives it the next id; nothing is written.
 */
export async function planRepository(site: Site, existing: Repository[], input: NewRepository): Promise<Repository> {
  const personal = input.personal === true || input.projectKey.trim().startsWith("~");
  const key = toProjectKey(input.projectKey, personal);
  if (!key) {
    throw new Error(
      `Project key "${input.projectKey}" is not valid: use a letter then letters, digits or _ (ABC_1), or ~user for a personal project`,
    );
  }
  const slug = slugify(input.name);
  if (!slug) throw new Error(`Repository name "${input.name}" has no letters or digits to make a slug from`);
  const path = resolve(input.path);
  if (!(await isRepositoryRoot(path))) {
    throw new Error(`${path} is not a git repository (neither a bare repository nor the top of a working tree)`);
  }
  const clash = existing.find((r) => r.projectKey === key && r.slug === slug);
  if (clash) throw new Error(`Repository ${key}/${slug} already exists (id ${clash.id})`);
  const samePath = existing.find((r) => r.path === path);
  if (samePath) throw new Error(`${path} is already registered as ${describeRepository(samePath)} (id ${samePath.id})`);
  let origin: Repository | undefined;
  if (input.origin !== undefined) {
    origin = existing.find((r) => r.id === input.origin);
    if (!origin) throw new Error(`Origin repository ${input.origin} does not exist in site /${site.key}`);
  }

  const id = existing.reduce((max, r) => Math.max(max, r.id), 0) + 1;
  const project = existing.find((r) => r.projectKey === key);
  const repo: Repository = {
    id,
    name: input.name,
    slug,
    description: input.description ?? null,
    hierarchyId: origin?.hierarchyId ?? createHash("sha1").update(`${site.key}:${id}`).digest("hex").slice(0, 20),
    origin: origin?.id ?? null,
    projectId: project?.projectId ?? existing.reduce((max, r) => Math.max(max, r.projectId), 0) + 1,
    projectKey: key,
    projectName: project?.projectName ?? input.projectName ?? (isPersonalKey(key) ? key.slice(1).toLowerCase() : key),
    projectType: isPersonalKey(key) ? "PERSONAL" : "NORMAL",
    forkable: true,
    fork: origin !== undefined,
    public: false,
    path,
  };
  existing.push(repo);
  return repo;
}

/** Writes planned repositories: their rows, then their git locations (one settings write). */
export async function saveRepositories(store: Store, site: Site, repos: readonly Repository[]): Promise<void> {
  if (repos.length === 0) return;
  await store.data.upsert(site.id, repositoriesDef, repos.map(toRow));
  const locations = await gitLocations(store, site);
  for (const repo of repos) {
    if (repo.path) locations[String(repo.id)] = { path: repo.path, projectKey: repo.projectKey, slug: repo.slug };
  }
  await store.settings.set(site.id, GIT_LOCATIONS_KEY, locations);
}

function toRow(repo: Repository): unknown[] {
  const values: Record<string, unknown> = {
    repository_id: repo.id,
    url: `${repositoryPath(repo.projectKey, repo.slug)}/browse`,
    repository_name: repo.name,
    description: repo.description,
    hierarchy_id: repo.hierarchyId,
    origin: repo.origin,
    project_id: repo.projectId,
    project_key: repo.projectKey,
    project_name: repo.projectName,
    project_type: repo.projectType,
    forkable: repo.forkable,
    fork: repo.fork,
    public: repo.public,
    slug: repo.slug,
    scope_key: String(repo.id),
  };
  return storedColumns(repositoriesDef).map((c) => values[c.name] ?? null);
}

function fromRow(row: Record<string, unknown>): Repository {
  const bool = (v: unknown) => v === true || v === 1 || v === "true";
  const num = (v: unknown) => (v === null || v === undefined || v === "" ? null : Number(v));
  const key = String(row.project_key ?? "");
  return {
    id: Number(row.repository_id),
    name: String(row.repository_name ?? ""),
    slug: String(row.slug ?? slugify(String(row.repository_name ?? ""))),
    description: row.description === null || row.description === undefined ? null : String(row.description),
    hierarchyId: String(row.hierarchy_id ?? ""),
    origin: num(row.origin),
    projectId: num(row.project_id) ?? 0,
    projectKey: key,
    projectName: String(row.project_name ?? ""),
    projectType: row.project_type === "PERSONAL" || isPersonalKey(key) ? "PERSONAL" : "NORMAL",
    forkable: bool(row.forkable),
    fork: bool(row.fork),
    public: bool(row.public),
  };
}
