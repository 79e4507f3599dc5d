/**
 * SQL over a site's data through `POST <site>/rest/sql/v1/query`, on SQLite and PostgreSQL: the answer's
 * shape in each format; every refused kind of statement a 400 with its key and a plain message, and the
 * store unchanged afterwards; errors naming the unknown table or column and the syntax position; a
 * runaway statement stopped by its deadline while `/ping` keeps answering; a request lowering its limits
 * but never raising them; and a person who may browse one space seeing none of the others' rows through
 * joins, subqueries, CTEs, UNION and window functions, while a sysadmin sees them all.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { storedColumns, entity } from "../src/core/entities/registry.js";
import { issueToken } from "../src/access/tokens.js";
import { csvField } from "../src/sql/result-stream.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  error?: { key: string; message: string };
}

/** Statements refused on both stores, with the key each must answer with. */
const REFUSED: [string, string, RegExp][] = [
  ["DELETE FROM pages", "sluice.sql.", /SELECT|modify|view/i],
  ["UPDATE pages SET page_title = 'x'", "sluice.sql.", /SELECT|modify|view/i],
  ["INSERT INTO pages (page_id) VALUES (1)", "sluice.sql.", /SELECT|modify|view/i],
  ["DROP TABLE pages", "sluice.sql.refused", /SELECT/],
  ["CREATE TABLE x (a int)", "sluice.sql.refused", /SELECT/],
  ["SELECT 1; SELECT 2", "sluice.sql.refused", /one statement/],
  ["SELECT * FROM pages; DELETE FROM pages", "sluice.sql.refused", /one statement/],
  ["SELECT * FROM tokens", "sluice.sql.invalid", /tokens/],
  ["SELECT * FROM jobs", "sluice.sql.invalid", /jobs/],
  ["SELECT * FROM settings", "sluice.sql.invalid", /settings/],
  ["SELECT * FROM accounts", "sluice.sql.invalid", /accounts/],
  ["SELECT * FROM confluence_grants", "sluice.sql.invalid", /confluence_grants/],
  // Reading no column of a table (SQLite reports such a read without its schema) reveals nothing either.
  ["SELECT count(*) FROM tokens", "sluice.sql.invalid", /tokens/],
  ["SELECT 1 FROM accounts LIMIT 1", "sluice.sql.invalid", /accounts/],
  ["SELECT EXISTS (SELECT 1 FROM confluence_pages)", "sluice.sql.invalid", /confluence_pages/],
  ["SELECT count(*) FROM jira_issues", "sluice.sql.invalid", /jira_issues/],
  // Functions one store has and the other has not: refused (PostgreSQL) or unknown (SQLite) — a 400 naming it either way.
  ["SELECT load_extension('x')", "sluice.sql.", /load_extension/],
  ["SELECT pg_read_file('/etc/passwd')", "sluice.sql.", /pg_read_file/],
  ["SELECT set_config('role', 'postgres', false)", "sluice.sql.", /set_config/],
  ["SELECT lo_import('/etc/passwd')", "sluice.sql.", /lo_import/],
  ["SELECT dblink('host=127.0.0.1', 'select 1')", "sluice.sql.", /dblink/],
  ["SELECT current_setting('data_directory')", "sluice.sql.", /current_setting/],
];

const SQLITE_ONLY: [string, string, RegExp][] = [
  ["PRAGMA table_info(pages)", "sluice.sql.refused", /PRAGMA/],
  ["ATTACH DATABASE '/tmp/x.db' AS x", "sluice.sql.refused", /ATTACH/],
  ["VACUUM INTO '/tmp/sluice-vacuum.db'", "sluice.sql.refused", /SELECT/],
  ["SELECT * FROM sqlite_master", "sluice.sql.invalid", /sqlite_master/],
  ["SELECT * FROM main.confluence_pages", "sluice.sql.invalid", /confluence_pages/],
  ["SELECT count(*) FROM main.tokens", "sluice.sql.invalid", /tokens/],
  ["SELECT count(*) FROM temp.sluice_viewer_scopes", "sluice.sql.invalid", /sluice_viewer_scopes/],
  ["SELECT count(*) FROM sqlite_master", "sluice.sql.invalid", /sqlite_master/],
];

