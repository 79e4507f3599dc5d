/** Words for the backup pages: products, sites, storages, row counts. */
import type { BackupProduct, BackupSite, Storage } from "../api/backup.js";
import { count, productName } from "../app/format.js";

export function productLabel(product: BackupProduct): string {
  return productName(product.toLowerCase());
}

/** `/wiki (Confluence)`, or the cloud id when the site is gone. */
export function siteLabel(sites: readonly BackupSite[], cloudId: string | null): string {
  const site = sites.find((s) => s.cloudId === cloudId);
  return site ? `${site.contextPath} (${productLabel(site.product)})` : (cloudId ?? "no site");
}

export function storageLabel(storages: readonly Storage[] | null, storageId: string | null): string {
  if (storageId === null) return "Built-in";
  const storage = storages?.find((s) => s.storageId === storageId);
  if (!storage) return storageId;
  return `${storage.storageName}${storage.storagePrefix ? `/${storage.storagePrefix}` : ""} (${storage.storageType === "s3" ? "S3" : "filesystem"})`;
}

/** What a product's containers are called (what a partial restore picks). */
export const CONTAINERS: Record<BackupProduct, { one: string; many: string; type: "SPACE" | "PROJECT" | "REPOSITORY" }> = {
  CONFLUENCE: { one: "space", many: "spaces", type: "SPACE" },
  JIRA: { one: "project", many: "projects", type: "PROJECT" },
  BITBUCKET: { one: "repository", many: "repositories", type: "REPOSITORY" },
};

/** The single items a product's restore may pick, if any. */
export const ITEMS: Partial<Record<BackupProduct, { type: "PAGE" | "ISSUE"; one: string; many: string }>> = {
  CONFLUENCE: { type: "PAGE", one: "page", many: "pages" },
  JIRA: { type: "ISSUE", one: "issue", many: "issues" },
};

export function totalRows(counts: Record<string, number> | null): number | null {
  return counts ? Object.values(counts).reduce((sum, n) => sum + n, 0) : null;
}

/** `pages 400 · comments 1,200 · …` */
export function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([entity, n]) => `${entity} ${count(n)}`)
    .join(" · ");
}
