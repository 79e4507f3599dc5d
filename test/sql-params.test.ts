/**
 * Parameters, positions and row limits through the SQL API, on both stores: quotes and unicode in
 * parameter values, a parameter used twice and `$10`, error positions after a parameter, exactly
 * `maxRows` rows (not truncated) against one more (truncated), in every format, and values that are
 * hard in JSON and CSV (quotes, commas, line breaks, NULL) coming back unchanged.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

for (const kind of STORE_KINDS) {
  describe(`SQL parameters, positions and limits (${kind})`, () => {
    let t: TestApp;
    before(async () => (t = await startTestApp({ store: kind })));
    after(async () => t?.close());
    const query = async (body: Record<string, unknown>) => {
      const r = await t.app.inject({ method: "POST", url: "/wiki/rest/sql/v1/query", headers: t.auth, payload: body });
      return { status: r.statusCode, body: r.body, trailers: r.trailers };
    };
    const json = async (body: Record<string, unknown>) => {
      const r = await query(body);
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body) as { rows: unknown[][]; rowCount: number; truncated: boolean; columns: { name: string; type: string }[] };
    };

    it("binds values with quotes and unicode, a parameter used twice, and $10", async () => {
      const params = ["O'Brien \"the\" 🚀", 2, 3, 4, 5, 6, 7, 8, 9, "ten"];
      const a = await json({ sql: "SELECT $1 AS a, $1 || '!' AS b, $10 AS c, CAST($2 AS INTEGER) + CAST($3 AS INTEGER) AS d, CAST($9 AS INTEGER) * 4 AS e", params });
      assert.deepEqual(a.rows, [["O'Brien \"the\" 🚀", "O'Brien \"the\" 🚀!", "ten", 5, 36]]);
      const filtered = await json({ sql: "SELECT count(*) FROM pages WHERE space_key = $1 AND page_title <> $2", params: ["DOCS", "x' OR '1'='1"] });
      const docs = await json({ sql: "SELECT count(*) FROM pages WHERE space_key = 'DOCS'" });
      assert.deepEqual(filtered.rows, docs.rows);
    });

    it("places an error after a parameter at the user's line and column", async () => {
      const r = await query({ sql: "SELECT page_id\nFROM pages\nWHERE space_key = $1 AND nosuch = 1", params: ["a much longer value than the two characters of $1"] });
      assert.equal(r.status, 400, r.body);
      const e = JSON.parse(r.body) as { errors: { position?: { line: number; column: number } }[]; message: string };
      assert.match(e.message, /nosuch/);
      assert.deepEqual(e.errors[0]!.position && [e.errors[0]!.position.line, e.errors[0]!.position.column], [3, 26]);
    });

    it("exactly maxRows rows are not truncated; one more row is, in every format", async () => {
      const sql = "SELECT page_id FROM pages ORDER BY page_id LIMIT 5";
      const exact = await json({ sql, maxRows: 5 });
      assert.deepEqual([exact.rows.length, exact.rowCount, exact.truncated], [5, 5, false]);
      const cut = await json({ sql, maxRows: 4 });
      assert.deepEqual([cut.rows.length, cut.rowCount, cut.truncated], [4, 4, true]);
      assert.deepEqual(cut.rows, exact.rows.slice(0, 4));
      const nd = await query({ sql, maxRows: 4, format: "ndjson" });
      const lines = nd.body.trim().split("\n");
      assert.equal(lines.length, 6);
      assert.deepEqual(JSON.parse(lines[5]!), { ...(JSON.parse(lines[5]!) as object), rowCount: 4, truncated: true });
      const csv = await query({ sql, maxRows: 4, format: "csv" });
      assert.equal(csv.body.split("\r\n").length, 6);
      assert.equal(csv.trailers["x-sluice-truncated"], "true");
      assert.equal(csv.trailers["x-sluice-row-count"], "4");
    });

    it("returns hard values unchanged as JSON and as CSV", async () => {
      const sql = `SELECT 'a,b' AS comma, 'say "hi"' AS quote, 'line
break' AS lf, NULL AS empty, 'é🚀' AS unicode, 42 AS n, 0.5 AS half, 'back\\slash' AS bs`;
      const a = await json({ sql });
      assert.deepEqual(a.rows, [["a,b", 'say "hi"', "line\nbreak", null, "é🚀", 42, 0.5, "back\\slash"]]);
      const csv = await query({ sql, format: "csv" });
      assert.ok(csv.body.endsWith("\r\n"));
      const records: string[][] = parse(csv.body, { relax_column_count: false });
      assert.deepEqual(records, [
        ["comma", "quote", "lf", "empty", "unicode", "n", "half", "bs"],
        ["a,b", 'say "hi"', "line\nbreak", "", "é🚀", "42", "0.5", "back\\slash"],
      ]);
    });
  });
}
