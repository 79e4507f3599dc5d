/**
 * How the query compiler writes SQL for PostgreSQL (src/query/dialect.ts). Values come back in the same
 * shapes as from SQLite (booleans as 1/0, datetimes as `YYYY-MM-DDTHH:MM:SSZ`), parameters are cast to
 * the column's type, and nulls sort first in ascending order as on SQLite.
 */
import { PostgresAdapter, PostgresQueryCompiler, sql, type SqlBool } from "kysely";
import { tableName, type Column } from "../../core/entities/registry.js";
import { compilerOnly, type QueryDialect } from "../../query/dialect.js";
import { arrayType } from "./schema.js";

/** The SELECT expression giving a column's value in the store-neutral shape. */
export function readExpr(column: Column): string {
  const q = `"${column.name.replace(/"/g, '""')}"`;
  switch (column.type) {
    case "boolean":
      return `${q}::int`;
    case "datetime":
      return `to_char(${q} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
    case "date":
      return `to_char(${q}, 'YYYY-MM-DD')`;
    default:
      return q;
  }
}

const scalarType = (column: Column): string => arrayType(column).slice(0, -2);

export const postgresDialect: QueryDialect = {
  name: "postgres",
  db: compilerOnly(() => new PostgresAdapter(), () => new PostgresQueryCompiler()),
  read(column) {
    return sql.raw(readExpr(column));
  },
  param(column, value) {
    return sql`${value}::${sql.raw(scalarType(column))}`;
  },
  inList(ref, column, values, negate) {
    const list = sql`${[...values]}::${sql.raw(arrayType(column))}`;
    return negate ? sql<SqlBool>`${ref} <> ALL(${list})` : sql<SqlBool>`${ref} = ANY(${list})`;
  },
  like(ref, pattern, negate) {
    return sql<SqlBool>`${ref}::text ${sql.raw(negate ? "NOT ILIKE" : "ILIKE")} ${pattern} ESCAPE '\\'`;
  },
  from(def) {
    return sql.table(tableName(def));
  },
  orderTerm(ref, desc) {
    return desc ? sql`${ref} DESC NULLS LAST` : sql`${ref} NULLS FIRST`;
  },
  trueValue: sql`true`,
  asText(expr) {
    return sql`${expr}::text`;
  },
};
