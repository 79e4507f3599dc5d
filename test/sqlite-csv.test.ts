/**
 * SQLite renders CSV records itself through the `sluice_csv` extension (native/sluice_csv.c,
 * src/store/sqlite/csv-render.ts): the bytes must be exactly those of the export's own CSV writer on
 * the same stored rows, for every column type, the values that make CSV hard, numbers printed as
 * JavaScript prints them, and every filter an export uses (fromDate, opt-outs, key-range parts) over
 * many batches. Where it cannot match (preserved line breaks, an escape string needing quotes) the
 * store declines and the writer renders rows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { CsvOptions } from "../src/core/csv.js";
import { entity, exportColumns } from "../src/core/entities/registry.js";
import type { Site, Store } from "../src/store/port.js";
import { loadCsvExtension } from "../src/store/sqlite/csv-render.js";
import { DEFAULTS, HARD_TEXT, row, storeRendered, written } from "./support/csv-rows.js";
import { openTestStore, type TestStore } from "./support/stores.js";
import { exportQuery, type ExportWindow } from "../src/core/query.js";

const issues = entity("jira", "issues");
const history = entity("jira", "issue_history");
const repositories = entity("bitbucket", "repositories");

const NUMBERS = [null, 0, -0, 2.5, 0.1 + 0.2, 13, 1e-4, 1e-7, 123456789012345, -7.125, 2e20, 1e21, 1.5e300, 5e-324, Infinity, -Infinity, 2 ** 60, -(2 ** 53) - 2];

describe("SQLite's sluice_csv extension renders the export's CSV bytes", () => {
  let t: TestStore;
  let store: Store;
  let site: Site;

  before(async () => {
    t = await openTestStore("sqlite");
    store = t.store;
    await store.sites.ensureOrganisation("org-1", "Org one");
    site = await store.sites.create("org-1", { product: "jira", contextPath: "/jira", baseUrl: "http://localhost/jira" });
    await store.data.upsert(
      site.id,
      issues,
      Array.from({ length: 80 }, (_, i) =>
        row(issues, i + 1, {
          description: HARD_TEXT[i % HARD_TEXT.length],
          summary: HARD_TEXT[(i + 3) % HARD_TEXT.length],
          story_points: NUMBERS[i % NUMBERS.length],
        }),
      ),
    );
    await store.data.upsert(site.id, repositories, Array.from({ length: 30 }, (_, i) => row(repositories, i + 1, {})));
    // Enough rows for many batches, with a three-column key.
    await store.data.upsert(
      site.id,
      history,
      Array.from({ length: 12_000 }, (_, i) =>
        row(history, i + 1, { issue_id: Math.floor(i / 40) + 1, change_id: (i % 40) % 7, field: `f${i % 40}` }),
      ),
    );
  });
  after(async () => t.cleanup());

  it("is built and loaded on this machine (npm run build compiles it with the system C compiler)", async () => {
    const snapshot = await store.data.snapshot(site.id);
    try {
      const records = await snapshot.encode!(exportQuery(issues, {}), { format: "csv", columns: exportColumns(issues, 1), csv: DEFAULTS, instanceUrl: "http://h" });
      assert.ok(records, "dist/native/sluice_csv.so is missing or does not load: run `npm run build` with a C compiler (cc) installed");
    } finally {
      await snapshot.close();
    }
  });

  const cases: [string, Partial<CsvOptions>, string][] = [
    ["default options", {}, "http://localhost:8080/jira"],
    ["an instance URL with a comma and a long escape", { embeddedLineBreakEscape: "<br/>" }, "http://h/a,b"],
    ["an empty escape string and no truncation", { embeddedLineBreakEscape: "", descriptionMaxLength: 100_000 }, "http://h"],
    ["truncation to one unit", { descriptionMaxLength: 1 }, 'http://h/"q"'],
    ["a limit beyond any stored value", { descriptionMaxLength: 1e13 }, "http://h"],
  ];
  for (const [name, options, instanceUrl] of cases) {
    it(`same bytes as the CSV writer: ${name}`, async () => {
      const csv = { ...DEFAULTS, ...options };
      const snapshot = await store.data.snapshot(site.id);
      try {
        for (const def of [issues, repositories, history]) {
          const expected = await written(snapshot, def, csv, instanceUrl);
          const actual = await storeRendered(snapshot, def, csv, instanceUrl);
          assert.ok(actual, `${def.name}: the store renders these options`);
          assert.equal(actual.text, expected, `${def.name}: sluice_csv output differs from the CSV writer`);
          assert.equal(actual.rows, await store.data.count(site.id, def));
        }
      } finally {
        await snapshot.close();
      }
    });
  }

  it("same rows and bytes for every export filter, over many batches: fromDate, opt-outs, key-range parts", async () => {
    const snapshot = await store.data.snapshot(site.id);
    try {
      const bounds = [
        [57, 3, "f12"],
        [201, 0, "f0"],
      ];
      const filters: [string, ExportWindow][] = [
        ["everything", {}],
        ["fromDate", { since: "2024-03-15T00:00:00Z" }],
        ["opt-out", { excludeScopes: ["A"] }],
        ["fromDate and opt-outs", { since: "2024-03-10T00:00:00Z", excludeScopes: ["B", "C"] }],
        ["first part", { keyBefore: bounds[0]! }],
        ["middle part", { keyFrom: bounds[0]!, keyBefore: bounds[1]! }],
        ["last part, opted out", { keyFrom: bounds[1]!, excludeScopes: ["A"] }],
        ["empty range", { keyFrom: bounds[1]!, keyBefore: bounds[1]! }],
      ];
      let parts = "";
      for (const [name, filter] of filters) {
        const expected = await written(snapshot, history, DEFAULTS, "http://h", filter);
        const actual = (await storeRendered(snapshot, history, DEFAULTS, "http://h", filter))!;
        assert.equal(actual.text, expected, `${name}: bytes differ`);
        assert.equal(actual.rows, await snapshot.count(exportQuery(history, filter)), `${name}: row count`);
        if (name === "everything") assert.ok(actual.chunks >= 3, `several batches (${actual.chunks})`);
        if (name === "first part" || name === "middle part") parts += actual.text;
      }
      // Consecutive parts of a split file join into the rows of their whole range.
      const whole = (await storeRendered(snapshot, history, DEFAULTS, "http://h", { keyBefore: bounds[1]! }))!.text;
      assert.equal(parts, whole);
    } finally {
      await snapshot.close();
    }
  });

  it("declines what it cannot render the same way: preserved line breaks, an escape string needing quotes", async () => {
    const snapshot = await store.data.snapshot(site.id);
    try {
      assert.equal(await storeRendered(snapshot, issues, { ...DEFAULTS, embeddedLineBreakPreserve: true }, "http://h"), undefined);
      assert.equal(await storeRendered(snapshot, issues, { ...DEFAULTS, embeddedLineBreakEscape: '","' }, "http://h"), undefined);
      assert.ok((await written(snapshot, issues, DEFAULTS, "http://h")).length > 0);
    } finally {
      await snapshot.close();
    }
  });

  it("stopping half-way (cancel) and closing the snapshot leaves the store usable", async () => {
    for (let round = 0; round < 3; round++) {
      const snapshot = await store.data.snapshot(site.id);
      const records = await snapshot.encode!(exportQuery(history, {}), { format: "csv", columns: exportColumns(history, 1), csv: DEFAULTS, instanceUrl: "http://h" });
      for await (const _chunk of records!) break;
      await snapshot.close();
    }
    await store.data.upsert(site.id, repositories, [row(repositories, 99, {})]);
    assert.equal(await store.data.count(site.id, repositories), 31);
  });
});

describe("sluice_csv prints numbers as JavaScript's String(number)", () => {
  it("for 200,000 random doubles of every magnitude and 20,000 short decimals", () => {
    const db = new Database(":memory:");
    try {
      assert.ok(loadCsvExtension(db), "the extension loads");
      const values: number[] = [];
      const bits = new Uint32Array(2);
      const f = new Float64Array(bits.buffer);
      for (let i = 0; i < 200_000; i++) {
        bits[0] = (Math.random() * 2 ** 32) >>> 0;
        bits[1] = (Math.random() * 2 ** 32) >>> 0;
        if (Number.isFinite(f[0]!)) values.push(f[0]!);
      }
      for (let i = 0; i < 20_000; i++) values.push(Number((Math.random() * 10 ** ((i % 30) - 10)).toPrecision((i % 17) + 1)));
      for (let e = -330; e <= 310; e++) values.push(10 ** e, 2 ** (e % 1075), -(5 * 10 ** e));
      values.push(0, -0, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 0.1, 1 / 3, 123e-20, 1e21, 999999999999999900000);
      db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL)");
      const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
      db.transaction(() => values.forEach((v) => insert.run(v)))();
      const out = (db.prepare("SELECT sluice_csv('n', '', '', v) FROM (SELECT v FROM t ORDER BY id)").pluck().get() as Buffer).toString();
      const lines = out.split("\r\n");
      lines.pop();
      assert.equal(lines.length, values.length);
      // SQLite keeps -0 as 0, which JavaScript prints "0" too.
      const mismatches = values.map((v, i) => [String(v), lines[i]]).filter(([a, b]) => a !== b);
      assert.deepEqual(mismatches.slice(0, 10), []);
    } finally {
      db.close();
    }
  });

  it("rejects a malformed spec with an SQL error, not a crash", () => {
    const db = new Database(":memory:");
    try {
      assert.ok(loadCsvExtension(db));
      assert.throws(() => db.prepare("SELECT sluice_csv('x', '', '', 1)").get(), /unknown column kind/);
      assert.throws(() => db.prepare("SELECT sluice_csv('nn', '', '', 1)").get(), /number of values/);
      assert.throws(() => db.prepare("SELECT sluice_csv('n', ',', '', 1)").get(), /escape/);
      assert.throws(() => db.prepare("SELECT sluice_csv(NULL, '', '', 1)").get(), /spec/);
    } finally {
      db.close();
    }
  });
});
