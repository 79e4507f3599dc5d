/**
 * First start: the demo organisation with its three sites (Jira at /jira, Confluence at /wiki,
 * Bitbucket at /bitbucket) filled by the demo generator, and the first sysadmin token.
 */
import type { Product } from "../core/entities/registry.js";
import { generateDemo } from "../sources/demo/index.js";
import { createSite } from "../sites/site-service.js";
import { hashToken, issueToken } from "../server/auth.js";
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

/** Seeds demo sites into an empty store; `onProgress` reports rows per entity. */
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
    await generateDemo(ctx.store, site, { scale: options.scale, seed: options.seed, now: options.now ?? Date.now() }, (entity, rows) =>
      onProgress?.(key, entity, rows),
    );
    await ctx.store.sites.setState(site.id, "ready");
  }
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
