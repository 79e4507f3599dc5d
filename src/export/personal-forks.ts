/**
 * `exportPersonalForkCommits`: the commits of a fork in a personal project (`~USER`) are exported only
 * when it is on. One rule for every Bitbucket site, git-backed or synced: the scopes (repository ids)
 * of such forks, left out of the commits file like opted-out repositories.
 */
import { entity, storedColumns, type EntityDef } from "../core/entities/registry.js";
import type { Snapshot } from "../store/port.js";

const text = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v ?? ""));

/** Whether `def` is an entity the rule applies to. */
export function holdsForkCommits(def: EntityDef): boolean {
  return def.product === "bitbucket" && def.name === "commits";
}

/** Repository ids of the personal forks whose commits stay out, as scope keys. */
export async function personalForkScopes(snapshot: Snapshot, exportPersonalForkCommits: boolean): Promise<string[]> {
  if (exportPersonalForkCommits) return [];
  const def = entity("bitbucket", "repositories");
  const names = storedColumns(def).map((c) => c.name);
  const [id, fork, type] = ["repository_id", "fork", "project_type"].map((n) => names.indexOf(n)) as [number, number, number];
  const scopes: string[] = [];
  for await (const batch of snapshot.rows(def, 1000)) {
    for (const row of batch) {
      const isFork = row[fork] === true || row[fork] === 1 || row[fork] === 1n;
      if (isFork && text(row[type]) === "PERSONAL") scopes.push(text(row[id]));
    }
  }
  return scopes;
}
