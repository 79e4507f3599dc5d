/** Creating sites (CLI, admin API, demo seeding) with one set of rules. */
import { PRODUCTS, type Product } from "../core/entities/registry.js";
import { SluiceError } from "../core/errors.js";
import type { Site, Store } from "../store/port.js";

export const DEFAULT_ORG = { orgId: "default", name: "Default organisation" };
const CONTEXT_PATH = /^\/?[a-z0-9][a-z0-9-]{0,62}\/?$/;
const RESERVED = new Set(["rest", "admin", "ping"]);

export interface SiteRequest {
  product: unknown;
  contextPath: unknown;
  plan?: unknown;
  region?: unknown;
  baseUrl?: unknown;
}

export async function createSite(store: Store, request: SiteRequest, state: Site["state"] = "ready"): Promise<Site> {
  const problems: string[] = [];
  const product = String(request.product ?? "");
  if (!(PRODUCTS as readonly string[]).includes(product)) problems.push(`product must be one of ${PRODUCTS.join(", ")}, not '${product.slice(0, 30)}'.`);
  const contextPath = String(request.contextPath ?? "");
  const key = contextPath.replace(/^\/+|\/+$/g, "");
  if (contextPath !== "/" && (!CONTEXT_PATH.test(contextPath) || RESERVED.has(key))) {
    problems.push(`contextPath must be / or one path segment of lowercase letters, digits and dashes (like /wiki), not '${contextPath.slice(0, 60)}'; rest, admin and ping are reserved.`);
  }
  const plan = request.plan === undefined ? "standard" : String(request.plan);
  if (!["free", "standard", "premium", "enterprise"].includes(plan)) problems.push(`plan must be free, standard, premium or enterprise, not '${plan.slice(0, 30)}'.`);
  const region = request.region === undefined ? "local" : String(request.region);
  if (!/^[a-z0-9-]{1,32}$/.test(region)) problems.push(`region must be a short lowercase name such as eu or us-east, not '${region.slice(0, 30)}'.`);
  const baseUrl = request.baseUrl === undefined || request.baseUrl === "" ? "" : String(request.baseUrl).replace(/\/+$/, "");
  if (baseUrl && !/^https?:\/\/[^\s]+$/.test(baseUrl)) problems.push(`baseUrl must be an http(s) URL, not '${baseUrl.slice(0, 60)}'.`);
  if (problems.length) throw new SluiceError("sluice.site.invalid", problems.join(" "));
  if (await store.sites.byKey(key)) throw new SluiceError("sluice.site.exists", `A site is already mounted at /${key}.`);
  await store.sites.ensureOrganisation(DEFAULT_ORG.orgId, DEFAULT_ORG.name);
  return store.sites.create(DEFAULT_ORG.orgId, { product: product as Product, contextPath: key === "" ? "/" : `/${key}`, baseUrl, plan, region, state });
}

/**
 * The site at a key as the admin API and CLI take it (`wiki`, `/wiki/`, `-` for the root site); a
 * `sluice.site.not.found` error naming `field` otherwise.
 */
export async function siteAt(store: Store, key: string, field = "site"): Promise<Site> {
  const normalised = key === "-" ? "" : key.replace(/^\/+|\/+$/g, "");
  const site = await store.sites.byKey(normalised);
  if (!site) throw new SluiceError("sluice.site.not.found", `${field}: no site is mounted at /${normalised.slice(0, 60)}.`);
  return site;
}
