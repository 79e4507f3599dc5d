/**
 * The threaded writer (src/writers/thread/): the same file as the format's writer on the caller's
 * thread (text given as Buffers, as the stores give it), a refused value's error carried back, and an
 * abort that leaves nothing behind.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Column } from "../src/core/entities/types.js";
import { writerFactory } from "../src/writers/index.js";
import type { OutputFormat, RecordLayout } from "../src/writers/port.js";
import { openThreadedWriter } from "../src/writers/thread/index.js";

const columns: Column[] = [
  { name: "id", type: "integer" },
  { name: "title", type: "string" },
  { name: "body", type: "text" },
  { name: "done", type: "boolean" },
  { name: "at", type: "datetime" },
];
const layout: RecordLayout = {
  columns,
  input: columns,
  instanceUrl: "https://example.org",
  values: { embeddedLineBreakPreserve: false, embeddedLineBreakEscape: "\\n", descriptionMaxLength: 2000, pageContentMaxLength: 100_000 },
};
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => [from + i, `title ${from + i}`, Buffer.from(`body ${from + i}\nline ✓`), (from + i) % 2 === 0, "2026-01-15T12:00:00Z"]);

describe("threaded writer", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-thread-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const format of ["json", "ndjson", "csv"] as OutputFormat[]) {
    test(`${format}: the same bytes as on the caller's thread`, async () => {
      const direct = await writerFactory(format).open({ directory: dir, name: `direct.${format}` }, layout);
      const threaded = await openThreadedWriter(format, { directory: dir, name: `threaded.${format}` }, layout, { yieldCpu: true });
      for (let b = 0; b < 10; b++) {
        await direct.write(rows(b * 100, 100));
        await threaded.write(rows(b * 100, 100));
      }
      const [a, b] = [await direct.close(), await threaded.close()];
      assert.equal(b.rows, 1000);
      assert.equal(b.sha256, a.sha256);
      assert.deepEqual(await readFile(b.path), await readFile(a.path));
    });
  }

  test("parquet and xlsx: complete files with every row", async () => {
    for (const format of ["parquet", "xlsx"] as OutputFormat[]) {
      const w = await openThreadedWriter(format, { directory: dir, name: `t.${format}` }, layout, { yieldCpu: false });
      for (let b = 0; b < 5; b++) await w.write(rows(b * 50, 50));
      const file = await w.close();
      assert.equal(file.rows, 250);
      const head = (await readFile(file.path)).subarray(0, 4).toString("latin1");
      assert.equal(head, format === "parquet" ? "PAR1" : "PK\u0003\u0004");
    }
  });

  test("an abort leaves no file; an error in the thread reaches the caller", async () => {
    const w = await openThreadedWriter("json", { directory: dir, name: "gone.json" }, layout, { yieldCpu: false });
    await w.write(rows(0, 10));
    await w.abort();
    assert.ok(!(await readdir(dir)).some((n) => n.startsWith("gone.json")));
    await assert.rejects(openThreadedWriter("json", { directory: join(dir, "no", "such"), name: "x.json" }, layout, { yieldCpu: false }));
  });
});
