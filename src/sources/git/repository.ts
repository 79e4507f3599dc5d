/**
 * A Bitbucket repository as Sluice keeps it: metadata as a row of the `repositories` entity, and for
 * repositories backed by git data on disk, a location in the site setting `git.repositories`
 * (`{ "<repository id>": { path, projectKey, slug } }`). Naming rules follow Bitbucket's.
 */
export const GIT_LOCATIONS_KEY = "git.repositories";

export interface GitLocation {
  path: string;
  projectKey: string;
  slug: string;
}

export type GitLocations = Record<string, GitLocation>;

export type ProjectType = "NORMAL" | "PERSONAL";

export interface Repository {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  hierarchyId: string;
  origin: number | null;
  projectId: number;
  projectKey: string;
  projectName: string;
  projectType: ProjectType;
  forkable: boolean;
  fork: boolean;
  public: boolean;
  /** The git directory, when the repository is backed by git data. */
  path?: string;
}

/** Bitbucket's slug: lower case, runs of other characters become `-`, only `a-z0-9._-` kept. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * A project key as Bitbucket writes it: `ABC_1` (a letter first, then letters, digits, `_`), or
 * `~USER` for a personal project. Returns undefined when the text cannot be one.
 */
export function projectKey(text: string, personal: boolean): string | undefined {
  const key = text.trim().replace(/^~/, "").toUpperCase();
  if (personal || text.trim().startsWith("~")) {
    return /^[A-Z0-9._@-]+$/.test(key) ? `~${key}` : undefined;
  }
  return /^[A-Z][A-Z0-9_]*$/.test(key) ? key : undefined;
}

export function isPersonalKey(key: string): boolean {
  return key.startsWith("~");
}

/** `/projects/KEY/repos/slug` or `/users/name/repos/slug` for a personal project. */
export function repositoryPath(key: string, slug: string): string {
  return isPersonalKey(key)
    ? `/users/${encodeURIComponent(key.slice(1).toLowerCase())}/repos/${slug}`
    : `/projects/${encodeURIComponent(key)}/repos/${slug}`;
}

/** `PROJECT/slug (path)` for messages. */
export function describeRepository(repo: { projectKey: string; slug: string; path?: string }): string {
  return `${repo.projectKey}/${repo.slug}${repo.path ? ` (${repo.path})` : ""}`;
}
