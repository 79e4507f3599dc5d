/**
 * A Jira site (`/jira`) that holds issues from the demo generator and the small catalogs (users,
 * projects' sprints, access), but none of what hangs off each issue (fields, changelog, worklogs,
 * links): its Data pipeline export is then the issues file and a few tiny ones, and a report of every
 * issue column reads the same rows. Generated once into the SQLite store of a home and cached.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createContext } from "../../src/app/context.js";
import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createSite } from "../../src/sites/site-service.js";
import { generateDemo } from "../../src/sources/demo/index.js";
import type { DataRepo, Store } from "../../src/store/port.js";

export const JIRA_SITE = "jira";

/** The entities generated per issue that the site does not keep. */
const DROPPED = new Set(["issue_fields", "issue_history", "worklogs", "issue_links"]);

/** The store, except that upserts of the dropped entities are thrown away. */
function withoutDropped(store: Store): Store {
  const data = new Proxy(store.data, {
    get(target, property) {
      if (property === "upsert") {
        const upsert: DataRepo["upsert"] = (siteId, def, rows) => (DROPPED.has(def.name) ? Promise.resolve() : target.upsert(siteId, def, rows));
        return upsert;
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(store, { get: (target, property) => (property === "data" ? data : Reflect.get(target, property, target)) });
}

/** `/jira` with `issues` issues (descriptions of ~`contentBytes`) in the store of `home`, generated once. */
export async function cachedJiraIssues(home: string, config: Config, issues: number, contentBytes: number): Promise<void> {
  const marker = join(home, "generated.json");
  if (existsSync(marker)) return;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const ctx = await createContext(config, { logger: createLogger("warn") });
  const t0 = Date.now();
  let last = 0;
  try {
    const site = await createSite(ctx.store, { product: "jira", contextPath: `/${JIRA_SITE}` });
    const counts = await generateDemo(withoutDropped(ctx.store), site, { scale: 1, seed: 1, now: Date.UTC(2026, 0, 1), counts: { issues }, contentBytes }, (e, n) => {
      if (Date.now() - last > 5000) {
        last = Date.now();
        process.stderr.write(`  generating ${e}: ${n.toLocaleString("en")}\n`);
      }
    });
    const kept = Object.fromEntries(Object.entries(counts).filter(([name]) => !DROPPED.has(name)));
    const seconds = (Date.now() - t0) / 1000;
    process.stderr.write(`generated in ${seconds.toFixed(0)} s: ${JSON.stringify(kept)}\n`);
    writeFileSync(marker, JSON.stringify({ issues, contentBytes, counts: kept, seconds }));
  } finally {
    await ctx.close();
  }
}
