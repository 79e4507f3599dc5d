/**
 * The first wall for user SQL on PostgreSQL: PostgreSQL's own grammar (libpg-query, the server's parser
 * compiled to WebAssembly, pinned to the store's major version) parses the statement, and the tree
 * must be exactly one SELECT that reads only the site's tables (or its own CTEs), by bare name, and
 * calls only allowlisted functions — no writes (also inside CTEs), no SELECT INTO, no FOR UPDATE, no
 * schema-qualified names. The second wall (a role that cannot write, a READ ONLY transaction, row-level
 * security) is in `sql.ts` and `sql-access.ts`. The walk is iterative: a statement 20,000 levels deep
 * cannot overflow the stack.
 */
import { loadModule, parseSync } from "libpg-query";
import { POSTGRES_FUNCTIONS } from "../../core/sql-functions.js";

export interface PolicyVerdict {
  ok: boolean;
  code?: "sluice.sql.invalid" | "sluice.sql.refused" | "sluice.sql.params.invalid";
  message?: string;
  /** 0-based offset in code points, when the problem has a place. */
  offset?: number;
  /** The highest `$n` the statement uses. */
  parameters: number;
  /** Each `$n` and its UTF-8 byte offset (where a value is written in when the statement is inlined). */
  paramRefs?: { number: number; location: number }[];
  /** The statement itself (UTF-8 byte range), without a final `;` or what follows it. */
  span?: { start: number; length: number };
}

const FUNCTIONS = new Set(POSTGRES_FUNCTIONS);
const WRITES = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);

let loaded: Promise<void> | undefined;

export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

type Node = Record<string, unknown>;

function* nodes(root: unknown): Generator<Node> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      for (let i = n.length - 1; i >= 0; i--) stack.push(n[i]);
      continue;
    }
    if (!n || typeof n !== "object") continue;
    yield n as Node;
    for (const v of Object.values(n)) if (v && typeof v === "object") stack.push(v);
  }
}

const sval = (n: unknown): string => {
  const s = (n as { String?: { sval?: string; str?: string } }).String;
  return s?.sval ?? s?.str ?? "?";
};

/** Byte offset (PostgreSQL's `location`) to an offset in code points. */
function charOffset(sql: string, byteOffset: number | undefined): number | undefined {
  if (byteOffset === undefined || byteOffset < 0) return undefined;
  return Array.from(Buffer.from(sql, "utf8").subarray(0, byteOffset).toString("utf8")).length;
}

const refuse = (message: string, offset?: number, code: PolicyVerdict["code"] = "sluice.sql.refused"): PolicyVerdict => ({
  ok: false,
  code,
  message,
  ...(offset !== undefined ? { offset } : {}),
  parameters: 0,
});

/** Whether `sql` may run on a site whose tables are `tables` (lower-case names). */
export function checkStatement(sql: string, tables: ReadonlySet<string>): PolicyVerdict {
  let tree: { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (error) {
    const e = error as { message?: string; sqlDetails?: { cursorPosition?: number } };
    if (e instanceof RangeError) return refuse("The statement is nested too deeply to check.", undefined, "sluice.sql.invalid");
    const cursor = e.sqlDetails?.cursorPosition;
    const message = String(e.message ?? error);
    return refuse(message.charAt(0).toUpperCase() + message.slice(1), cursor !== undefined && cursor >= 0 ? cursor : undefined, "sluice.sql.invalid");
  }
  const statements = tree.stmts ?? [];
  if (statements.length === 0) return refuse("The statement is empty: send one SELECT.", undefined, "sluice.sql.invalid");
  if (statements.length > 1) return refuse("Only one statement is allowed: remove what follows the first `;`.");
  const stmt = statements[0]!.stmt;
  const kind = Object.keys(stmt)[0] ?? "?";
  if (kind !== "SelectStmt") return refuse(`Only SELECT is allowed, not ${kindName(kind)}.`);

  const ctes = new Set<string>();
  for (const n of nodes(stmt)) {
    const cte = n.CommonTableExpr as { ctename?: string } | undefined;
    if (cte?.ctename) ctes.add(cte.ctename.toLowerCase());
  }
  let parameters = 0;
  const paramRefs: { number: number; location: number }[] = [];
  for (const n of nodes(stmt)) {
    const key = Object.keys(n)[0] ?? "";
    if (WRITES.has(key)) return refuse(`Only SELECT is allowed: ${kindName(key)} inside a statement changes the database.`);
    const select = n.SelectStmt as { intoClause?: unknown; lockingClause?: unknown } | undefined;
    if (select?.intoClause) return refuse("Only SELECT is allowed: SELECT INTO creates a table.");
    if (select?.lockingClause) return refuse("Only SELECT is allowed: FOR UPDATE/SHARE locks rows.");
    const range = n.RangeVar as { schemaname?: string; catalogname?: string; relname?: string; location?: number } | undefined;
    if (range) {
      const name = (range.relname ?? "").toLowerCase();
      const at = charOffset(sql, range.location);
      if (range.schemaname || range.catalogname) return refuse(`Tables are named without a schema: write ${range.relname} instead of ${range.schemaname ?? range.catalogname}.${range.relname}.`, at, "sluice.sql.invalid");
      if (!tables.has(name) && !ctes.has(name)) return refuse(`no such table: ${range.relname}`.replace(/^n/, "N"), at, "sluice.sql.invalid");
    }
    const call = n.FuncCall as { funcname?: unknown[]; location?: number } | undefined;
    if (call) {
      const parts = (call.funcname ?? []).map(sval);
      const name = (parts[parts.length - 1] ?? "").toLowerCase();
      const schemaOk = parts.length === 1 || (parts.length === 2 && parts[0] === "pg_catalog");
      if (!schemaOk || !FUNCTIONS.has(name)) return refuse(`The function ${parts.join(".")}() is not available in Sluice SQL.`, charOffset(sql, call.location));
    }
    const param = n.ParamRef as { number?: number; location?: number } | undefined;
    if (param?.number) {
      parameters = Math.max(parameters, param.number);
      paramRefs.push({ number: param.number, location: param.location ?? -1 });
    }
  }
  const start = statements[0]!.stmt_location ?? 0;
  const length = statements[0]!.stmt_len || Buffer.byteLength(sql, "utf8") - start;
  return { ok: true, parameters, paramRefs, span: { start, length } };
}

function kindName(kind: string): string {
  const words = kind.replace(/Stmt$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
  return words || kind;
}
