/**
 * The entity registry: the single source of truth for every entity. Store DDL, CSV headers, API
 * schemas, backup parts and SQL tables are all derived from these declarations.
 */
import { bitbucketEntities } from "./bitbucket.js";
import { confluenceAttachments, confluenceEntities } from "./confluence.js";
import { jiraAttachments, jiraEntities } from "./jira.js";
import type { Column, EntityDef, Product, ProductSchemas, ScopeKind } from "./types.js";

export * from "./types.js";

/** The data entities: one export file (and one table) each. */
export const ENTITIES: readonly EntityDef[] = [...jiraEntities, ...confluenceEntities, ...bitbucketEntities];

/**
 * Who may see what on a site, as the products model it: groups, group memberships, and browse grants on
 * scopes (a Jira project, a Confluence space, a Bitbucket project or repository) to a user, a group or
 * anyone. Kept per product beside its users; never an export file (no schema version has them).
 */
function accessEntities(product: Product): EntityDef[] {
  const text = (name: string): Column => ({ name, type: "string" });
  return [
    { product, kind: "access", name: "groups", schemas: [], key: ["group_name"], columns: [text("group_name")] },
    { product, kind: "access", name: "group_members", schemas: [], key: ["group_name", "user_name"], columns: [text("group_name"), text("user_name")] },
    {
      product,
      kind: "access",
      name: "grants",
      schemas: [],
      key: ["scope_type", "scope_key", "principal_type", "principal_name"],
      // scope_type SPACE|PROJECT|REPOSITORY; scope_key as rows hold it (space key, project key, repository
      // id); principal_type user|group|anyone (principal_name '' for anyone); permission BROWSE.
      columns: [text("scope_type"), text("scope_key"), text("principal_type"), text("principal_name"), text("permission")],
    },
  ];
}

export const ACCESS_ENTITIES: readonly EntityDef[] = (["jira", "confluence", "bitbucket"] as const).flatMap(accessEntities);

/**
 * Files attached to Jira issues and Confluence pages (kind `attachment`): one entity per product that
 * has them, its bytes kept beside the store (`src/attachments/`). Backed up, never an export file.
 */
export const ATTACHMENT_ENTITIES: readonly EntityDef[] = [jiraAttachments, confluenceAttachments];

/** Every table the registry declares: data entities, then access entities, then attachments. */
export const ALL_ENTITIES: readonly EntityDef[] = [...ENTITIES, ...ACCESS_ENTITIES, ...ATTACHMENT_ENTITIES];

const SCHEMAS: Record<Product, ProductSchemas> = {
  jira: {
    current: 2,
    versions: [
      { version: 2, status: "ACTIVE" },
      { version: 1, status: "DEPRECATED" },
    ],
  },
  confluence: { current: 1, versions: [{ version: 1, status: "ACTIVE" }] },
  bitbucket: { current: 1, versions: [{ version: 1, status: "ACTIVE" }] },
};

/** The opt-out kind each product understands. */
export const PRODUCT_SCOPE: Record<Product, ScopeKind> = {
  jira: "PROJECT",
  confluence: "SPACE",
  bitbucket: "REPOSITORY",
};

export function productSchemas(product: Product): ProductSchemas {
  return SCHEMAS[product];
}

export function isSupportedSchema(product: Product, version: number): boolean {
  return SCHEMAS[product].versions.some((v) => v.version === version);
}

export function schemaStatus(product: Product, version: number): "ACTIVE" | "DEPRECATED" {
  return SCHEMAS[product].versions.find((v) => v.version === version)?.status ?? "DEPRECATED";
}

/** The access entities of a product (`groups`, `group_members`, `grants`). */
export function accessEntitiesOf(product: Product): EntityDef[] {
  return ACCESS_ENTITIES.filter((e) => e.product === product);
}

/** The attachments entity of a product (`attachments`), or undefined when the product has none (Bitbucket). */
export function attachmentEntityOf(product: Product): EntityDef | undefined {
  return ATTACHMENT_ENTITIES.find((e) => e.product === product);
}

/** Data entities of a product, in file order. */
export function entitiesOf(product: Product): EntityDef[] {
  return ENTITIES.filter((e) => e.product === product);
}

/** The files of one export: the product's entities present in the schema version. */
export function entitiesForExport(product: Product, schemaVersion: number): EntityDef[] {
  return entitiesOf(product).filter((e) => e.schemas.includes(schemaVersion));
}

export function entity(product: Product, name: string): EntityDef {
  const found = ALL_ENTITIES.find((e) => e.product === product && e.name === name);
  if (!found) throw new Error(`No entity ${product}.${name} in the registry`);
  return found;
}

/** The entities whose rows belong to rows of `parent` (`EntityDef.parents`), with the column holding its key. */
export function childrenOf(parent: EntityDef): { def: EntityDef; column: string }[] {
  return ALL_ENTITIES.filter((e) => e.product === parent.product).flatMap((e) => (e.parents ?? []).filter((p) => p.entity === parent.name).map((p) => ({ def: e, column: p.column })));
}

/** Columns written to the file, in contract order. */
export function exportColumns(def: EntityDef, schemaVersion: number): Column[] {
  return def.columns.filter((c) => !c.hidden && (!c.schemas || c.schemas.includes(schemaVersion)));
}

/** The hidden column holding a row's opt-out scope (space key, project key or repository id). */
export const SCOPE_COLUMN: Column = { name: "scope_key", type: "string", hidden: true };

/**
 * Columns kept in the store, in declaration order, then `scope_key` for scoped entities.
 * `instance` columns are not stored: they come from the site.
 */
export function storedColumns(def: EntityDef): Column[] {
  const cols = def.columns.filter((c) => c.type !== "instance");
  return def.scope ? [...cols, SCOPE_COLUMN] : cols;
}

/** Store table name: `<product>_<entity>`. */
export function tableName(def: EntityDef): string {
  return `${def.product}_${def.name}`;
}
