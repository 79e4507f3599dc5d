/**
 * The containers of a site — Confluence spaces, Jira projects, Bitbucket repositories — found by key
 * or by a search text: what opt-outs, access grants and the console's pickers name.
 */
import { entity, PRODUCT_SCOPE } from "../core/entities/registry.js";
import type { Site, Store } from "../store/port.js";

export interface ScopeMatch {
  key: string;
  identifier: string;
  displayName: string;
  /** Path relative to the site base URL. */
  path: string;
}

/** Looks containers up by key (`in`) or by a search text (`contains`). */
export async function findScopes(
  store: Store,
  site: Site,
  where: { keys?: readonly string[]; search?: string },
  limit: number,
): Promise<ScopeMatch[]> {
  const kind = PRODUCT_SCOPE[site.product];
  const data = store.data;
  if (kind === "SPACE") {
    const def = entity("confluence", "spaces");
    const rows = await data.distinct(
      site.id,
      def,
      ["space_key", "space_name", "space_url"],
      where.keys ? { column: "space_key", in: where.keys } : { column: "space_name", contains: where.search ?? "" },
      limit,
    );
    return rows.map((r) => ({ key: String(r.space_key), identifier: String(r.space_key), displayName: String(r.space_name ?? r.space_key), path: String(r.space_url ?? "") }));
  }
  if (kind === "PROJECT") {
    const def = entity("jira", "issues");
    const rows = await data.distinct(
      site.id,
      def,
      ["project_key", "project_name"],
      where.keys ? { column: "project_key", in: where.keys } : { column: "project_name", contains: where.search ?? "" },
      limit,
    );
    return rows.map((r) => ({
      key: String(r.project_key),
      identifier: String(r.project_key),
      displayName: String(r.project_name ?? r.project_key),
      path: `/projects/${String(r.project_key)}`,
    }));
  }
  // Repositories: keys are `PROJECT/slug` or the numeric repository id.
  const def = entity("bitbucket", "repositories");
  const cols = ["repository_id", "project_key", "slug", "repository_name", "url"];
  let rows: Record<string, unknown>[];
  if (where.keys) {
    const ids = where.keys.filter((k) => /^\d+$/.test(k));
    const slugs = where.keys.filter((k) => k.includes("/")).map((k) => k.slice(k.indexOf("/") + 1));
    rows = [
      ...(ids.length ? await data.distinct(site.id, def, cols, { column: "repository_id", in: ids }, limit) : []),
      ...(slugs.length ? await data.distinct(site.id, def, cols, { column: "slug", in: slugs }, limit) : []),
    ].filter((r) => where.keys!.includes(String(r.repository_id)) || where.keys!.includes(`${String(r.project_key)}/${String(r.slug)}`));
  } else {
    rows = await data.distinct(site.id, def, cols, { column: "repository_name", contains: where.search ?? "" }, limit);
  }
  return rows.map((r) => ({
    key: `${String(r.project_key)}/${String(r.slug)}`,
    identifier: String(r.repository_id),
    displayName: String(r.repository_name ?? r.slug),
    path: String(r.url ?? ""),
  }));
}

