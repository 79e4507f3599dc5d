/** How the query compiler writes SQL for SQLite (src/query/dialect.ts). */
import { SqliteAdapter, SqliteQueryCompiler, sql, type RawBuilder, type SqlBool } from "kysely";
import { tableName, type Column, type EntityDef } from "../../core/entities/registry.js";
import { compilerOnly, type QueryDialect } from "../../query/dialect.js";

/** Converts a value for comparison with a column as SQLite stores it (booleans as 1/0). */
function bound(column: Column, value: unknown): unknown {
  if (column.type === "boolean" && typeof value === "boolean") return value ? 1 : 0;
  return value;
}

export const sqliteDialect: QueryDialect = {
  name: "sqlite",
  db: compilerOnly(() => new SqliteAdapter(), () => new SqliteQueryCompiler()),
  read(column, { textAsBytes }) {
    // Long text can come back as UTF-8 bytes: the CSV writer copies it without decoding (hot path).
    return textAsBytes && column.type === "text" ? sql`CAST(${sql.id(column.name)} AS BLOB)` : sql.id(column.name);
  },
  param(column, value) {
    return sql.val(bound(column, value));
  },
  inList(ref, column, values, negate) {
    // One JSON parameter, whatever the length (SQLite allows at most 32,766 parameters per statement).
    const list = JSON.stringify(values.map((v) => bound(column, v)));
    return sql<SqlBool>`${ref} ${sql.raw(negate ? "NOT IN" : "IN")} (SELECT value FROM json_each(${list}))`;
  },
  like(ref, pattern, negate) {
    return sql<SqlBool>`${ref} ${sql.raw(negate ? "NOT LIKE" : "LIKE")} ${pattern} ESCAPE '\\'`;
  },
  from(def: EntityDef, keyScan: boolean): RawBuilder<unknown> {
    const table = tableName(def);
    // Naming the key index makes SQLite walk it instead of sorting: constant memory for any row count.
    return keyScan ? sql`${sql.table(table)} INDEXED BY ${sql.id(`${table}_key`)}` : sql.table(table);
  },
  orderTerm(ref, desc) {
    return desc ? sql`${ref} DESC` : ref;
  },
  trueValue: sql.lit(1),
  asText(expr) {
    return sql`CAST(${expr} AS TEXT)`;
  },
};
