/**
 * What the query compiler needs of a store's SQL: a kysely compiler for its dialect (never connected:
 * queries are compiled here and run by the store's own driver, streaming) and the few expressions that
 * differ between stores. Each store adapter provides one (`store/<kind>/query-dialect.ts`).
 */
import { DummyDriver, Kysely, type DialectAdapter, type QueryCompiler, type RawBuilder, type SqlBool } from "kysely";
import type { Column, EntityDef } from "../core/entities/registry.js";

export interface QueryDialect {
  readonly name: "sqlite" | "postgres";
  /** Compiles SQL for this store (parameter style, quoting); never executes anything. */
  readonly db: Kysely<Record<string, never>>;
  /**
   * A stored column as read back, in the shape both stores share: numbers, booleans as 1/0, datetimes as
   * `YYYY-MM-DDTHH:MM:SSZ`, dates as `YYYY-MM-DD`, text — or UTF-8 bytes for `text` columns when asked.
   */
  read(column: Column, options: { textAsBytes: boolean }): RawBuilder<unknown>;
  /** A value bound for comparison with `column` (typed where the store wants it). */
  param(column: Column, value: unknown): RawBuilder<unknown>;
  /** `ref [NOT] IN (values)`, for lists of any length. */
  inList(ref: RawBuilder<unknown>, column: Column, values: readonly unknown[], negate: boolean): RawBuilder<SqlBool>;
  /** Case-insensitive `ref [NOT] LIKE pattern` (`%`, `_`; `\` escapes). */
  like(ref: RawBuilder<unknown>, pattern: string, negate: boolean): RawBuilder<SqlBool>;
  /** The entity's table; with `keyScan`, read along its key index whatever the planner would choose. */
  from(def: EntityDef, keyScan: boolean): RawBuilder<unknown>;
  /** An ORDER BY term sorting nulls as SQLite does (first when ascending). */
  orderTerm(ref: RawBuilder<unknown>, desc: boolean): RawBuilder<unknown>;
  /** The value of a boolean column that means true, as stored. */
  readonly trueValue: RawBuilder<unknown>;
  /** `expr` as text (for comparing ids with scope keys). */
  asText(expr: RawBuilder<unknown>): RawBuilder<unknown>;
}

/** A kysely instance that compiles for `adapter`/`compiler` and runs nothing. */
export function compilerOnly(adapter: () => DialectAdapter, compiler: () => QueryCompiler): Kysely<Record<string, never>> {
  return new Kysely({
    dialect: {
      createAdapter: adapter,
      createDriver: () => new DummyDriver(),
      createIntrospector: () => {
        throw new Error("the query compiler does not introspect");
      },
      createQueryCompiler: compiler,
    },
  });
}
