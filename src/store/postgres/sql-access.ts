/**
 * What a PostgreSQL role running user SQL may see (the second wall; `sql-policy.ts` is the first):
 *
 * - per site a schema of views `site_<key>` shaped like the export files (src/core/sql-catalog.ts),
 *   `security_invoker`, so the reader's own rights and row-level security apply through them;
 * - row-level security on every entity table: a reader sees the rows of its one site, and of a scoped
 *   entity only the scopes its site user may browse — computed live from the site's grants by
 *   `sluice_sql.scopes(role)` (the same rules as the query layer, `query/access-scopes.ts`), so a
 *   changed grant applies to the next statement. RLS is forced: the store's own role (the tables'
 *   owner, and the role Sluice connects as) has a policy of its own, `USING (true)`, which PostgreSQL
 *   drops from its plans — exports and syncs keep theirs;
 * - readers are members of `sluice_sql_reader` (scoped) or `sluice_sql_all_reader` (a sysadmin's: all
 *   rows of one site, one comparison per row), which may SELECT the entity tables (under the policies)
 *   and nothing else of Sluice's: tokens, accounts, jobs, settings and grants stay out of reach.
 *
 * A role is mapped to (site, site user | all rows) in `sluice_sql.roles`: NOLOGIN roles the server
 * itself switches to (`SET LOCAL ROLE`) for API statements, one per site and viewer, and LOGIN roles
 * made by `sluice sql grant` for psql, pandas or BI tools.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { sql as ksql } from "kysely";
import type { Viewer } from "../../core/access.js";
import { ALL_ENTITIES, tableName, type Product } from "../../core/entities/registry.js";
import { sqlLiteral, sqlTables, viewSelect } from "../../core/sql-catalog.js";
import { scopeKeysSql } from "../../query/access-scopes.js";
import type { SqlSite } from "../port.js";
import { postgresDialect } from "./query-dialect.js";
import { quoteIdent } from "./schema.js";

export const READER_GROUP = "sluice_sql_reader";
/** Readers that see every row of their site (a sysadmin's): one cheap policy, no scope check per row. */
export const ALL_READER_GROUP = "sluice_sql_all_reader";
const LOCK_NAMESPACE = 0x51c3;


/** The schema of a site's views: `site_<key>` (`site_root` for a site mounted at `/`). */
export function siteSchema(siteKey: string): string {
  const key = siteKey.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return `site_${key || "root"}`;
}

/** The NOLOGIN role the server uses for a viewer's statements on a site of this database. */
export function viewerRole(database: string, siteId: number, viewer: Viewer): string {
  const who = viewer.all ? "*all*" : `user:${viewer.user ?? ""}`;
  return `sluice_q_${createHash("sha256").update(`${database}\u0000${siteId}\u0000${who}`).digest("hex").slice(0, 24)}`;
}

/** `SELECT array_agg(scope_key)` of what the site user `user` may browse on `product`'s site `site`. */
function scopesBody(product: Product): string {
  const compiled = ksql`SELECT array_agg(DISTINCT k.scope_key) FROM (${scopeKeysSql(product, ksql`mapping.site_id`, ksql`mapping.site_user`, postgresDialect)}) AS k`.compile(postgresDialect.db);
  // The few constants (permission, scope types) come as parameters: inline them as literals.
  return compiled.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const v = compiled.parameters[Number(n) - 1];
    return typeof v === "number" ? String(v) : sqlLiteral(String(v));
  });
}

