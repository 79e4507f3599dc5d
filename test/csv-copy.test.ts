/**
 * PostgreSQL renders CSV records itself (`COPY … TO STDOUT (FORMAT csv)`, src/store/postgres/csv-copy.ts):
 * the bytes must be exactly those of the export's own CSV writer on the same stored rows, for every
 * column type and for the values that make CSV hard (line breaks of every kind, quotes, commas, empty
 * strings, nulls, characters beyond U+FFFF at the truncation point, decimals, an instance URL with a
 * comma). Where PostgreSQL cannot match (preserved line breaks, an escape string needing quotes,
 * decimals PostgreSQL prints with an exponent) the store declines and the writer renders rows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CsvOptions } from "../src/core/csv.js";
import { entity, exportColumns } from "../src/core/entities/registry.js";
import type { Site, Store } from "../src/store/port.js";
import { CopyCsvTransform } from "../src/store/postgres/csv-copy.js";
import { DEFAULTS, HARD_TEXT, row, storeRendered as copied, written as rendered } from "./support/csv-rows.js";
import { openTestStore, type TestStore } from "./support/stores.js";
import { exportQuery } from "../src/core/query.js";

const issues = entity("jira", "issues");
const repositories = entity("bitbucket", "repositories");

describe("PostgreSQL COPY renders the export's CSV bytes", () => {
  let t: TestStore;
  let store: Store;
  let site: Site;
  let odd: Site;

  before(async () => {
    t = await openTestStore("postgres");
    store = t.store;
    await store.sites.ensureOrganisation("org-1", "Org one");
    site = await store.sites.create("org-1", { product: "jira", contextPath: "/jira", baseUrl: "http://localhost/jira" });
    odd = await store.sites.create("org-1", { product: "jira", contextPath: "/odd", baseUrl: "http://localhost/odd" });
    const decimals = [null, 0, -0, 2.5, 0.1 + 0.2, 13, 1e-4, 123456789012345, -7.125];
    await store.data.upsert(
      site.id,
      issues,
      Array.from({ length: 60 }, (_, i) =>
        row(issues, i + 1, {
          description: HARD_TEXT[i % HARD_TEXT.length],
          summary: HARD_TEXT[(i + 3) % HARD_TEXT.length],
          story_points: decimals[i % decimals.length],
        }),
      ),
    );
    await store.data.upsert(site.id, repositories, Array.from({ length: 30 }, (_, i) => row(repositories, i + 1, {})));
    await store.data.upsert(odd.id, issues, [row(issues, 1, { story_points: 1e-7 }), row(issues, 2, { story_points: 2e20 })]);
  });
  after(async () => t.cleanup());

  const cases: [string, Partial<CsvOptions>, string][] = [
    ["default options", {}, "http://localhost:8080/jira"],
    ["an instance URL with a comma and a long escape", { embeddedLineBreakEscape: "<br/>" }, "http://h/a,b"],
    ["an empty escape string and no truncation", { embeddedLineBreakEscape: "", descriptionMaxLength: 100_000 }, "http://h"],
  ];
  for (const [name, options, instanceUrl] of cases) {
    it(`same bytes as the CSV writer: ${name}`, async () => {
      const csv = { ...DEFAULTS, ...options };
      const snapshot = await store.data.snapshot(site.id);
      try {
        for (const def of [issues, repositories]) {
          const expected = await rendered(snapshot, def, csv, instanceUrl);
          const actual = await copied(snapshot, def, csv, instanceUrl);
          assert.ok(actual, `${def.name}: the store renders these options`);
          assert.equal(actual.text, expected, `${def.name}: COPY output differs from the CSV writer`);
          assert.equal(actual.rows, await store.data.count(site.id, def));
        }
      } finally {
        await snapshot.close();
      }
    });
  }

  it("declines what it cannot render the same way: preserved line breaks, a quoting escape, exponent decimals", async () => {
    const snapshot = await store.data.snapshot(site.id);
    try {
      assert.equal(await copied(snapshot, issues, { ...DEFAULTS, embeddedLineBreakPreserve: true }, "http://h"), undefined);
      assert.equal(await copied(snapshot, issues, { ...DEFAULTS, embeddedLineBreakEscape: '","' }, "http://h"), undefined);
      // Rows still come through the snapshot afterwards: declining leaves the connection usable.
      assert.ok((await rendered(snapshot, issues, DEFAULTS, "http://h")).length > 0);
    } finally {
      await snapshot.close();
    }
    const oddSnapshot = await store.data.snapshot(odd.id);
    try {
      assert.equal(await copied(oddSnapshot, issues, DEFAULTS, "http://h"), undefined);
      assert.match(await rendered(oddSnapshot, issues, DEFAULTS, "http://h"), /,1e-7,|,200000000000000000000,/);
    } finally {
      await oddSnapshot.close();
    }
  });

  it("stopping half-way (cancel) leaves no broken connection behind", async () => {
    const csv = DEFAULTS;
    for (let round = 0; round < 3; round++) {
      const snapshot = await store.data.snapshot(site.id);
      const records = await snapshot.encode!(exportQuery(issues, {}), { format: "csv", columns: exportColumns(issues, 1), csv, instanceUrl: "http://h" });
      for await (const _chunk of records!) break;
      await snapshot.close();
    }
    assert.equal(await store.data.count(site.id, issues), 60);
  });
});

describe("CopyCsvTransform (PostgreSQL CSV → the export's CSV)", () => {
  // As PostgreSQL writes it: LF records, raw line breaks inside quoted fields.
  const input =
    'a,"x\r\ny",1\n' + // quoted only for a line break: quotes go
    '"has, comma\nand break","say ""hi""\r",\n' + // quoted for a comma / a quote: quotes stay
    '"\r\n",plain,"lone\rcr"\n' +
    ',,\n';
  const expected =
    "a,x<br>y,1\r\n" + '"has, comma<br>and break","say ""hi""<br>",\r\n' + "<br>,plain,lone<br>cr\r\n" + ",,\r\n";

  it("rewrites line breaks, drops quotes kept only for them, ends records with CRLF", () => {
    const t = new CopyCsvTransform("<br>");
    t.push(Buffer.from(input));
    const out = t.take();
    assert.equal(out.bytes.toString(), expected);
    assert.equal(out.rows, 4);
    assert.equal(t.pending, 0);
  });

  it("gives the same bytes however the input is cut into chunks", () => {
    const bytes = Buffer.from(input);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, cut + 3, bytes.length]) {
        const t = new CopyCsvTransform("<br>");
        const pieces = [bytes.subarray(0, cut), bytes.subarray(cut, Math.min(second, bytes.length)), bytes.subarray(Math.min(second, bytes.length))];
        const outs = pieces.map((p) => {
          t.push(p);
          return t.take();
        });
        assert.equal(Buffer.concat(outs.map((o) => o.bytes)).toString(), expected, `cut at ${cut}/${second}`);
        assert.equal(outs.reduce((n, o) => n + o.rows, 0), 4);
        assert.equal(t.pending, 0);
      }
    }
  });
});