const POSTGRES_ONLY: [string, string, RegExp][] = [
  ["COPY pages TO '/tmp/x.csv'", "sluice.sql.refused", /COPY/],
  ["COPY (SELECT 1) TO PROGRAM 'id'", "sluice.sql.refused", /COPY/],
  ["SELECT * INTO copy_of_pages FROM pages", "sluice.sql.refused", /INTO/],
  ["SELECT * FROM pages FOR UPDATE", "sluice.sql.refused", /FOR UPDATE/],
  ["WITH d AS (DELETE FROM pages RETURNING *) SELECT * FROM d", "sluice.sql.refused", /DELETE/],
  ["SELECT * FROM public.tokens", "sluice.sql.invalid", /schema/],
  ["SELECT * FROM pg_catalog.pg_authid", "sluice.sql.invalid", /schema/],
  ["SELECT * FROM pg_user", "sluice.sql.invalid", /pg_user/],
  ["SELECT query_to_xml('select * from tokens', true, true, '')", "sluice.sql.refused", /query_to_xml/],
  ["SET ROLE postgres", "sluice.sql.refused", /SELECT/],
  ["BEGIN", "sluice.sql.refused", /SELECT/],
];

for (const kind of STORE_KINDS) {
  describe(`SQL API (${kind})`, () => {
    let t: TestApp;
    let wiki: Site;
    let vera: string;

    const query = async (body: Record<string, unknown>, site = "wiki", token?: string) => {
      const r = await t.app.inject({
        method: "POST",
        url: `/${site}/rest/sql/v1/query`,
        headers: token ? { authorization: `Bearer ${token}` } : t.auth,
        payload: body,
      });
      return { status: r.statusCode, body: r.body, json: () => JSON.parse(r.body) as Answer & { errors: { key: string; message: string; position?: { line: number; column: number } }[]; message: string }, headers: r.headers, trailers: r.trailers };
    };
    const rows = async (sql: string, token?: string, params: unknown[] = []) => {
      const r = await query({ sql, params }, "wiki", token);
      assert.equal(r.status, 200, `${sql}: ${r.body.slice(0, 300)}`);
      return r.json().rows;
    };
    const storeCounts = async () => {
      const snapshot: Record<string, number> = {};
      for (const name of ["pages", "comments", "spaces", "users"]) snapshot[name] = await t.ctx.store.data.count(wiki.id, { entity: entity("confluence", name) });
      snapshot.tokens = await t.ctx.store.accounts.countTokens();
      return snapshot;
    };

    before(async () => {
      t = await startTestApp({ store: kind, config: { sql: { threads: 2 } } });
      wiki = (await t.ctx.store.sites.byKey("wiki"))!;
      const users = entity("confluence", "users");
      await t.ctx.store.data.upsert(wiki.id, users, [storedColumns(users).map((c) => ({ user_id: "vera-id", user_name: "vera", user_fullname: "Vera", user_email: "vera@example.com" })[c.name] ?? null)]);
      await t.ctx.access.grant(wiki, "SPACE:DOCS", { type: "user", name: "vera" });
      vera = await issueToken(t.ctx.store, { username: "vera", sysadmin: false, name: "vera" });
    });
    after(async () => t?.close());

    it("answers JSON with column names and types first, then the rows", async () => {
      const r = await query({ sql: "SELECT space_key, count(*) AS pages FROM pages GROUP BY space_key ORDER BY 2 DESC, 1" });
      assert.equal(r.status, 200, r.body);
      assert.match(String(r.headers["content-type"]), /application\/json/);
      const a = r.json();
      assert.deepEqual(a.columns, [
        { name: "space_key", type: "text" },
        { name: "pages", type: "integer" },
      ]);
      assert.ok(a.rows.length >= 4);
      assert.equal(a.rowCount, a.rows.length);
      assert.equal(a.truncated, false);
      const total = a.rows.reduce((n, row) => n + Number(row[1]), 0);
      assert.equal(total, await t.ctx.store.data.count(wiki.id, { entity: entity("confluence", "pages") }));
    });

    it("shapes values as the export files do: absolute URLs, ISO datetimes, booleans", async () => {
      const [row] = await rows("SELECT page_id, instance_url, page_url, created_date FROM pages ORDER BY page_id LIMIT 1");
      assert.equal(row![1], "http://localhost:8080/wiki");
      assert.match(String(row![2]), /^http:\/\/localhost:8080\/wiki\/.+pageId=\d+$/);
      assert.match(String(row![3]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const bb = await query({ sql: "SELECT public, fork FROM repositories ORDER BY repository_id LIMIT 1" }, "bitbucket");
      assert.equal(bb.status, 200, bb.body);
      assert.deepEqual(bb.json().columns.map((c) => c.type), ["boolean", "boolean"]);
      assert.equal(typeof bb.json().rows[0]![0], "boolean");
    });

    it("streams NDJSON and CSV", async () => {
      const nd = await query({ sql: "SELECT page_id, page_title FROM pages ORDER BY page_id LIMIT 3", format: "ndjson" });
      assert.equal(nd.status, 200);
      const lines = nd.body.trim().split("\n").map((l) => JSON.parse(l) as unknown);
      assert.deepEqual((lines[0] as { columns: unknown[] }).columns.length, 2);
      assert.equal(lines.length, 5);
      assert.deepEqual(lines[4], { ...(lines[4] as object), rowCount: 3, truncated: false });
      const csv = await query({ sql: "SELECT page_id, page_title FROM pages ORDER BY page_id LIMIT 3", format: "csv" });
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers["content-type"]), /text\/csv/);
      const records = csv.body.split("\r\n");
      assert.equal(records[0], "page_id,page_title");
      assert.equal(records.length, 5, "header, 3 records, and the empty string after the last CRLF");
    });

    it("cuts a result at maxRows and says it was truncated; a request cannot raise the server's limits", async () => {
      const a = (await query({ sql: "SELECT page_id FROM pages ORDER BY page_id", maxRows: 5 })).json();
      assert.equal(a.rows.length, 5);
      assert.equal(a.rowCount, 5);
      assert.equal(a.truncated, true);
      const runaway = await query({ sql: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c", timeoutMs: 600_000, context: "console" });
      assert.equal(runaway.status, 408, runaway.body);
      assert.match(runaway.json().message, /limit of 1000 ms/, "the console's 1 s, not the 10 minutes asked for");
      const c = (await query({ sql: "SELECT page_id FROM pages ORDER BY page_id", maxRows: 50_000_000, context: "console" })).json();
      assert.equal(c.rows.length, Math.min(1000, await t.ctx.store.data.count(wiki.id, { entity: entity("confluence", "pages") })));
    });

    for (const [sql, key, message] of [...REFUSED, ...(kind === "sqlite" ? SQLITE_ONLY : POSTGRES_ONLY)]) {
      it(`refuses ${sql.slice(0, 60)} with a 400 and a plain message; the store is unchanged`, async () => {
        const before = await storeCounts();
        const r = await query({ sql });
        assert.equal(r.status, 400, r.body);
        const body = r.json();
        assert.ok(body.errors[0]!.key.startsWith(key), `${body.errors[0]!.key} for ${sql}`);
        assert.match(body.message, message);
        assert.deepEqual(await storeCounts(), before);
      });
    }

    it("is documented in the API document, open to any token", async () => {
      const doc = JSON.parse((await t.app.inject({ method: "GET", url: "/rest/openapi.json" })).body) as { paths: Record<string, Record<string, { "x-sluice-access"?: string; requestBody?: unknown }>> };
      const post = doc.paths["/{site}/rest/sql/v1/query"]?.post;
      assert.equal(post?.["x-sluice-access"], "any token");
      assert.ok(post?.requestBody, "the body's schema is documented");
      assert.equal(doc.paths["/{site}/rest/sql/v1/tables"]?.get?.["x-sluice-access"], "any token");
    });

    it("names the unknown table or column, and the position of a syntax error", async () => {
      const table = (await query({ sql: "SELECT * FROM nosuch" })).json();
      assert.match(table.message, /nosuch/);
      const column = (await query({ sql: "SELECT page_id,\n  nosuchcolumn FROM pages" })).json();
      assert.match(column.message, /nosuchcolumn/);
      assert.equal(column.errors[0]!.position?.line, 2);
      const syntax = await query({ sql: "SELECT page_id,\nFROM pages" });
      assert.equal(syntax.status, 400);
      const s = syntax.json();
      assert.equal(s.errors[0]!.key, "sluice.sql.invalid");
      assert.deepEqual([s.errors[0]!.position?.line, s.errors[0]!.position?.column], [2, 1]);
      assert.match(s.message, /FROM/);
    });

    it("refuses an empty statement, a statement over the length limit and a wrong parameter count", async () => {
      assert.equal((await query({ sql: "" })).json().errors[0]!.key, "sluice.sql.invalid");
      assert.equal((await query({ sql: "   -- nothing\n" })).status, 400);
      const long = await query({ sql: `SELECT 1 AS a ${"-".repeat(1_000_000)}` });
      assert.equal(long.status, 400);
      assert.equal(long.json().errors[0]!.key, "sluice.sql.too.long");
      const params = await query({ sql: "SELECT page_id FROM pages WHERE page_id = $1", params: [1, 2] });
      assert.equal(params.status, 400);
      assert.equal(params.json().errors[0]!.key, "sluice.sql.params.invalid");
      const none = await query({ sql: "SELECT page_id FROM pages WHERE page_id = $1" });
      assert.equal(none.json().errors[0]!.key, "sluice.sql.params.invalid");
      const ok = await query({ sql: "SELECT page_title FROM pages WHERE space_key = $1 AND page_id > $2 ORDER BY page_id LIMIT 1", params: ["ENG", 0] });
      assert.equal(ok.status, 200, ok.body);
    });

    it("stops a runaway WITH RECURSIVE at its deadline, in the engine, while /ping keeps answering", async () => {
      const started = Date.now();
      const running = query({ sql: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c", timeoutMs: 1500 });
      const pings: number[] = [];
      while (Date.now() - started < 1000) {
        const p0 = Date.now();
        const ping = await t.app.inject({ method: "GET", url: "/ping" });
        assert.equal(ping.statusCode, 200);
        pings.push(Date.now() - p0);
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await running;
      assert.equal(r.status, 408, r.body);
      assert.equal(r.json().errors[0]!.key, "sluice.sql.timeout");
      assert.match(r.json().message, /1500 ms/);
      assert.ok(Math.max(...pings) < 500, `ping answered within ${Math.max(...pings)} ms`);
      assert.ok(Date.now() - started < 10_000);
      // The engine is free again: the next statement runs at once.
      assert.equal((await query({ sql: "SELECT count(*) FROM pages" })).status, 200);
    });

    it("stops a cross join of the largest tables at its deadline", async () => {
      const r = await query({ sql: "SELECT count(*) FROM pages a, pages b, comments c, pages d", timeoutMs: 800 });
      assert.equal(r.status, 408, r.body);
    });

    describe("permissions inside the query", () => {
      const spacesOf = (rs: unknown[][]) => [...new Set(rs.map((r) => String(r[0])))].sort();
      const SHAPES = [
        ["a filter", "SELECT space_key FROM pages"],
        ["a join", "SELECT p.space_key FROM comments c JOIN pages p ON p.page_id = c.page_id"],
        ["a left join", "SELECT p.space_key FROM pages p LEFT JOIN comments c ON c.page_id = p.page_id"],
        ["a join to the spaces", "SELECT s.space_key FROM spaces s JOIN pages p ON p.space_key = s.space_key"],
        ["a subquery", "SELECT space_key FROM pages WHERE page_id IN (SELECT page_id FROM comments)"],
        ["a scalar subquery", "SELECT (SELECT max(space_key) FROM pages) AS k"],
        ["a CTE", "WITH p AS (SELECT * FROM pages) SELECT space_key FROM p"],
        ["UNION", "SELECT space_key FROM pages UNION SELECT space_key FROM spaces UNION ALL SELECT p.space_key FROM comments c JOIN pages p USING (page_id)"],
        ["a window function", "SELECT space_key FROM (SELECT space_key, row_number() OVER (PARTITION BY space_key ORDER BY page_id) AS n FROM pages) AS w WHERE n = 1"],
        ["an aggregate", "SELECT space_key FROM pages GROUP BY space_key HAVING count(*) > 0"],
      ] as const;
      for (const [shape, sql] of SHAPES) {
        it(`a user granted one space sees only its rows through ${shape}; a sysadmin sees every space`, async () => {
          const mine = spacesOf(await rows(sql, vera));
          assert.deepEqual(mine, ["DOCS"], `${shape}: ${mine.join(",")}`);
          const all = spacesOf(await rows(sql));
          assert.ok(shape === "a scalar subquery" || all.length >= 4, `${shape}: sysadmin saw ${all.join(",")}`);
        });
      }
      it("counts agree with the access rules: the user's rows are exactly the space's rows", async () => {
        const [[mine]] = (await rows("SELECT count(*) FROM pages", vera)) as [[number]];
        const [[docs]] = (await rows("SELECT count(*) FROM pages WHERE space_key = 'DOCS'")) as [[number]];
        assert.equal(Number(mine), Number(docs));
        assert.ok(Number(docs) > 0);
      });
      it("a person without admin rights may use SQL, and still not the admin APIs", async () => {
        const r = await t.app.inject({ method: "GET", url: "/wiki/rest/sql/v1/tables", headers: { authorization: `Bearer ${vera}` } });
        assert.equal(r.statusCode, 200);
        const tables = (JSON.parse(r.body) as { tables: { name: string; columns: unknown[] }[] }).tables;
        assert.ok(tables.some((x) => x.name === "pages" && x.columns.length > 5));
        assert.ok(tables.some((x) => x.name === "sites"));
        const admin = await t.app.inject({ method: "GET", url: "/rest/admin/v1/sites", headers: { authorization: `Bearer ${vera}` } });
        assert.equal(admin.statusCode, 403);
      });
    });

    if (kind === "sqlite") {
      describe("CSV rendered inside SQLite", () => {
        /** The CSV answer must be the JSON answer's header and rows through `csvField`, byte for byte. */
        const sameAsJson = async (sql: string, options: { site?: string; params?: unknown[]; maxRows?: number } = {}) => {
          const body = { sql, params: options.params ?? [], ...(options.maxRows ? { maxRows: options.maxRows } : {}) };
          const json = await query(body, options.site);
          assert.equal(json.status, 200, json.body);
          const a = json.json();
          const csv = await query({ ...body, format: "csv" }, options.site);
          assert.equal(csv.status, 200, csv.body);
          const lines = [a.columns.map((c) => csvField(c.name)).join(","), ...a.rows.map((row) => row.map(csvField).join(","))];
          assert.equal(csv.body, lines.map((l) => `${l}\r\n`).join(""), sql);
          assert.equal(csv.trailers["x-sluice-row-count"], String(a.rowCount));
          assert.equal(csv.trailers["x-sluice-truncated"], String(a.truncated));
          return a;
        };

        it("the SQL thread has the record function, and user SQL calling it reads nothing but its arguments", async () => {
          assert.deepEqual(await rows(`SELECT sluice_csv_record('vb', 'a,"b"', 1) AS r`), [['"a,""b""",true\r\n']]);
          const wrong = await query({ sql: "SELECT sluice_csv_record('b', 1, 2)" });
          assert.equal(wrong.status, 400, wrong.body);
          assert.match(wrong.json().message, /one letter/);
          const refused = await query({ sql: "SELECT sluice_csv_record('v', (SELECT max(token_hash) FROM tokens))" });
          assert.equal(refused.status, 400, refused.body);
          assert.match(refused.json().message, /tokens/);
          for (const fn of ["sluice_sql_open", "sluice_sql_read", "sluice_sql_disarm"]) {
            const r = await query({ sql: `SELECT ${fn}('0123456789abcdef0123456789abcdef', 1, 1)` });
            assert.equal(r.status, 400, `${fn}: ${r.body}`);
          }
        });

        it("renders NULLs, commas, quotes, line breaks, unicode, blobs, integers and decimals as csvField does, in the statement's order", async () => {
          const values = `WITH v(k, t, n) AS (VALUES
            (1, NULL, NULL), (2, 'a,b', 0.1), (3, 'say "hi"', 1e21), (4, 'line' || char(10) || 'feed', -0.0),
            (5, 'cr' || char(13) || 'crlf' || char(13, 10), 1.0 / 3), (6, 'ünïcødé ✓ 😀', 9007199254740993), (7, '', 123456789012),
            (8, 'plain', 1e-7), (9, x'00ff10', 2.5), (10, x'', 1e999), (11, '"', -1e-300), (12, ' , ', 2e20), (13, 'x', -9223372036854775808))
          SELECT k, t, n, typeof(n) AS type, k % 2 = 0 AS even FROM v`;
          const a = await sameAsJson(`${values} ORDER BY k DESC`);
          assert.deepEqual(a.rows.map((r) => r[0]), [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
          // A statement ending in `;` and a comment, and one ending in a comment without a line break.
          await sameAsJson(`${values} ORDER BY t; -- the end`);
          await sameAsJson(`${values} ORDER BY n -- the end`);
          // Ending inside a comment, which would swallow the wrapper: the rows come as values instead.
          await sameAsJson(`${values} ORDER BY k /* the end`);
          await sameAsJson("SELECT 'b' AS x UNION ALL SELECT 'a' UNION ALL SELECT 'c' ORDER BY 1 DESC");
          await sameAsJson("VALUES (1, 'one'), (2, 'two')");
          await sameAsJson("SELECT $1 AS a, $2 AS b, $3 AS c, $1 || $2 AS d", { params: ['x,"y"', 2.5, true] });
          await sameAsJson("SELECT page_id, page_title, space_key, created_date, page_url FROM pages ORDER BY space_key DESC, page_id DESC");
          await sameAsJson("SELECT space_key, count(*) AS pages, avg(page_id) / 7 AS mean FROM pages GROUP BY space_key ORDER BY 2, 1");
        });

        it("prints booleans of boolean columns as true and false", async () => {
          const a = await sameAsJson("SELECT repository_id, public, fork, public + 0 AS n FROM repositories ORDER BY repository_id DESC", { site: "bitbucket" });
          assert.ok(a.rows.length > 0);
          assert.ok(a.rows.every((r) => typeof r[1] === "boolean" && typeof r[3] === "number"));
        });

        it("keeps the order over many batches and cuts at maxRows with the trailers saying so", async () => {
          const sql = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 30000) SELECT i, i / 7.0 AS x, 'row ' || i AS label FROM c ORDER BY i DESC";
          const all = await sameAsJson(sql, { maxRows: 30_000 });
          assert.deepEqual([all.rowCount, all.truncated, all.rows[0]![0], all.rows.at(-1)![0]], [30_000, false, 30_000, 1]);
          const cut = await sameAsJson(sql, { maxRows: 12_345 });
          assert.deepEqual([cut.rowCount, cut.truncated, cut.rows.at(-1)![0]], [12_345, true, 30_000 - 12_344]);
          const csv = await query({ sql, format: "csv", maxRows: 12_345 });
          assert.equal(csv.trailers["x-sluice-truncated"], "true");
          assert.equal(csv.trailers["x-sluice-row-count"], "12345");
          assert.equal(csv.body.split("\r\n").length, 12_345 + 2);
        });

        it("stops a CSV answer at its deadline inside the engine", async () => {
          const r = await query({ sql: "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c", format: "csv", timeoutMs: 800 });
          assert.equal(r.status, 408, r.body);
          assert.equal((await query({ sql: "SELECT 1 AS one", format: "csv" })).body, "one\r\n1\r\n");
        });
      });
    }
  });
}
