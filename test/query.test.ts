/**
 * The query layer's contract, on SQLite and PostgreSQL, over the demo sites: every operator (SQL null
 * semantics included), `any` and several conditions, key ranges, projection, distinct, order and limit,
 * values normalised to the stores' forms, rows streamed in batches and stopped early without leaking a
 * cursor or a connection, and bad queries refused with every problem named (HTTP 400). Each answer is
 * checked against the entity read whole and filtered in JavaScript, and both stores must agree.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import Fastify from "fastify";
import { entity, storedColumns, type EntityDef } from "../src/core/entities/registry.js";
import { ERROR_STATUS, SluiceError } from "../src/core/errors.js";
import type { Condition, EntityQuery, OrderBy, Scalar } from "../src/core/query.js";
import { sendError } from "../src/server/errors.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS, type StoreKind } from "./support/stores.js";

type Row = Record<string, unknown>;

/** An entity of a demo site read whole, in key order (the store's default order). */
interface Table {
  def: EntityDef;
  site: Site;
  rows: Row[];
}

/** The demo entities the cases read (site key, product entity). */
const TABLES = {
  pages: ["wiki", entity("confluence", "pages")],
  events: ["wiki", entity("confluence", "analytics_events")],
  wikiUsers: ["wiki", entity("confluence", "users")],
  issues: ["jira", entity("jira", "issues")],
  fields: ["jira", entity("jira", "issue_fields")],
  jiraUsers: ["jira", entity("jira", "users")],
  repos: ["bitbucket", entity("bitbucket", "repositories")],
  bbUsers: ["bitbucket", entity("bitbucket", "users")],
  commits: ["bitbucket", entity("bitbucket", "commits")],
  builds: ["bitbucket", entity("bitbucket", "build_statuses")],
} as const satisfies Record<string, readonly [string, EntityDef]>;
type TableName = keyof typeof TABLES;

/** Every answer each store gave, by case label: both stores must give the same. */
const answers = new Map<StoreKind, Map<string, unknown>>();

// ---- The independent computation: the whole entity filtered, sorted and projected in JavaScript ----

/** `text` columns may come from SQLite as UTF-8 bytes. */
const plain = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString("utf8") : v);

/** Text sorts bytewise (UTF-8) on both stores; numbers numerically. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return Buffer.compare(Buffer.from(a), Buffer.from(b));
  throw new Error(`cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
}

/** Ascending with nulls first (SQLite's order, which PostgreSQL is asked to follow). */
function compareNullsFirst(a: unknown, b: unknown): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compare(a, b);
}

const compareTuples = (a: readonly unknown[], b: readonly unknown[]): number => {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
};

/** A query value in the shape rows come back in (booleans as 1/0). */
const literal = (v: Scalar): unknown => (typeof v === "boolean" ? (v ? 1 : 0) : v);

