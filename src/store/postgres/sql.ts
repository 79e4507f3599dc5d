/**
 * User SQL on PostgreSQL. A statement passes the first wall (`sql-policy.ts`: PostgreSQL's own grammar,
 * one SELECT over the site's views with allowlisted functions), then runs behind the second: on a
 * connection of its own pool, in a `READ ONLY` transaction, as the viewer's reader role (`SET LOCAL
 * ROLE`, `sql-access.ts`: no write rights, row-level security for the viewer's scopes), with the site's
 * schema of views as the search path and `statement_timeout` as the deadline. The statement's columns
 * come from planning it under `LIMIT 0`; its rows from one `COPY (…) TO STDOUT` (a cursor is never
 * planned in parallel), encoded by the server (`sql-encode.ts`) and handed on as they come; a deadline
 * or a cancel mid-way stops the backend (`pg_cancel_backend`).
 */
import pg from "pg";
import type { Viewer } from "../../core/access.js";
import type { ErrorCode, SluiceError } from "../../core/errors.js";
import { sqlTableNames, type SqlColumn, type SqlRows, type SqlStatement } from "../../core/sql-catalog.js";
import { paramCountError, sqlError, sqlStopped } from "../../core/sql-errors.js";
import type { SqlLogin, SqlRepo, SqlSite } from "../port.js";
import { checkStatement, loadParser } from "./sql-policy.js";
import { encodeColumn, inlined, recordScanner, sqlTypeOfOid } from "./sql-encode.js";
import { to as copyTo } from "pg-copy-streams";
import { dropLogin, ensureRole, prepareSqlAccess, siteSchema, viewerRole } from "./sql-access.js";
import { quoteIdent } from "./schema.js";

/** The describing query starts with this; PostgreSQL's error positions are shifted by its length. */
const DESCRIBE_PREFIX = "SELECT * FROM (";

/** PostgreSQL error classes a user's statement causes (syntax, data, privileges, limits) → 4xx. */
function userError(error: unknown, sql: string, offsetOf: (innerOffset: number) => number, prefix: number, userSql: string): SluiceError | undefined {
  const e = error as { code?: string; message?: string; position?: string };
  if (typeof e.code !== "string" || !/^(42|22|21|2F|25|0A|54|53|57|P0|XX000)/.test(e.code)) return undefined;
  if (e.code === "57014") return undefined; // query_canceled: the caller decides (timeout or cancel)
  const code: ErrorCode = e.code === "42501" || e.code === "25006" ? "sluice.sql.refused" : e.code.startsWith("53") || e.code.startsWith("54") ? "sluice.sql.refused" : "sluice.sql.invalid";
  const inner = e.position ? Number(e.position) - 1 - prefix : undefined;
  const offset = inner !== undefined && inner >= 0 && inner <= Array.from(sql).length ? offsetOf(inner) : undefined;
  return sqlError(code, String(e.message ?? error), userSql, offset);
}

