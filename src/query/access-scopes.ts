/**
 * The scopes a site user may browse, as one SQL subquery: grants of BROWSE on a scope to the user, to a
 * group the user is in, or to anyone. Bitbucket adds the product's own rules: a grant on a project
 * covers its repositories, and a public repository is seen by everyone. Rows of a scoped entity are
 * visible when their `scope_key` is in this set; the set is computed inside the query, never loaded.
 */
import { sql, type RawBuilder } from "kysely";
import { BROWSE, type Viewer } from "../core/access.js";
import { entity, tableName, type Product } from "../core/entities/registry.js";
import type { QueryDialect } from "./dialect.js";

/** A site id or user name: a value (bound), or an SQL expression (e.g. a column of a mapping table). */
type Operand<T> = T | RawBuilder<unknown>;

/** `grants.principal…` matches the user (or anyone). */
function principalMatch(product: Product, siteId: Operand<number>, user: Operand<string> | null): RawBuilder<unknown> {
  const members = sql.table(tableName(entity(product, "group_members")));
  if (user === null) return sql`g.principal_type = 'anyone'`;
  return sql`(g.principal_type = 'anyone'
    OR (g.principal_type = 'user' AND g.principal_name = ${user})
    OR (g.principal_type = 'group' AND g.principal_name IN (SELECT m.group_name FROM ${members} AS m WHERE m.site_id = ${siteId} AND m.user_name = ${user})))`;
}

function grantedKeys(product: Product, scopeType: string, siteId: Operand<number>, user: Operand<string> | null): RawBuilder<unknown> {
  const grants = sql.table(tableName(entity(product, "grants")));
  return sql`SELECT g.scope_key FROM ${grants} AS g WHERE g.site_id = ${siteId} AND g.permission = ${BROWSE} AND g.scope_type = ${scopeType} AND ${principalMatch(product, siteId, user)}`;
}

/** The subquery of scope keys `viewer` may browse on `product`'s site `siteId`; undefined: everything. */
export function browsableScopes(product: Product, siteId: number, viewer: Viewer, dialect: QueryDialect): RawBuilder<unknown> | undefined {
  return viewer.all ? undefined : scopeKeysSql(product, siteId, viewer.user, dialect);
}

/**
 * The subquery of scope keys (column `scope_key`) the site user `user` may browse on `product`'s site
 * `siteId`; either may be an SQL expression (PostgreSQL's row-level security computes it per role).
 */
export function scopeKeysSql(product: Product, siteId: Operand<number>, user: Operand<string> | null, dialect: QueryDialect): RawBuilder<unknown> {
  switch (product) {
    case "jira":
      return grantedKeys(product, "PROJECT", siteId, user);
    case "confluence":
      return grantedKeys(product, "SPACE", siteId, user);
    case "bitbucket": {
      const repos = sql.table(tableName(entity("bitbucket", "repositories")));
      const id = dialect.asText(sql`r.repository_id`);
      return sql`${grantedKeys(product, "REPOSITORY", siteId, user)}
        UNION SELECT ${id} FROM ${repos} AS r WHERE r.site_id = ${siteId}
          AND (r.public = ${dialect.trueValue} OR r.project_key IN (${grantedKeys(product, "PROJECT", siteId, user)}))`;
    }
  }
}
