/**
 * The containers of a site's data as backups and restores see them — Confluence spaces, Jira projects,
 * Bitbucket repositories: which entity names them, how a row names one, and what makes two of them the
 * same container on two sites (a restore skips a container the destination has already).
 */
import type { Product } from "../core/entities/registry.js";
import type { ScopeKind } from "../core/entities/types.js";
import type { ArchiveScope } from "./archive/index.js";

export interface ScopeSource {
  type: ScopeKind;
  /** The entity whose rows name the containers. */
  entity: string;
  /** The container a row of `entity` names (columns by name). */
  scope(row: (column: string) => unknown): ArchiveScope;
  /** Columns of `entity` that hold the identity on the destination (`distinct` lookups). */
  identityColumns: readonly string[];
  identity(row: (column: string) => unknown): string;
}

const text = (v: unknown) => (v === null || v === undefined ? "" : Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

export const SCOPE_SOURCES: Record<Product, ScopeSource> = {
  confluence: {
    type: "SPACE",
    entity: "spaces",
    scope: (r) => ({ type: "SPACE", key: text(r("space_key")), name: text(r("space_name")) }),
    identityColumns: ["space_key"],
    identity: (r) => text(r("space_key")),
  },
  jira: {
    type: "PROJECT",
    entity: "issues",
    scope: (r) => ({ type: "PROJECT", key: text(r("project_key")), name: text(r("project_name")) }),
    identityColumns: ["project_key"],
    identity: (r) => text(r("project_key")),
  },
  bitbucket: {
    type: "REPOSITORY",
    entity: "repositories",
    scope: (r) => ({ type: "REPOSITORY", key: text(r("repository_id")), name: text(r("repository_name")), identity: `${text(r("project_key"))}/${text(r("slug"))}` }),
    identityColumns: ["project_key", "slug"],
    identity: (r) => `${text(r("project_key"))}/${text(r("slug"))}`,
  },
};

/** The identity of an archive scope (what a destination's container is compared by). */
export function scopeIdentity(scope: ArchiveScope): string {
  return scope.identity ?? scope.key;
}

/** Collects the distinct containers named by the rows of a scope source, as they stream past. */
export class ScopeCollector {
  private readonly seen = new Map<string, ArchiveScope>();
  constructor(readonly source: ScopeSource) {}

  add(columns: readonly string[], batch: readonly (readonly unknown[])[]): void {
    const index = new Map(columns.map((c, i) => [c, i]));
    for (const row of batch) {
      const scope = this.source.scope((c) => row[index.get(c) ?? -1]);
      if (scope.key !== "" && !this.seen.has(scope.key)) this.seen.set(scope.key, scope);
    }
  }

  scopes(): ArchiveScope[] {
    return [...this.seen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
