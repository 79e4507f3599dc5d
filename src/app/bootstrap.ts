/**
 * First start: the demo organisation with its three sites (Jira at /jira, Confluence at /wiki,
 * Bitbucket at /bitbucket) filled by the demo generator, and the first sysadmin token.
 */
import type { Product } from "../core/entities/registry.js";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { entity, storedColumns } from "../core/entities/registry.js";
import { isoUtcSeconds } from "../core/time.js";
import { generateDemo } from "../sources/demo/index.js";
import { addRepository, createRepository, listRepositories, scanRoot } from "../sources/git/index.js";
import type { Site, Store } from "../store/port.js";
import { createSite } from "../sites/site-service.js";
import { hashToken, issueToken } from "../access/tokens.js";
import type { AppContext } from "./context.js";

export const DEMO_SITES: readonly { product: Product; contextPath: string }[] = [
  { product: "jira", contextPath: "/jira" },
  { product: "confluence", contextPath: "/wiki" },
  { product: "bitbucket", contextPath: "/bitbucket" },
];

export interface BootstrapResult {
  seeded: boolean;
  /** The new admin token in clear (shown once), when one was created now. */
  token: string | undefined;
  bootstrapTokenUsed: boolean;
}

/** Seeds demo sites (rows, and attachments' bytes) into an empty store; `onProgress` reports rows per entity. */
export async function seedDemo(
  ctx: AppContext,
  options: { scale: number; seed: number; now?: number },
  onProgress?: (site: string, entity: string, rows: number) => void,
): Promise<void> {
  for (const spec of DEMO_SITES) {
    const key = spec.contextPath.slice(1);
    const site = (await ctx.store.sites.byKey(key)) ?? (await createSite(ctx.store, spec, "loading"));
    await ctx.store.sites.setState(site.id, "loading");
    await ctx.store.data.clearSite(site.id);
    await ctx.attachments.deleteSite(site.id);
    const now = options.now ?? Date.now();
    await generateDemo(ctx.store, site, { scale: options.scale, seed: options.seed, now }, (name, rows) => onProgress?.(key, name, rows), ctx.attachments);
    if (site.product === "bitbucket") await addDemoGitRepository(ctx.store, site, join(ctx.config.home, "git"), options.seed, now);
    await ctx.store.sites.setState(site.id, "ready");
  }
}

/**
 * A real git repository for the demo Bitbucket site, made with `git fast-import`: its commits are
 * exported straight from git, and build statuses are recorded on its real branch heads.
 */
async function addDemoGitRepository(store: Store, site: Site, dir: string, seed: number, now: number): Promise<void> {
  const path = join(dir, "demo-app.git");
  await rm(path, { recursive: true, force: true });
  const heads = await createRepository(path, { seed, commits: 400, branches: 3, now });
  const repo = (await listRepositories(store, site)).find((r) => r.path === path) ?? (await addRepository(store, site, { projectKey: "DEMO", projectName: "Demo", name: "Demo App", path }));
  const def = entity("bitbucket", "build_statuses");
  const rows = heads.map((head, i) => {
    const at = isoUtcSeconds(now - (i + 1) * 3_600_000);
    const values: Record<string, unknown> = {
      commit_hash: head.hash,
      repository_id: repo.id,
      build_key: `DEMO-BUILD-${i + 1}`,
      build_url: `https://ci.example.com/demo-app/${i + 1}`,
      build_name: `Demo App ${head.ref.replace("refs/heads/", "")}`,
      build_number: String(100 + i),
      build_description: "Build and unit tests",
      build_duration: 60_000 + i * 1_000,
      build_created_date: at,
      build_updated_date: at,
      build_state: i % 3 === 2 ? "FAILED" : "SUCCESSFUL",
      parent_build_key: null,
      ref: head.ref,
      scope_key: String(repo.id),
    };
    return storedColumns(def).map((c) => values[c.name] ?? null);
  });
  await store.data.upsert(site.id, def, rows);
}

/** Registers every repository under `repositoriesRoot` on the first Bitbucket site. */
export async function scanRepositoriesRoot(ctx: AppContext): Promise<void> {
  const root = ctx.config.repositoriesRoot;
  if (!root) return;
  const site = (await ctx.store.sites.list()).find((s) => s.product === "bitbucket");
  if (!site) return;
  const result = await scanRoot(ctx.store, site, root);
  ctx.logger.info({ root, result }, "repositories root scanned");
}

export async function bootstrap(ctx: AppContext): Promise<BootstrapResult> {
  const { store, config } = ctx;
  let seeded = false;
  if (config.demo.enabled && (await store.sites.list()).length === 0) {
    await seedDemo(ctx, { scale: config.demo.scale, seed: config.demo.seed });
    seeded = true;
  }
  let token: string | undefined;
  let bootstrapTokenUsed = false;
  if (config.bootstrapToken) {
    if (!(await store.accounts.findToken(hashToken(config.bootstrapToken)))) {
      await issueToken(store, { username: "admin", displayName: "Administrator", sysadmin: true, name: "bootstrap", token: config.bootstrapToken });
    }
    bootstrapTokenUsed = true;
  } else if ((await store.accounts.countTokens()) === 0) {
    token = await issueToken(store, { username: "admin", displayName: "Administrator", sysadmin: true, name: "first start" });
  }
  return { seeded, token, bootstrapTokenUsed };
}
