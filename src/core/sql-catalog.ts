/**
 * What SQL sees: per site, one table per export entity of its product, named and shaped like the
 * export files (the export's column names in file order; absolute URLs, the instance URL, booleans,
 * ISO dates, JSON lists with an empty list as NULL), plus `sites`. Everything is derived from the
 * entity registry, so a column added there appears in SQL with no other change. Each store turns a
 * `SqlTable` into a view (`viewSelect`): SQLite temp views on the query's read-only connection,
 * PostgreSQL a schema of views per site (`site_<key>`).
 */
import { entitiesForExport, exportColumns, productSchemas, storedColumns, tableName, type Column, type EntityDef, type Product } from "./entities/registry.js";

/** The types a result column is reported with (the API's `columns[].type`). */
export type SqlType = "text" | "integer" | "decimal" | "boolean" | "datetime" | "date";

export interface SqlColumn {
  name: string;
  type: SqlType;
}

export interface SqlTable {
  /** The table's name in SQL: the export file's prefix (`pages`), or `sites`. */
  name: string;
  columns: SqlColumn[];
  /** The entity behind it; absent for `sites`. */
  entity?: EntityDef;
}

/** The store-neutral SQL type of a registry column. */
export function sqlTypeOf(column: Column): SqlType {
  switch (column.type) {
    case "integer":
      return "integer";
    case "decimal":
      return "decimal";
    case "boolean":
      return "boolean";
    case "datetime":
      return "datetime";
    case "date":
      return "date";
    default:
      return "text";
  }
}

export const SITES_TABLE: SqlTable = {
  name: "sites",
  columns: [
    { name: "site_key", type: "text" },
    { name: "product", type: "text" },
    { name: "base_url", type: "text" },
    { name: "context_path", type: "text" },
  ],
};

/** The SQL tables of a product's site, in export file order, then `sites`. */
export function sqlTables(product: Product): SqlTable[] {
  const version = productSchemas(product).current;
  const tables = entitiesForExport(product, version).map((def) => ({
    name: def.name,
    entity: def,
    columns: exportColumns(def, version).map((c) => ({ name: c.name, type: sqlTypeOf(c) })),
  }));
  return [...tables, SITES_TABLE];
}

/** Every name a user statement may read on a product's site (lower case). */
export function sqlTableNames(product: Product): string[] {
  return sqlTables(product).map((t) => t.name);
}

/** The registry column behind a store table's column, for result types (`<product>_<entity>`, name). */
export function storedColumn(product: Product, table: string, column: string): Column | undefined {
  const def = sqlTables(product).find((t) => t.entity && tableName(t.entity) === table)?.entity;
  return def ? storedColumns(def).find((c) => c.name === column) : undefined;
}

/** An SQL name, quoted (both stores quote as standard SQL does). */
export function sqlName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** An SQL string literal (standard quoting: both stores, `standard_conforming_strings` on PostgreSQL). */
export function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A stored column as SQL shows it: the instance URL, absolute URLs, an empty JSON list as NULL. */
function shownValue(column: Column, ref: string, instanceUrl: string): string {
  switch (column.type) {
    case "instance":
      return sqlLiteral(instanceUrl);
    case "url":
      return `${sqlLiteral(instanceUrl)} || ${ref}`;
    case "json":
      return `NULLIF(${ref}, '[]')`;
    default:
      return ref;
  }
}

/**
 * `SELECT <export-shaped columns> FROM <from> WHERE site_id = <id>` for one entity of one site, in the
 * SQL both stores read alike.
 */
export function viewSelect(def: EntityDef, siteId: number, instanceUrl: string, from: string): string {
  const columns = exportColumns(def, productSchemas(def.product).current).map((c) => `${shownValue(c, sqlName(c.name), instanceUrl)} AS ${sqlName(c.name)}`);
  return `SELECT ${columns.join(", ")} FROM ${from} WHERE site_id = ${siteId}`;
}

/** A parameter value of a user statement (`$1`, `$2`, …). */
export type SqlParam = string | number | boolean | null;

/** One user statement to run on a site, with the limits already settled by the caller. */
export interface SqlStatement {
  siteId: number;
  product: Product;
  instanceUrl: string;
  /** The site key, for the PostgreSQL schema of views (`site_<key>`). */
  siteKey: string;
  sql: string;
  params: readonly SqlParam[];
  maxRows: number;
  timeoutMs: number;
  /** What the answer will be written as: a store may then hand out pre-encoded text (`SqlRows.encoded`). */
  format?: "json" | "ndjson" | "csv" | "rows";
}

/** The rows of a running statement: column names and types first, then batches as they come. */
export interface SqlRows {
  columns: SqlColumn[];
  /** The rows as values. A consumer reads either these or `encoded`, never both. */
  batches: AsyncIterable<unknown[][]>;
  /**
   * The rows already encoded by the store, when it can (PostgreSQL): `json` one JSON array per row,
   * each ending in a line feed; `csv` RFC 4180 records ending in CRLF (no header).
   */
  encoded?: { kind: "json" | "csv"; chunks: AsyncIterable<string | Buffer> };
  /** After the batches end: how many rows were sent and whether more were cut off by `maxRows`. */
  summary(): { rowCount: number; truncated: boolean };
}