export function postgresSql(url: string, admin: pg.Pool, connections: number): SqlRepo {
  const pool = new pg.Pool({ connectionString: url, max: connections, application_name: "sluice-sql" });
  pool.on("error", () => undefined);
  let prepared: Promise<void> | undefined;
  let database: string | undefined;
  const known = new Set<string>();

  async function withAdmin<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await admin.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  function prepare(): Promise<void> {
    prepared ??= Promise.all([
      loadParser(),
      withAdmin(async (c) => {
        await prepareSqlAccess(c);
        database = (await c.query<{ d: string }>("SELECT current_database() AS d")).rows[0]!.d;
      }),
    ]).then(() => undefined);
    prepared.catch(() => (prepared = undefined));
    return prepared;
  }

  function siteRef(s: SqlStatement): SqlSite {
    return { siteId: s.siteId, siteKey: s.siteKey, product: s.product, instanceUrl: s.instanceUrl };
  }

  async function roleFor(s: SqlStatement, viewer: Viewer): Promise<string> {
    const role = viewerRole(database!, s.siteId, viewer);
    const key = `${role}|${s.instanceUrl}|${s.siteKey}`;
    if (!known.has(key)) {
      await withAdmin((c) => ensureRole(c, { role, site: siteRef(s), siteUser: viewer.all ? null : viewer.user, allRows: viewer.all, login: undefined }));
      known.add(key);
    }
    return role;
  }

  async function run(s: SqlStatement, viewer: Viewer, signal: AbortSignal): Promise<SqlRows> {
    await prepare();
    const verdict = checkStatement(s.sql, new Set(sqlTableNames(s.product)));
    if (!verdict.ok) throw sqlError(verdict.code!, verdict.message!, s.sql, verdict.offset);
    if (verdict.parameters !== s.params.length) throw paramCountError(verdict.parameters, s.params.length);
    const role = await roleFor(s, viewer);
    const inner = inlined(s.sql, verdict, s.params);
    const client = await pool.connect();
    let stopReason: "timeout" | "cancelled" | undefined;
    let running = false;
    let released = false;
    const cancelBackend = () => {
      if (running) void admin.query("SELECT pg_cancel_backend($1)", [(client as unknown as { processID: number }).processID]).catch(() => undefined);
    };
    const stop = (reason: "timeout" | "cancelled") => {
      stopReason ??= reason;
      cancelBackend();
    };
    // statement_timeout stops the statement in the engine; this timer covers the time around it.
    const timer = setTimeout(() => stop("timeout"), s.timeoutMs + 1000);
    const onAbort = () => stop("cancelled");
    signal.addEventListener("abort", onAbort);
    const finish = async (ok: boolean) => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      await client.query(ok ? "COMMIT" : "ROLLBACK").catch(() => undefined);
      client.release(ok ? undefined : true);
    };
    const failed = (error: unknown): Error => {
      const code = (error as { code?: string }).code;
      if (stopReason === "timeout" || (code === "57014" && stopReason === undefined)) return sqlStopped("timeout", s.timeoutMs);
      if (stopReason === "cancelled") return sqlStopped("cancelled", s.timeoutMs);
      return userError(error, inner.sql, (at) => inner.offsetOf(at), DESCRIBE_PREFIX.length, s.sql) ?? (error as Error);
    };

    let columns: SqlColumn[];
    let stream: AsyncIterable<Buffer>;
    let first: IteratorResult<Buffer>;
    const csv = s.format === "csv";
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await client.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
      await client.query(`SET LOCAL search_path = ${quoteIdent(siteSchema(s.siteKey))}`);
      await client.query("SET LOCAL TimeZone = 'UTC'");
      await client.query("SET LOCAL standard_conforming_strings = on");
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, s.timeoutMs)}`);
      running = true;
      // The statement's columns, without running it (LIMIT 0 plans it and stops at once).
      const described = await client.query({ text: `${DESCRIBE_PREFIX}${inner.sql}\n) AS q LIMIT 0`, rowMode: "array" });
      columns = described.fields.map((f) => ({ name: f.name, type: sqlTypeOfOid(f.dataTypeID) }));
      const exprs = described.fields.map((f, i) => encodeColumn(`c${i + 1}`, f.dataTypeID, csv));
      const aliases = described.fields.map((_, i) => `c${i + 1}`).join(", ");
      const select = csv ? exprs.join(", ") : `json_build_array(${exprs.join(", ")})::text`;
      // COPY runs the statement once, whole (so in parallel where the plan allows), and streams its rows.
      const options = csv ? "FORMAT csv" : "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'";
      const copy = `COPY (SELECT ${select} FROM (${inner.sql}\n) AS q(${aliases}) LIMIT ${s.maxRows + 1}) TO STDOUT (${options})`;
      stream = client.query(copyTo(copy));
      const iterator = stream[Symbol.asyncIterator]();
      first = await iterator.next();
      const rest = iterator;
      let rowCount = 0;
      let truncated = false;
      const scan = recordScanner(csv);

      async function* chunks(): AsyncGenerator<Buffer> {
        let ok = false;
        try {
          let next = first;
          while (!next.done) {
            if (truncated) {
              // LIMIT maxRows + 1: at most one record is left; read it to the end of COPY.
            } else {
              const cut = scan(next.value, s.maxRows - rowCount);
              rowCount += cut.records;
              if (cut.records > 0) yield cut.data;
              if (cut.full && (cut.more || rowCount === s.maxRows)) truncated = cut.more;
            }
            try {
              next = await rest.next();
            } catch (error) {
              throw failed(error);
            }
            if (rowCount === s.maxRows && !next.done && next.value.length > 0) truncated = true;
          }
          if (stopReason) throw failed(new Error(stopReason));
          ok = true;
        } finally {
          running = false;
          if (!ok) {
            // Left early (an error, or the reader went away): stop the COPY on the server.
            cancelBackend();
            (stream as unknown as { destroy?: () => void }).destroy?.();
          }
          await finish(ok);
        }
      }
      const encoded = chunks();
      async function* rows(): AsyncGenerator<unknown[][]> {
        if (csv) throw new Error("CSV answers are read as text");
        for await (const lines of encoded) yield lines.toString("utf8").slice(0, -1).split("\n").map((l) => JSON.parse(l) as unknown[]);
      }
      return { columns, batches: rows(), encoded: { kind: csv ? "csv" : "json", chunks: encoded }, summary: () => ({ rowCount, truncated }) };
    } catch (error) {
      running = false;
      await finish(false);
      throw failed(error);
    }
  }

  return {
    run,
    async grantLogin(login: SqlLogin, site: SqlSite, password: string) {
      await prepare();
      await withAdmin((c) => ensureRole(c, { role: login.role, site, siteUser: login.siteUser, allRows: false, login: { password } }));
    },
    async revokeLogin(role: string) {
      await prepare();
      return withAdmin((c) => dropLogin(c, role));
    },
    async listLogins() {
      await prepare();
      const r = await admin.query<{ role_name: string; site_id: string; site_user: string }>("SELECT role_name, site_id, site_user FROM sluice_sql.roles WHERE login ORDER BY role_name");
      return r.rows.map((x) => ({ role: x.role_name, siteId: Number(x.site_id), siteUser: x.site_user }));
    },
    async close() {
      await pool.end();
    },
  };
}