const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** A LIKE pattern as a regular expression: `%`, `_`, `\` escapes; case folded for ASCII letters only. */
function likeRegExp(pattern: string): RegExp {
  let source = "";
  const chars = [...asciiLower(pattern)];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === "\\" && i + 1 < chars.length) source += chars[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (ch === "%") source += "[\\s\\S]*";
    else if (ch === "_") source += "[\\s\\S]";
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}

/** Whether a row satisfies a condition; a comparison with null is never true (SQL's unknown). */
function holds(def: EntityDef, row: Row, c: Condition): boolean {
  if ("any" in c) return c.any.some((x) => holds(def, row, x));
  if ("key" in c) {
    const order = compareTuples(def.key.map((k) => row[k]), c.values);
    return c.key === ">=" ? order >= 0 : c.key === ">" ? order > 0 : order < 0;
  }
  const v = row[c.column];
  if (c.op === "is null") return v === null;
  if (c.op === "is not null") return v !== null;
  if (v === null) return false;
  switch (c.op) {
    case "=":
      return compare(v, literal(c.value)) === 0;
    case "!=":
      return compare(v, literal(c.value)) !== 0;
    case "<":
      return compare(v, literal(c.value)) < 0;
    case "<=":
      return compare(v, literal(c.value)) <= 0;
    case ">":
      return compare(v, literal(c.value)) > 0;
    case ">=":
      return compare(v, literal(c.value)) >= 0;
    case "in":
      return c.values.some((x) => compare(v, literal(x)) === 0);
    case "not in":
      return c.values.every((x) => compare(v, literal(x)) !== 0);
    case "like":
      return likeRegExp(c.value).test(asciiLower(String(v)));
    case "not like":
      return !likeRegExp(c.value).test(asciiLower(String(v)));
    case "range":
      return (c.from === undefined || compare(v, literal(c.from)) >= 0) && (c.before === undefined || compare(v, literal(c.before)) < 0);
  }
}

function sortRows<T extends Row>(rows: readonly T[], order: readonly OrderBy[]): T[] {
  // Array.prototype.sort is stable: ties keep key order, the order the stores add after the requested one.
  return [...rows].sort((a, b) => {
    for (const o of order) {
      const c = compareNullsFirst(a[o.column], b[o.column]);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
}

/** What a (normalised) query should return, computed from the whole entity. */
function expected(table: Table, query: EntityQuery): unknown[][] {
  const columns = query.columns ?? storedColumns(table.def).map((c) => c.name);
  const selected = table.rows.filter((row) => (query.where ?? []).every((c) => holds(table.def, row, c)));
  let out: unknown[][];
  if (query.distinct) {
    // Distinct rows are sorted on the requested order, then on every projected column.
    const unique = new Map<string, Row>();
    for (const row of selected) {
      const key = JSON.stringify(columns.map((c) => row[c]));
      if (!unique.has(key)) unique.set(key, row);
    }
    const order = [...(query.orderBy ?? []), ...columns.filter((c) => !query.orderBy?.some((o) => o.column === c)).map((column) => ({ column }))];
    out = sortRows([...unique.values()], order).map((row) => columns.map((c) => row[c]));
  } else {
    out = sortRows(selected, query.orderBy ?? []).map((row) => columns.map((c) => row[c]));
  }
  return query.limit === undefined ? out : out.slice(0, query.limit);
}

/** The sorted distinct non-null values of a column. */
const valuesOf = (table: Table, column: string): unknown[] =>
  [...new Set(table.rows.map((r) => r[column]).filter((v) => v !== null))].sort(compare);

/** `2024-04-06T06:48:16Z` plus some seconds, in the stores' form. */
const plusSeconds = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString().replace(".000Z", "Z");

/** A refused query: its code, its HTTP status and its problems. */
interface Refusal {
  code: string;
  status: number;
  problems: readonly { key: string; message: string }[];
}

for (const kind of STORE_KINDS) {
  describe(`the query layer (${kind})`, () => {
    let t: TestApp;
    const tables = {} as Record<TableName, Table>;
    const answered = new Map<string, unknown>();
    answers.set(kind, answered);

    /** Every row of a query through a fresh snapshot, text as strings. */
    async function read(site: Site, query: EntityQuery, batchSize = 128): Promise<unknown[][]> {
      const snapshot = await t.ctx.store.data.snapshot(site.id);
      try {
        const out: unknown[][] = [];
        for await (const batch of snapshot.rows(query, batchSize)) for (const row of batch) out.push(row.map(plain));
        return out;
      } finally {
        await snapshot.close();
      }
    }

    const count = (site: Site, query: EntityQuery): Promise<number> => t.ctx.store.data.count(site.id, query);

    /**
     * Runs a query, compares its rows with the JavaScript answer (of `canonical` when given: the same query
     * with values in the stores' forms) and its count with the number of rows; records the answer.
     */
    async function check(label: string, name: TableName, query: Omit<EntityQuery, "entity">, canonical?: Omit<EntityQuery, "entity">): Promise<unknown[][]> {
      const table = tables[name];
      const full = { entity: table.def, ...query };
      const got = await read(table.site, full);
      const want = expected(table, { entity: table.def, ...(canonical ?? query) });
      assert.deepEqual(got, want, `${label}: rows`);
      if (query.limit === undefined && !query.distinct) assert.equal(await count(table.site, full), want.length, `${label}: count`);
      assert.ok(!answered.has(label), `label ${label} used twice`);
      answered.set(label, got);
      return got;
    }

    /** The refusal of a bad query by `data.count`, the same as by `snapshot.rows`; the snapshot stays usable. */
    async function refusal(name: TableName, query: Omit<EntityQuery, "entity">): Promise<Refusal> {
      const table = tables[name];
      const full = { entity: table.def, ...query } as EntityQuery;
      const caught = await count(table.site, full).then(
        () => assert.fail(`${JSON.stringify(query)} was accepted`),
        (e: unknown) => e,
      );
      assert.ok(caught instanceof SluiceError, `a SluiceError, not ${String(caught)}`);
      const snapshot = await t.ctx.store.data.snapshot(table.site.id);
      try {
        await assert.rejects(
          async () => {
            for await (const _ of snapshot.rows(full, 10)) assert.fail("rows of a bad query");
          },
          (e: unknown) => e instanceof SluiceError && e.code === caught.code && JSON.stringify(e.problems) === JSON.stringify(caught.problems),
        );
        assert.equal(await snapshot.count(table.def), table.rows.length, "the snapshot still answers");
      } finally {
        await snapshot.close();
      }
      return { code: caught.code, status: caught.status, problems: caught.problems };
    }

    before(async () => {
      t = await startTestApp({ store: kind });
      for (const [name, [siteKey, def]] of Object.entries(TABLES) as [TableName, readonly [string, EntityDef]][]) {
        const site = (await t.ctx.store.sites.byKey(siteKey))!;
        const columns = storedColumns(def).map((c) => c.name);
        const rows = (await read(site, { entity: def }, 1000)).map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i]])));
        tables[name] = { def, site, rows };
      }
    });
    after(async () => t?.close());

    it("reads an entity whole in key order, as many rows as it counts, on every demo site", async () => {
      for (const [name, table] of Object.entries(tables)) {
        assert.ok(table.rows.length > 0, `${name} has rows`);
        assert.equal(await count(table.site, { entity: table.def }), table.rows.length, name);
        const snapshot = await t.ctx.store.data.snapshot(table.site.id);
        try {
          assert.equal(await snapshot.count({ entity: table.def }), table.rows.length, `${name}: snapshot.count`);
        } finally {
          await snapshot.close();
        }
        const keys = table.rows.map((r) => table.def.key.map((k) => r[k]));
        for (let i = 1; i < keys.length; i++) assert.ok(compareTuples(keys[i - 1]!, keys[i]!) < 0, `${name}: key order at row ${i}`);
        answered.set(`whole ${name}`, table.rows);
      }
      assert.equal(tables.events.rows.length, 3000);
      assert.equal(tables.commits.rows.length, 3000);
    });

    it("=, !=, <, <=, >, >= on integer, decimal, text, datetime, date and boolean columns", async () => {
      const probes: [TableName, string][] = [
        ["issues", "votes"],
        ["issues", "story_points"],
        ["issues", "status"],
        ["issues", "summary"],
        ["issues", "updated_date"],
        ["issues", "due_date"],
        ["jiraUsers", "active"],
        ["repos", "public"],
        ["pages", "page_title"],
        ["commits", "committer_timestamp"],
        ["builds", "build_duration"],
      ];
      for (const [name, column] of probes) {
        const table = tables[name];
        const isBoolean = storedColumns(table.def).find((c) => c.name === column)!.type === "boolean";
        const values = valuesOf(table, column);
        const middle = values[Math.floor(values.length / 2)]!;
        const value = (isBoolean ? middle === 1 : middle) as Scalar;
        const counts: Record<string, number> = {};
        for (const op of ["=", "!=", "<", "<=", ">", ">="] as const) {
          const rows = await check(`${name}.${column} ${op} ${String(value)}`, name, { columns: [...table.def.key, column], where: [{ column, op, value }] });
          counts[op] = rows.length;
        }
        const nonNull = table.rows.filter((r) => r[column] !== null).length;
        assert.ok(counts["="]! > 0, `${name}.${column}: the value is found`);
        assert.equal(counts["<"]! + counts["="]! + counts[">"]!, nonNull, `${name}.${column}: <, = and > split the non-null rows`);
        assert.equal(counts["<="], counts["<"]! + counts["="]!);
        assert.equal(counts[">="], counts[">"]! + counts["="]!);
        assert.equal(counts["!="], nonNull - counts["="]!);
      }
    });

    it("!= and not in follow SQL: a row whose value is null matches neither = nor != (is null finds it)", async () => {
      const issues = tables.issues;
      const total = issues.rows.length;
      const nulls = issues.rows.filter((r) => r.resolution === null).length;
      assert.ok(nulls > 0 && nulls < total, "some issues have no resolution");
      const eq = (await check("resolution = Done", "issues", { columns: ["id"], where: [{ column: "resolution", op: "=", value: "Done" }] })).length;
      const ne = (await check("resolution != Done", "issues", { columns: ["id"], where: [{ column: "resolution", op: "!=", value: "Done" }] })).length;
      assert.equal(ne, issues.rows.filter((r) => r.resolution !== null && r.resolution !== "Done").length);
      assert.equal(eq + ne + nulls, total, "=, != and is null split the rows");
      const listed = ["Done", "Won't Do"];
      const inList = (await check("resolution in", "issues", { columns: ["id"], where: [{ column: "resolution", op: "in", values: listed }] })).length;
      const notIn = (await check("resolution not in", "issues", { columns: ["id"], where: [{ column: "resolution", op: "not in", values: listed }] })).length;
      assert.equal(inList + notIn + nulls, total, "in, not in and is null split the rows");
      // The export's opt-out idiom: rows without a value kept by asking for them.
      const kept = await check("resolution is null or not in", "issues", {
        columns: ["id"],
        where: [{ any: [{ column: "resolution", op: "is null" }, { column: "resolution", op: "not in", values: listed }] }],
      });
      assert.equal(kept.length, total - inList);
    });

    it("in and not in: short lists, lists longer than 64 values (one parameter), empty lists, values not present", async () => {
      const issues = tables.issues;
      const ids = issues.rows.map((r) => r.id as number);
      const keys = issues.rows.map((r) => r.key as string);
      await check("id in short", "issues", { columns: ["id", "key"], where: [{ column: "id", op: "in", values: [ids[3]!, ids[7]!, 99_999_999] }] });
      await check("key in short", "issues", { columns: ["id", "key"], where: [{ column: "key", op: "in", values: [keys[1]!, keys[500]!, "NOPE-1"] }] });
      const every3rd = ids.filter((_, i) => i % 3 === 0);
      assert.ok(every3rd.length > 64);
      const long = await check("id in long", "issues", { columns: ["id"], where: [{ column: "id", op: "in", values: [...every3rd, -1] }] });
      assert.equal(long.length, every3rd.length);
      const notLong = await check("id not in long", "issues", { columns: ["id"], where: [{ column: "id", op: "not in", values: every3rd }] });
      assert.equal(notLong.length, ids.length - every3rd.length);
      await check("key in long", "issues", { columns: ["key"], where: [{ column: "key", op: "in", values: keys.filter((_, i) => i % 5 === 1) }] });
      await check("key not in long", "issues", { columns: ["key"], where: [{ column: "key", op: "not in", values: keys.filter((_, i) => i % 5 === 1) }] });
      const created = issues.rows.slice(0, 80).map((r) => r.created_date as string);
      await check("created_date in long", "issues", { columns: ["id"], where: [{ column: "created_date", op: "in", values: created }] });
      await check("story_points in", "issues", { columns: ["id", "story_points"], where: [{ column: "story_points", op: "in", values: [0.5, 13] }] });
      await check("story_points not in long", "issues", {
        columns: ["id", "story_points"],
        where: [{ column: "story_points", op: "not in", values: Array.from({ length: 70 }, (_, i) => i * 0.5) }],
      });
      await check("public in", "repos", { columns: ["repository_id"], where: [{ column: "public", op: "in", values: [true] }] });
      await check("active not in", "jiraUsers", { columns: ["user_name"], where: [{ column: "active", op: "not in", values: [true] }] });
      await check("commits repository_id in", "commits", { columns: ["repository_id", "commit_hash"], where: [{ column: "repository_id", op: "in", values: [2, 5, 7] }] });
      assert.equal((await check("id in empty", "issues", { columns: ["id"], where: [{ column: "id", op: "in", values: [] }] })).length, 0);
      assert.equal((await check("id not in empty", "issues", { columns: ["id"], where: [{ column: "id", op: "not in", values: [] }] })).length, ids.length);
    });

    it("like and not like: % and _, case-insensitive for ASCII letters, \\ escapes a wildcard; text, url and json columns", async () => {
      const cases: [TableName, string, string, "like" | "not like"][] = [
        ["issues", "key", "mktg-1_", "like"],
        ["issues", "summary", "%DEPLOY%", "like"],
        ["issues", "summary", "%deploy%", "not like"],
        ["issues", "labels", '%"FRONTEND"%', "like"],
        ["issues", "url", "/browse/plat-%", "like"],
        ["issues", "description", "%edge case%", "like"],
        ["issues", "description", "%edge case%", "not like"],
        ["fields", "field_id", "customfield\\_%", "like"],
        ["builds", "build_key", "CI_BUILD", "like"],
        ["builds", "build_key", "CI\\_BUILD", "like"],
        ["builds", "build_name", "%& unit%", "like"],
        ["pages", "page_content", "%EDGE CASE%", "like"],
        ["pages", "page_title", "%", "like"],
        // Non-ASCII letters match as written: SQLite's LIKE folds ASCII only, and so does ILIKE on the
        // C collation of PostgreSQL's text columns.
        ["issues", "creator_name", "françois%", "like"],
        ["issues", "creator_name", "FRANÇOIS%", "like"],
        ["issues", "project_name", "Маркетинг", "like"],
      ];
      const found = new Map<string, number>();
      for (const [name, column, value, op] of cases) {
        const label = `${name}.${column} ${op} ${value}`;
        const rows = await check(label, name, { columns: [...tables[name].def.key, column], where: [{ column, op, value }] });
        found.set(label, rows.length);
      }
      assert.equal(found.get("issues.key like mktg-1_"), 10, "MKTG-10 … MKTG-19: _ is one character, case folded");
      assert.ok(found.get("issues.summary like %DEPLOY%")! > 0);
      assert.ok(found.get("issues.labels like %\"FRONTEND\"%")! > 0);
      assert.ok(found.get("issues.url like /browse/plat-%")! > 0);
      assert.ok(found.get("fields.field_id like customfield\\_%")! > 0);
      assert.ok(found.get("builds.build_key like CI_BUILD")! > 0);
      assert.equal(found.get("builds.build_key like CI\\_BUILD"), 0, "an escaped _ is a literal underscore, not CI-BUILD's dash");
      assert.equal(found.get("pages.page_title like %"), tables.pages.rows.length);
      assert.ok(found.get("issues.creator_name like françois%")! > 0);
      assert.equal(found.get("issues.creator_name like FRANÇOIS%"), 0);
      assert.ok(found.get("issues.project_name like Маркетинг")! > 0);
      const withDescription = tables.issues.rows.filter((r) => r.description !== null).length;
      assert.ok(withDescription < tables.issues.rows.length);
      assert.equal(
        found.get("issues.description like %edge case%")! + found.get("issues.description not like %edge case%")!,
        withDescription,
        "not like leaves out nulls too",
      );
    });

    it("is null and is not null on text, integer, decimal, datetime, date and json columns", async () => {
      const cases: [TableName, string][] = [
        ["issues", "resolution"],
        ["issues", "story_points"],
        ["issues", "resolution_date"],
        ["issues", "due_date"],
        ["issues", "labels"],
        ["issues", "description"],
        ["pages", "page_parent_id"],
        ["commits", "message"],
      ];
      for (const [name, column] of cases) {
        const table = tables[name];
        const columns = [...table.def.key, column];
        const nulls = await check(`${name}.${column} is null`, name, { columns, where: [{ column, op: "is null" }] });
        const values = await check(`${name}.${column} is not null`, name, { columns, where: [{ column, op: "is not null" }] });
        assert.ok(nulls.every((r) => r.at(-1) === null) && values.every((r) => r.at(-1) !== null));
        assert.equal(nulls.length + values.length, table.rows.length);
      }
    });

    it("range: from inclusive, before exclusive, either bound alone; date ranges on datetime and date columns; numbers", async () => {
      const issues = tables.issues;
      const updated = valuesOf(issues, "updated_date") as string[];
      const at = updated[Math.floor(updated.length / 2)]!;
      const cols = ["id", "updated_date"];
      const fromAt = await check("updated from T", "issues", { columns: cols, where: [{ column: "updated_date", op: "range", from: at }] });
      assert.ok(fromAt.some((r) => r[1] === at), "from is inclusive");
      assert.ok(fromAt.every((r) => (r[1] as string) >= at));
      const beforeAt = await check("updated before T", "issues", { columns: cols, where: [{ column: "updated_date", op: "range", before: at }] });
      assert.ok(beforeAt.every((r) => (r[1] as string) < at), "before is exclusive");
      assert.equal(fromAt.length + beforeAt.length, issues.rows.length);
      assert.equal((await check("updated from T before T", "issues", { columns: cols, where: [{ column: "updated_date", op: "range", from: at, before: at }] })).length, 0);
      const second = await check("updated from T before T+1s", "issues", {
        columns: cols,
        where: [{ column: "updated_date", op: "range", from: at, before: plusSeconds(at, 1) }],
      });
      assert.deepEqual(
        second.map((r) => r[1]),
        issues.rows.filter((r) => r.updated_date === at).map((r) => r.updated_date),
      );

      // A month of days, given as dates: every row whose UTC time falls in it.
      for (const [name, column, month] of [
        ["issues", "updated_date", "2025-06"],
        ["builds", "build_updated_date", "2025-06"],
        ["commits", "committer_timestamp", "2025-12"],
        ["events", "created_date", "2025-06"],
      ] as const) {
        const table = tables[name];
        const [y, m] = month.split("-").map(Number) as [number, number];
        const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
        const rows = await check(`${name}.${column} in ${month}`, name, {
          columns: [...table.def.key, column],
          where: [{ column, op: "range", from: `${month}-01`, before: next }],
        });
        const inMonth = table.rows.filter((r) => String(r[column]).startsWith(`${month}-`));
        assert.ok(inMonth.length > 0, `${name} has rows in ${month}`);
        assert.deepEqual(rows, inMonth.map((r) => [...table.def.key.map((k) => r[k]), r[column]]), `${name}.${column} in ${month}`);
      }
      const july = await check("due_date in July 2024", "issues", { columns: ["id", "due_date"], where: [{ column: "due_date", op: "range", from: "2024-07-01", before: "2024-08-01" }] });
      assert.deepEqual(
        july,
        issues.rows.filter((r) => typeof r.due_date === "string" && r.due_date.startsWith("2024-07-")).map((r) => [r.id, r.due_date]),
      );
      assert.ok(july.length > 0);
      await check("votes range 2..5", "issues", { columns: ["id", "votes"], where: [{ column: "votes", op: "range", from: 2, before: 5 }] });
      await check("story_points range before 3", "issues", { columns: ["id", "story_points"], where: [{ column: "story_points", op: "range", before: 3 }] });
      await check("resolution_date range (nulls out)", "issues", {
        columns: ["id", "resolution_date"],
        where: [{ column: "resolution_date", op: "range", from: "2024-01-01", before: "2030-01-01" }],
      });
    });

    it("any is OR, several conditions are AND, nested; one-condition any is the condition", async () => {
      const where: Condition[] = [
        { any: [{ column: "status", op: "=", value: "Done" }, { column: "priority_name", op: "in", values: ["Highest", "High"] }] },
        { column: "updated_date", op: ">=", value: "2025-01-01T00:00:00Z" },
        {
          any: [
            { column: "assignee_id", op: "is null" },
            { column: "votes", op: ">", value: 3 },
            { any: [{ column: "labels", op: "like", value: "%frontend%" }, { column: "story_points", op: "range", from: 5 }] },
          ],
        },
        { column: "project_key", op: "!=", value: "MKTG" },
      ];
      const rows = await check("and of ors", "issues", { columns: ["id"], where });
      const byHand = tables.issues.rows.filter(
        (r) =>
          (r.status === "Done" || r.priority_name === "Highest" || r.priority_name === "High") &&
          (r.updated_date as string) >= "2025-01-01T00:00:00Z" &&
          (r.assignee_id === null ||
            (r.votes as number) > 3 ||
            (typeof r.labels === "string" && r.labels.toLowerCase().includes("frontend")) ||
            (r.story_points !== null && (r.story_points as number) >= 5)) &&
          r.project_key !== "MKTG",
      );
      assert.deepEqual(rows, byHand.map((r) => [r.id]));
      assert.ok(rows.length > 0 && rows.length < tables.issues.rows.length / 2, `${rows.length} rows`);
      const alone = await check("status = Done", "issues", { columns: ["id"], where: [{ column: "status", op: "=", value: "Done" }] });
      assert.deepEqual(await check("any of one", "issues", { columns: ["id"], where: [{ any: [{ column: "status", op: "=", value: "Done" }] }] }), alone);
      const both = await check("and", "issues", {
        columns: ["id"],
        where: [
          { column: "status", op: "=", value: "Done" },
          { column: "project_key", op: "=", value: "PLAT" },
        ],
      });
      assert.deepEqual(both, tables.issues.rows.filter((r) => r.status === "Done" && r.project_key === "PLAT").map((r) => [r.id]));
    });

    it("key ranges: >=, > and < on a composite key cut the rows as slices of key order", async () => {
      const commits = tables.commits;
      const key = (i: number) => commits.def.key.map((k) => commits.rows[i]![k]);
      const keyed = (from: number, to: number) => commits.rows.slice(from, to).map((r) => commits.def.key.map((k) => r[k]));
      const columns = [...commits.def.key];
      assert.deepEqual(await check("commits key 1000..2000", "commits", { columns, where: [{ key: ">=", values: key(1000) }, { key: "<", values: key(2000) }] }), keyed(1000, 2000));
      assert.deepEqual(await check("commits key > 2990", "commits", { columns, where: [{ key: ">", values: key(2990) }] }), keyed(2991, 3000));
      assert.deepEqual(
        await check("commits key < 10 in repo 1", "commits", { columns, where: [{ key: "<", values: key(10) }, { column: "repository_id", op: "=", value: 1 }] }),
        keyed(0, 10).filter((k) => k[0] === 1),
      );
    });

    it("columns: exactly those, in that order; orderBy over several columns, asc and desc, nulls first ascending; limit; scan", async () => {
      const issues = tables.issues;
      const projected = await check("projection", "issues", { columns: ["summary", "id", "votes", "scope_key"] });
      assert.deepEqual(projected, issues.rows.map((r) => [r.summary, r.id, r.votes, r.scope_key]));
      const all = await read(issues.site, { entity: issues.def, limit: 1 });
      assert.equal(all[0]!.length, storedColumns(issues.def).length, "default: every stored column");
      assert.deepEqual(all[0], storedColumns(issues.def).map((c) => issues.rows[0]![c.name]));

      const order: OrderBy[] = [{ column: "project_key" }, { column: "votes", desc: true }, { column: "resolution_date" }];
      const sorted = await check("order by project, votes desc, resolution date", "issues", { columns: ["project_key", "votes", "resolution_date", "id"], orderBy: order });
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1]!, sorted[i]!];
        const c = compare(a[0], b[0]) || compare(b[1], a[1]) || compareNullsFirst(a[2], b[2]) || compare(a[3], b[3]);
        assert.ok(c < 0, `row ${i} in order`);
      }
      const desc = await check("order by story points desc", "issues", { columns: ["story_points", "id"], orderBy: [{ column: "story_points", desc: true }] });
      assert.notEqual(desc[0]![0], null);
      assert.equal(desc.at(-1)![0], null, "nulls last descending");
      const asc = await check("order by resolution date", "issues", { columns: ["resolution_date", "id"], orderBy: [{ column: "resolution_date" }] });
      assert.equal(asc[0]![0], null, "nulls first ascending");
      assert.notEqual(asc.at(-1)![0], null);
      await check("order by a column not projected", "issues", { columns: ["id"], orderBy: [{ column: "updated_date", desc: true }] });
      await check("order by a boolean", "repos", { columns: ["repository_id", "public"], orderBy: [{ column: "public", desc: true }, { column: "fork" }] });
      await check("order by text, commits", "commits", { columns: ["commit_hash", "author_email"], orderBy: [{ column: "author_email" }, { column: "author_timestamp", desc: true }] });

      const top = await check("limit 7", "issues", { columns: ["id", "votes"], orderBy: [{ column: "votes", desc: true }], limit: 7 });
      assert.equal(top.length, 7);
      assert.equal(top[0]![1], Math.max(...issues.rows.map((r) => r.votes as number)));
      assert.deepEqual(await check("limit 0", "issues", { columns: ["id"], limit: 0 }), []);
      assert.equal((await check("limit past the end", "issues", { columns: ["id"], limit: 100_000 })).length, issues.rows.length);
      await check("limit with where", "issues", { columns: ["id"], where: [{ column: "status", op: "!=", value: "Done" }], limit: 5 });

      const filtered = { columns: ["id", "updated_date"], where: [{ column: "updated_date", op: ">=", value: "2025-06-01T00:00:00Z" } as const] };
      const planned = await check("where, planner's choice", "issues", filtered);
      assert.deepEqual(await check("where, key scan", "issues", { ...filtered, scan: "key" }), planned, "scan: key changes the path, not the answer");
    });

    it("distinct: each projected row once, sorted on the requested order then on the columns; with where and limit", async () => {
      const issues = tables.issues;
      const pairs = await check("distinct project, status", "issues", { columns: ["project_key", "status"], distinct: true });
      const byHand = [...new Set(issues.rows.map((r) => JSON.stringify([r.project_key, r.status])))].map((s) => JSON.parse(s) as unknown[]);
      assert.equal(pairs.length, byHand.length);
      assert.deepEqual(pairs, [...byHand].sort(compareTuples));
      const ordered = await check("distinct project desc, status", "issues", { columns: ["project_key", "status"], distinct: true, orderBy: [{ column: "project_key", desc: true }] });
      assert.deepEqual(ordered, [...byHand].sort((a, b) => compare(b[0], a[0]) || compare(a[1], b[1])));
      const statuses = await check("distinct status", "issues", { columns: ["status"], distinct: true });
      assert.deepEqual(statuses, (valuesOf(issues, "status") as string[]).map((s) => [s]));
      const resolutions = await check("distinct resolution", "issues", { columns: ["resolution"], distinct: true });
      assert.deepEqual(resolutions, [[null], ...(valuesOf(issues, "resolution") as string[]).map((s) => [s])], "null once, first");
      await check("distinct resolution desc", "issues", { columns: ["resolution"], distinct: true, orderBy: [{ column: "resolution", desc: true }] });
      await check("distinct with where and limit", "issues", {
        columns: ["priority_name", "issue_type"],
        distinct: true,
        where: [{ column: "votes", op: ">", value: 1 }],
        orderBy: [{ column: "issue_type" }],
        limit: 6,
      });
      await check("distinct booleans", "repos", { columns: ["public", "fork"], distinct: true });
      await check("distinct builds", "builds", { columns: ["repository_id", "build_state"], distinct: true, orderBy: [{ column: "build_state", desc: true }] });
    });

    it("values are normalised: date-times with milliseconds or offsets and dates are the UTC instant; numeric strings; numbers for text; booleans", async () => {
      const midnight = "2025-06-01T00:00:00Z";
      const canonical = { columns: ["id"], where: [{ column: "updated_date", op: ">=", value: midnight } as const] };
      const base = await check("updated >= 2025-06-01 (canonical)", "issues", canonical);
      assert.ok(base.length > 0 && base.length < tables.issues.rows.length);
      for (const form of ["2025-06-01T00:00:00.000Z", "2025-06-01T02:00:00+02:00", "2025-05-31T19:00:00-05:00", "2025-06-01T05:30:00+0530", "2025-06-01T00:00Z", "2025-06-01", " 2025-06-01 "]) {
        await check(`updated >= ${form}`, "issues", { columns: ["id"], where: [{ column: "updated_date", op: ">=", value: form }] }, canonical);
      }
      const at = tables.issues.rows[42]!.updated_date as string;
      const exactly = { columns: ["id"], where: [{ column: "updated_date", op: "=", value: at } as const] };
      const hit = await check("updated = T", "issues", exactly);
      assert.deepEqual(hit, [[tables.issues.rows[42]!.id]]);
      const shifted = new Date(Date.parse(at) + 3.5 * 3_600_000).toISOString().replace(/\.000Z$/, "+03:30");
      await check("updated = T with an offset", "issues", { columns: ["id"], where: [{ column: "updated_date", op: "=", value: shifted }] }, exactly);
      await check("updated = T with milliseconds", "issues", { columns: ["id"], where: [{ column: "updated_date", op: "=", value: at.replace("Z", ".000Z") }] }, exactly);
      await check(
        "updated in T forms",
        "issues",
        { columns: ["id"], where: [{ column: "updated_date", op: "in", values: [shifted, "2020-01-01"] }] },
        { columns: ["id"], where: [{ column: "updated_date", op: "in", values: [at, "2020-01-01T00:00:00Z"] }] },
      );
      await check(
        "updated range with offsets",
        "issues",
        { columns: ["id"], where: [{ column: "updated_date", op: "range", from: "2025-06-01T01:00:00+01:00", before: "2025-06-30T20:00:00-04:00" }] },
        { columns: ["id"], where: [{ column: "updated_date", op: "range", from: midnight, before: "2025-07-01T00:00:00Z" }] },
      );

      const votes = { columns: ["id"], where: [{ column: "votes", op: "=", value: 3 } as const] };
      await check("votes = 3", "issues", votes);
      await check("votes = '3'", "issues", { columns: ["id"], where: [{ column: "votes", op: "=", value: "3" }] }, votes);
      await check("votes = ' 3 '", "issues", { columns: ["id"], where: [{ column: "votes", op: "=", value: " 3 " }] }, votes);
      await check(
        "votes in strings",
        "issues",
        { columns: ["id"], where: [{ column: "votes", op: "in", values: ["1", 2, "-3"] }] },
        { columns: ["id"], where: [{ column: "votes", op: "in", values: [1, 2, -3] }] },
      );
      await check(
        "votes range strings",
        "issues",
        { columns: ["id"], where: [{ column: "votes", op: "range", from: "2", before: "5" }] },
        { columns: ["id"], where: [{ column: "votes", op: "range", from: 2, before: 5 }] },
      );
      const points = { columns: ["id"], where: [{ column: "story_points", op: "=", value: 0.5 } as const] };
      assert.ok((await check("story_points = 0.5", "issues", points)).length > 0);
      await check("story_points = '0.5'", "issues", { columns: ["id"], where: [{ column: "story_points", op: "=", value: "0.5" }] }, points);
      await check("story_points > '2.5'", "issues", { columns: ["id"], where: [{ column: "story_points", op: ">", value: "2.5" }] }, { columns: ["id"], where: [{ column: "story_points", op: ">", value: 2.5 }] });
      const inactive = { columns: ["user_name"], where: [{ column: "active", op: "=", value: false } as const] };
      assert.ok((await check("active = false", "jiraUsers", inactive)).length > 0);
      await check("active = 'false'", "jiraUsers", { columns: ["user_name"], where: [{ column: "active", op: "=", value: "false" }] }, inactive);
      await check("active = 0", "jiraUsers", { columns: ["user_name"], where: [{ column: "active", op: "=", value: 0 }] }, inactive);
      await check("public = 'true'", "repos", { columns: ["repository_id"], where: [{ column: "public", op: "=", value: "true" }] }, { columns: ["repository_id"], where: [{ column: "public", op: "=", value: true }] });
      await check("public = 1", "repos", { columns: ["repository_id"], where: [{ column: "public", op: "=", value: 1 }] }, { columns: ["repository_id"], where: [{ column: "public", op: "=", value: true }] });
      const user = { columns: ["user_id", "user_name"], where: [{ column: "user_id", op: "=", value: "101" } as const] };
      assert.equal((await check("bitbucket user_id = '101'", "bbUsers", user)).length, 1);
      await check("bitbucket user_id = 101", "bbUsers", { columns: ["user_id", "user_name"], where: [{ column: "user_id", op: "=", value: 101 }] }, user);
      const due = { columns: ["id"], where: [{ column: "due_date", op: ">=", value: "2024-07-05" } as const] };
      await check("due_date >= date", "issues", due);
      await check("due_date >= ' date '", "issues", { columns: ["id"], where: [{ column: "due_date", op: ">=", value: " 2024-07-05 " }] }, due);
    });

    it("streams in batches with backpressure; a read stopped early or a snapshot closed mid-read leaves no cursor, transaction or connection behind", async () => {
      const events = tables.events;
      const wiki = events.site;
      const columns = ["event_id", "event_name", "created_date"];
      const project = (rows: Row[]) => rows.map((r) => columns.map((c) => r[c]));

      // Consumed slowly, a few batches, then a break.
      const snapshot = await t.ctx.store.data.snapshot(wiki.id);
      try {
        const seen: unknown[][] = [];
        let batches = 0;
        for await (const batch of snapshot.rows({ entity: events.def, columns }, 7)) {
          assert.equal(batch.length, 7);
          seen.push(...batch.map((r) => r.map(plain)));
          await sleep(15);
          if (++batches === 5) break;
        }
        assert.deepEqual(seen, project(events.rows.slice(0, 35)));
        // The same snapshot goes on answering: counts and a whole read, slowly, in uneven batches.
        assert.equal(await snapshot.count({ entity: events.def, where: [{ column: "event_name", op: "=", value: "page_viewed" }] }), events.rows.filter((r) => r.event_name === "page_viewed").length);
        const all: unknown[][] = [];
        const sizes: number[] = [];
        for await (const batch of snapshot.rows({ entity: events.def, columns }, 299)) {
          sizes.push(batch.length);
          all.push(...batch.map((r) => r.map(plain)));
          if (sizes.length % 3 === 0) await sleep(5);
        }
        assert.deepEqual(all, project(events.rows));
        assert.ok(sizes.slice(0, -1).every((n) => n === 299) && sizes.at(-1)! <= 299 && sizes.length === Math.ceil(3000 / 299), `batches of 299: ${sizes.join(",")}`);
        // Two reads interleaved on one snapshot, one abandoned by return().
        const a = snapshot.rows({ entity: events.def, columns: ["event_id"] }, 100)[Symbol.asyncIterator]();
        const b = snapshot.rows({ entity: tables.pages.def, columns: ["page_id"] }, 50)[Symbol.asyncIterator]();
        const [a1, b1, a2] = [await a.next(), await b.next(), await a.next()];
        const firstColumn = (r: IteratorResult<unknown[][]>) => (r.value as unknown[][]).map((row) => row[0]);
        assert.deepEqual(firstColumn(a1), events.rows.slice(0, 100).map((r) => r.event_id));
        assert.deepEqual(firstColumn(b1), tables.pages.rows.slice(0, 50).map((r) => r.page_id));
        assert.deepEqual(firstColumn(a2), events.rows.slice(100, 200).map((r) => r.event_id));
        await a.return?.();
        await b.return?.();
        assert.equal(await snapshot.count(events.def), events.rows.length);
      } finally {
        await snapshot.close();
      }

      // More snapshots than the PostgreSQL pool has connections, each stopped after one batch.
      for (let i = 0; i < 14; i++) {
        const s = await t.ctx.store.data.snapshot(wiki.id);
        try {
          for await (const batch of s.rows({ entity: events.def, columns, where: [{ column: "event_id", op: ">", value: i * 100 }] }, 3)) {
            assert.deepEqual(batch.map((r) => r[0]), events.rows.filter((r) => (r.event_id as number) > i * 100).slice(0, 3).map((r) => r.event_id));
            break;
          }
        } finally {
          await s.close();
        }
      }

      // Closed in the middle of a read: the read ends with an error saying so, nothing hangs.
      const closing = await t.ctx.store.data.snapshot(wiki.id);
      const reading = closing.rows({ entity: events.def, columns }, 10)[Symbol.asyncIterator]();
      assert.equal((await reading.next()).value!.length, 10);
      await closing.close();
      await assert.rejects(reading.next(), /closed/i);
      await reading.return?.();
      await closing.close();

      // Every pooled connection takes writes (none was left in a read-only transaction) and reads see them.
      const users = tables.wikiUsers;
      const before_ = await count(wiki, { entity: users.def });
      const names = storedColumns(users.def).map((c) => c.name);
      const extra: Row[] = Array.from({ length: 12 }, (_, i) => ({ user_id: `stream-${i}`, user_name: `stream${i}`, user_fullname: `Stream ${i}`, user_email: `stream${i}@example.com` }));
      await Promise.all(extra.map((u) => t.ctx.store.data.upsert(wiki.id, users.def, [names.map((n) => u[n] ?? null)])));
      assert.equal(await count(wiki, { entity: users.def }), before_ + 12);
      assert.equal(await count(wiki, { entity: users.def, where: [{ column: "user_id", op: "like", value: "stream-%" }] }), 12);
      assert.equal(await t.ctx.store.data.deleteByKey(wiki.id, users.def, extra.map((u) => [u.user_id])), 12);
      assert.equal(await count(wiki, { entity: users.def }), before_);
      assert.deepEqual(await read(wiki, { entity: events.def, columns, limit: 3 }), project(events.rows.slice(0, 3)), "the next query works");
    });

    it("bad queries are refused: each problem a sluice.query.* key, naming the field and what is allowed, HTTP 400", async () => {
      const cases: [string, TableName, Record<string, unknown>, string, RegExp][] = [
        ["unknown column in where", "issues", { where: [{ column: "nope", op: "=", value: 1 }] }, "sluice.query.column.unknown", /^where\[0\]\.column: jira\.issues has no column 'nope'; its columns are id, url, key, project_key, /],
        ["unknown column in columns", "issues", { columns: ["id", "nope"] }, "sluice.query.column.unknown", /^columns\[1\]: jira\.issues has no column 'nope'; its columns are id, /],
        ["unknown column in orderBy", "issues", { orderBy: [{ column: "id" }, { column: "nope", desc: true }] }, "sluice.query.column.unknown", /^orderBy\[1\]\.column: jira\.issues has no column 'nope'/],
        ["the site's URL", "pages", { where: [{ column: "instance_url", op: "like", value: "%x%" }] }, "sluice.query.column.unknown", /^where\[0\]\.column: instance_url is the site's URL, the same on every row of confluence\.pages; it cannot be filtered or sorted on\./],
        ["text for an integer", "issues", { where: [{ column: "votes", op: ">", value: "many" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: votes \(integer\) needs a whole number, not 'many'\.$/],
        ["a fraction for an integer", "issues", { where: [{ column: "votes", op: "=", value: 1.5 }] }, "sluice.query.value.invalid", /^where\[0\]\.value: votes \(integer\) needs a whole number, not 1\.5\.$/],
        ["text for a decimal", "issues", { where: [{ column: "story_points", op: "<", value: "lots" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: story_points \(decimal\) needs a number, not 'lots'\.$/],
        ["hexadecimal for a decimal", "issues", { where: [{ column: "story_points", op: "<", value: "0x10" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: story_points \(decimal\) needs a number, not '0x10'\.$/],
        ["text for a datetime", "issues", { where: [{ column: "updated_date", op: ">=", value: "last week" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: updated_date \(datetime\) needs an ISO-8601 date-time with an offset, such as 2024-01-31T12:00:00Z, or a date such as 2024-01-31, not 'last week'\.$/],
        ["a date-time without an offset", "issues", { where: [{ column: "updated_date", op: ">=", value: "2025-06-01T00:00:00" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: updated_date \(datetime\) needs an ISO-8601 date-time with an offset/],
        ["a number for a datetime", "issues", { where: [{ column: "updated_date", op: "=", value: 1_717_200_000_000 }] }, "sluice.query.value.invalid", /^where\[0\]\.value: updated_date \(datetime\) needs an ISO-8601 date-time such as 2024-01-31T12:00:00Z, not 1717200000000\.$/],
        ["a date-time for a date", "issues", { where: [{ column: "due_date", op: "=", value: "2024-07-05T00:00:00Z" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: due_date \(date\) needs a date such as 2024-01-31, not '2024-07-05T00:00:00Z'\.$/],
        ["an impossible date", "issues", { where: [{ column: "due_date", op: "=", value: "2024-02-30" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: due_date \(date\) needs a date/],
        ["a non-boolean for a boolean", "jiraUsers", { where: [{ column: "active", op: "=", value: "yes" }] }, "sluice.query.value.invalid", /^where\[0\]\.value: active \(boolean\) needs true or false, not 'yes'\.$/],
        ["2 for a boolean", "repos", { where: [{ column: "public", op: "in", values: [true, 2] }] }, "sluice.query.value.invalid", /^where\[0\]\.values\[1\]: public \(boolean\) needs true or false, not 2\.$/],
        ["an object for text", "issues", { where: [{ column: "status", op: "=", value: { a: 1 } }] }, "sluice.query.value.invalid", /^where\[0\]\.value: status \(string\) needs text, not \{"a":1\}\.$/],
        ["a bad value in a list", "issues", { where: [{ column: "id", op: "in", values: [1, "x", 3] }] }, "sluice.query.value.invalid", /^where\[0\]\.values\[1\]: id \(integer\) needs a whole number, not 'x'\.$/],
        ["in without a list", "issues", { where: [{ column: "id", op: "in", values: 5 }] }, "sluice.query.invalid", /^where\[0\]\.values: give a list of at most 100000 values\.$/],
        ["like on a number column", "issues", { where: [{ column: "votes", op: "like", value: "1%" }] }, "sluice.query.invalid", /^where\[0\]: like works on text columns; votes is integer \(use =, <, >, in or range\)\.$/],
        ["not like on a datetime column", "issues", { where: [{ column: "updated_date", op: "not like", value: "2025%" }] }, "sluice.query.invalid", /^where\[0\]: not like works on text columns; updated_date is datetime/],
        ["a like pattern that is not text", "issues", { where: [{ column: "summary", op: "like", value: 5 }] }, "sluice.query.value.invalid", /^where\[0\]\.value: a like pattern is text with % and _ as wildcards\.$/],
        ["a negative limit", "issues", { limit: -1 }, "sluice.query.invalid", /^limit: give a whole number, 0 or more, not -1\.$/],
        ["a fractional limit", "issues", { limit: 2.5 }, "sluice.query.invalid", /^limit: give a whole number, 0 or more, not 2\.5\.$/],
        ["a limit that is not a number", "issues", { limit: "10" }, "sluice.query.invalid", /^limit: give a whole number, 0 or more, not 10\.$/],
        ["an empty any", "issues", { where: [{ column: "id", op: ">", value: 1 }, { any: [] }] }, "sluice.query.invalid", /^where\[1\]\.any: give at least one condition\.$/],
        ["a bad condition inside any", "issues", { where: [{ any: [{ column: "id", op: ">", value: 1 }, { column: "votes", op: "<", value: "x" }] }] }, "sluice.query.value.invalid", /^where\[0\]\.any\[1\]\.value: votes \(integer\) needs a whole number/],
        ["a range without bounds", "issues", { where: [{ column: "updated_date", op: "range" }] }, "sluice.query.invalid", /^where\[0\]: a range needs from, before or both\.$/],
        ["a range with a bad bound", "issues", { where: [{ column: "updated_date", op: "range", from: "2025-01-01", before: "soon" }] }, "sluice.query.value.invalid", /^where\[0\]\.before: updated_date \(datetime\) needs/],
        ["an unknown operator", "issues", { where: [{ column: "votes", op: "~", value: 1 }] }, "sluice.query.invalid", /^where\[0\]\.op: '~' is not an operator; use =, !=, <, <=, >, >=, in, not in, like, not like, is null, is not null or range\.$/],
        ["a key bound of the wrong length", "commits", { where: [{ key: ">=", values: [1] }] }, "sluice.query.invalid", /^where\[0\]: a key bound of bitbucket\.commits has 2 value\(s\) \(repository_id, commit_hash\)\.$/],
        ["columns that are not a list", "issues", { columns: "id" }, "sluice.query.invalid", /^columns: give at least one column of jira\.issues/],
        ["no columns", "issues", { columns: [] }, "sluice.query.invalid", /^columns: give at least one column of jira\.issues, or leave columns out for all of them\.$/],
        ["distinct sorted on a column it does not read", "issues", { columns: ["status"], distinct: true, orderBy: [{ column: "votes" }] }, "sluice.query.invalid", /^orderBy\[0\]\.column: a distinct query sorts on the columns it reads \(status\); votes is not one of them\.$/],
      ];
      for (const [label, name, query, code, message] of cases) {
        const refused = await refusal(name, query);
        assert.equal(refused.code, code, label);
        assert.equal(refused.status, 400, label);
        assert.equal(refused.problems.length, 1, `${label}: one problem: ${JSON.stringify(refused.problems)}`);
        assert.equal(refused.problems[0]!.key, code, label);
        assert.match(refused.problems[0]!.message, message, label);
      }
      // Hidden stored columns may be filtered on but are not offered.
      const hidden = await refusal("repos", { columns: ["nope"] });
      assert.doesNotMatch(hidden.problems[0]!.message, /slug|scope_key/);
      assert.ok((await count(tables.repos.site, { entity: tables.repos.def, where: [{ column: "slug", op: "=", value: "payments-service" }] })) > 0);
    });

    it("a query with several problems is refused with all of them, in order, each with its own key; the HTTP answer is 400 with every one", async () => {
      const refused = await refusal("issues", {
        where: [
          { column: "nope", op: "=", value: 1 },
          { column: "votes", op: ">=", value: "many" },
          { column: "votes", op: "like", value: "1%" },
          { any: [] },
          { column: "active", op: "=", value: true },
          { column: "updated_date", op: "range", from: "yesterday", before: "tomorrow" },
        ],
        columns: ["id", "ghost"],
        orderBy: [{ column: "phantom" }],
        limit: -5,
      });
      assert.equal(refused.code, "sluice.query.invalid", "mixed keys: the general code");
      assert.equal(refused.status, 400);
      const fields = refused.problems.map((p) => p.message.split(":")[0]);
      assert.deepEqual(fields, [
        "where[0].column",
        "where[1].value",
        "where[2]",
        "where[3].any",
        "where[4].column",
        "where[5].from",
        "where[5].before",
        "columns[1]",
        "orderBy[0].column",
        "limit",
      ]);
      assert.deepEqual(refused.problems.map((p) => p.key), [
        "sluice.query.column.unknown",
        "sluice.query.value.invalid",
        "sluice.query.invalid",
        "sluice.query.invalid",
        "sluice.query.column.unknown",
        "sluice.query.value.invalid",
        "sluice.query.value.invalid",
        "sluice.query.column.unknown",
        "sluice.query.column.unknown",
        "sluice.query.invalid",
      ]);
      for (const p of refused.problems) assert.equal(ERROR_STATUS[p.key as keyof typeof ERROR_STATUS], 400, p.key);
      const same = await refusal("issues", { columns: ["ghost"], orderBy: [{ column: "phantom" }] });
      assert.equal(same.code, "sluice.query.column.unknown", "one kind of problem: its own code");
      assert.equal(same.problems.length, 2);

      // As the API answers it (the server's own error renderer).
      const server = Fastify();
      server.setErrorHandler((error, _request, reply) => sendError(reply, error as SluiceError));
      server.get("/query", async () => t.ctx.store.data.count(tables.issues.site.id, { entity: tables.issues.def, columns: ["ghost"], limit: -1 }));
      try {
        const res = await server.inject({ method: "GET", url: "/query" });
        assert.equal(res.statusCode, 400);
        const body = res.json<{ statusCode: number; message: string; errors: { key: string; message: string }[] }>();
        assert.equal(body.statusCode, 400);
        assert.equal(body.message, "Invalid query of jira.issues");
        assert.deepEqual(body.errors.map((e) => e.key), ["sluice.query.column.unknown", "sluice.query.invalid"]);
      } finally {
        await server.close();
      }
    });
  });
}

it("SQLite and PostgreSQL give the same answers to the same queries", () => {
  const sqlite = answers.get("sqlite");
  const postgres = answers.get("postgres");
  assert.ok(sqlite && postgres, "both stores ran");
  assert.ok(sqlite.size > 150, `${sqlite.size} answers`);
  assert.deepEqual([...postgres.keys()].sort(), [...sqlite.keys()].sort(), "the same cases ran on both");
  for (const [label, rows] of sqlite) assert.deepEqual(postgres.get(label), rows, label);
});