async function advisory<T>(client: pg.ClientBase, key: number, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_NAMESPACE, key]);
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function roleExists(client: pg.ClientBase, role: string): Promise<boolean> {
  return (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount === 1;
}

/** The functions, policies and grants (idempotent; once per process, under a lock). */
export async function prepareSqlAccess(client: pg.ClientBase): Promise<void> {
  await advisory(client, 1, async () => {
    const schema = (await client.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
    for (const group of [READER_GROUP, ALL_READER_GROUP]) if (!(await roleExists(client, group))) await client.query(`CREATE ROLE ${group} NOLOGIN`);
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS sluice_sql;
      REVOKE ALL ON SCHEMA sluice_sql FROM PUBLIC;
      CREATE TABLE IF NOT EXISTS sluice_sql.roles (
        role_name TEXT PRIMARY KEY,
        site_id BIGINT NOT NULL,
        product TEXT NOT NULL,
        site_user TEXT,
        all_rows BOOLEAN NOT NULL,
        login BOOLEAN NOT NULL
      );
      CREATE TABLE IF NOT EXISTS sluice_sql.site_views (site_id BIGINT PRIMARY KEY, signature TEXT NOT NULL);
      REVOKE ALL ON ALL TABLES IN SCHEMA sluice_sql FROM PUBLIC;
      GRANT USAGE ON SCHEMA sluice_sql TO ${READER_GROUP}, ${ALL_READER_GROUP};`);
    const path = `SET search_path = ${quoteIdent(schema)}, pg_temp`;
    // Only a session that may act as `r` learns about `r` (a login role about itself; the server about its readers).
    const mine = `pg_has_role(session_user, r, 'MEMBER')`;
    await client.query(`
      CREATE OR REPLACE FUNCTION sluice_sql.site_of(r name) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER ${path} AS
        $$ SELECT site_id FROM sluice_sql.roles WHERE role_name = r AND ${mine} $$;
      CREATE OR REPLACE FUNCTION sluice_sql.sees_all(r name) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER ${path} AS
        $$ SELECT coalesce((SELECT all_rows FROM sluice_sql.roles WHERE role_name = r AND ${mine}), false) $$;
      CREATE OR REPLACE FUNCTION sluice_sql.scopes(r name) RETURNS text[] LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER ${path} AS $$
        DECLARE mapping record; keys text[];
        BEGIN
          IF NOT ${mine} THEN RETURN '{}'; END IF;
          SELECT * INTO mapping FROM sluice_sql.roles WHERE role_name = r;
          IF NOT FOUND OR mapping.all_rows THEN RETURN '{}'; END IF;
          ${(["jira", "confluence", "bitbucket"] as const).map((p, i) => `${i === 0 ? "IF" : "ELSIF"} mapping.product = '${p}' THEN ${scopesBody(p)} INTO keys;`).join("\n          ")}
          END IF;
          RETURN coalesce(keys, '{}');
        END $$;
      REVOKE ALL ON FUNCTION sluice_sql.site_of(name), sluice_sql.sees_all(name), sluice_sql.scopes(name) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION sluice_sql.site_of(name), sluice_sql.sees_all(name), sluice_sql.scopes(name) TO ${READER_GROUP}, ${ALL_READER_GROUP};`);
    const site = "site_id = (SELECT sluice_sql.site_of(current_user))";
    const me = (await client.query<{ u: string }>("SELECT current_user AS u")).rows[0]!;
    for (const def of ALL_ENTITIES) {
      // Access and attachment tables are no SQL views' (core/sql-catalog.ts): readers get no grant on them.
      if (def.kind) continue;
      const table = quoteIdent(tableName(def));
      const using = def.scope
        ? `${site} AND scope_key = ANY ((SELECT sluice_sql.scopes(current_user))::text[])`
        : site;
      const owner = (await client.query<{ o: string }>("SELECT tableowner AS o FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [schema, tableName(def)])).rows[0]?.o;
      const store = [...new Set([owner, me.u].filter((r): r is string => r !== undefined))].map(quoteIdent).join(", ");
      await client.query(`
        GRANT SELECT ON ${table} TO ${READER_GROUP}, ${ALL_READER_GROUP};
        ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS sluice_store ON ${table};
        CREATE POLICY sluice_store ON ${table} FOR ALL TO ${store} USING (true) WITH CHECK (true);
        DROP POLICY IF EXISTS sluice_sql_reader ON ${table};
        CREATE POLICY sluice_sql_reader ON ${table} FOR SELECT TO ${READER_GROUP} USING (${using});
        DROP POLICY IF EXISTS sluice_sql_all_reader ON ${table};
        CREATE POLICY sluice_sql_all_reader ON ${table} FOR SELECT TO ${ALL_READER_GROUP} USING (${site});`);
    }
  });
}

export type SiteRef = SqlSite;

/** The DDL of a site's schema of views. */
function siteViewsDdl(site: SiteRef, storeSchema: string): string[] {
  const schema = quoteIdent(siteSchema(site.siteKey));
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${schema}`, `REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`];
  for (const t of sqlTables(site.product)) {
    const name = `${schema}.${quoteIdent(t.name)}`;
    if (!t.entity) {
      // Discovery only: no secrets in it, read with the view owner's rights.
      statements.push(`CREATE VIEW ${name} AS SELECT site_key, product, base_url, context_path FROM ${quoteIdent(storeSchema)}.sites`);
      continue;
    }
    const from = `${quoteIdent(storeSchema)}.${quoteIdent(tableName(t.entity))}`;
    statements.push(`CREATE VIEW ${name} WITH (security_invoker = true) AS ${viewSelect(t.entity, site.siteId, site.instanceUrl, from)}`);
  }
  return statements;
}

/** Creates (or brings up to date) a site's schema of views and its readers' grants. */
export async function ensureSiteViews(client: pg.ClientBase, site: SiteRef): Promise<string> {
  const schemaName = siteSchema(site.siteKey);
  const storeSchema = (await client.query<{ s: string }>("SELECT current_schema() AS s")).rows[0]!.s;
  const ddl = siteViewsDdl(site, storeSchema);
  const signature = createHash("sha256").update(ddl.join(";\n")).digest("hex");
  const current = await client.query<{ signature: string }>("SELECT signature FROM sluice_sql.site_views WHERE site_id = $1", [site.siteId]);
  if (current.rows[0]?.signature === signature) return schemaName;
  await advisory(client, 2, async () => {
    const again = await client.query<{ signature: string }>("SELECT signature FROM sluice_sql.site_views WHERE site_id = $1", [site.siteId]);
    if (again.rows[0]?.signature === signature) return;
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schemaName)} CASCADE`);
    for (const statement of ddl) await client.query(statement);
    const roles = await client.query<{ role_name: string }>("SELECT role_name FROM sluice_sql.roles WHERE site_id = $1", [site.siteId]);
    for (const r of roles.rows) if (await roleExists(client, r.role_name)) await grantSite(client, r.role_name, schemaName);
    await client.query(
      "INSERT INTO sluice_sql.site_views (site_id, signature) VALUES ($1, $2) ON CONFLICT (site_id) DO UPDATE SET signature = EXCLUDED.signature",
      [site.siteId, signature],
    );
  });
  return schemaName;
}

async function grantSite(client: pg.ClientBase, role: string, schemaName: string): Promise<void> {
  const r = quoteIdent(role);
  const s = quoteIdent(schemaName);
  await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}; GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
}

export interface RoleMapping {
  role: string;
  site: SiteRef;
  siteUser: string | null;
  allRows: boolean;
  login: { password: string } | undefined;
}

/** Creates or updates a reader role and its mapping; the server's session may switch to it. */
export async function ensureRole(client: pg.ClientBase, m: RoleMapping): Promise<void> {
  const schemaName = await ensureSiteViews(client, m.site);
  await advisory(client, 3, async () => {
    const r = quoteIdent(m.role);
    const group = m.allRows ? ALL_READER_GROUP : READER_GROUP;
    if (!(await roleExists(client, m.role))) await client.query(`CREATE ROLE ${r} ${m.login ? "LOGIN" : "NOLOGIN"} IN ROLE ${group}`);
    else await client.query(`GRANT ${group} TO ${r}`);
    await client.query(`REVOKE ${group === READER_GROUP ? ALL_READER_GROUP : READER_GROUP} FROM ${r}`);
    if (m.login) {
      await client.query(`ALTER ROLE ${r} LOGIN PASSWORD ${sqlLiteral(m.login.password)}`);
      await client.query(`ALTER ROLE ${r} SET search_path = ${quoteIdent(schemaName)}`);
    }
    const me = (await client.query<{ u: string; su: boolean }>("SELECT current_user AS u, rolsuper AS su FROM pg_roles WHERE rolname = current_user")).rows[0]!;
    if (!me.su) await client.query(`GRANT ${r} TO ${quoteIdent(me.u)}`);
    await client.query(
      `INSERT INTO sluice_sql.roles (role_name, site_id, product, site_user, all_rows, login) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (role_name) DO UPDATE SET site_id = EXCLUDED.site_id, product = EXCLUDED.product, site_user = EXCLUDED.site_user,
         all_rows = EXCLUDED.all_rows, login = EXCLUDED.login`,
      [m.role, m.site.siteId, m.site.product, m.siteUser, m.allRows, m.login !== undefined],
    );
    const other = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%' AND nspname <> $1", [schemaName]);
    for (const o of other.rows) await client.query(`REVOKE ALL ON SCHEMA ${quoteIdent(o.nspname)} FROM ${r}`);
    await grantSite(client, m.role, schemaName);
  });
}

/** Drops a login role made by `sluice sql grant` (false: there was none). */
export async function dropLogin(client: pg.ClientBase, role: string): Promise<boolean> {
  return advisory(client, 3, async () => {
    const mapped = await client.query("DELETE FROM sluice_sql.roles WHERE role_name = $1 AND login", [role]);
    if (mapped.rowCount === 0) return false;
    if (await roleExists(client, role)) {
      const r = quoteIdent(role);
      await client.query(`DROP OWNED BY ${r}`);
      await client.query(`DROP ROLE ${r}`);
    }
    return true;
  });
}
