/**
 * A crash (kill -9) of the server mid-export: on restart the job is FAILED with export.node.lost,
 * no complete-looking file is incomplete, and a new export starts at once and completes.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { entitiesForExport } from "../src/core/entities/registry.js";
import { isoUtcSeconds, parseOffsetDateTime } from "../src/core/time.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { parseWithCsvParse } from "./support/csv-check.js";
import { api, startSluice, type SluiceProcess } from "./support/server.js";
import { exportQuery } from "../src/core/query.js";

const FROM = "2020-01-01T00:00Z";

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("export after a crash", () => {
  const procs: SluiceProcess[] = [];
  after(async () => {
    for (const p of procs) await p.kill();
    await procs[0]?.cleanup();
  });

  it("kill -9 mid-export: job FAILED export.node.lost on restart, no incomplete file without .partial, a new export completes", async () => {
    const first = await startSluice({ env: { SLUICE_EXPORT_ROWS_PER_SECOND: "400" } });
    procs.push(first);
    const started = await api(first, "POST", `/wiki/rest/datapipeline/latest/export?fromDate=${encodeURIComponent(FROM)}`);
    assert.equal(started.status, 202);
    const jobId = started.json.jobId as number;
    // Wait until the export is inside the pages file (users and spaces are complete by then).
    await waitUntil("the pages file", async () => {
      const r = await api(first, "GET", "/wiki/rest/datapipeline/latest/export");
      return r.json.progress?.entity === "pages" && r.json.progress.rowsWritten > 0 ? true : undefined;
    });
    await first.kill();

    const dir = join(first.home, "shared", "data-pipeline", "export", "wiki", String(jobId));
    const names = await readdir(dir);
    assert.ok(names.some((n) => n.endsWith(".csv.partial")), `a .partial file is left: ${names.join(", ")}`);
    assert.ok(!names.includes("manifest.json"), "no manifest for an unfinished job");
    // Every file with a final name is complete: its rows are all the rows of its entity.
    const store = openSqliteStore(join(first.home, "sluice.db"));
    try {
      const site = (await store.sites.byKey("wiki"))!;
      const since = isoUtcSeconds(parseOffsetDateTime(FROM)!);
      for (const name of names.filter((n) => n.endsWith(".csv"))) {
        const def = entitiesForExport("confluence", 1).find((d) => name.startsWith(`${d.name}_job`))!;
        const expected = await store.data.count(site.id, exportQuery(def, def.cursor ? { since } : {}));
        assert.equal((await parseWithCsvParse(join(dir, name))).length - 1, expected, `${name} is complete`);
      }
    } finally {
      await store.close();
    }

    const second = await startSluice({ home: first.home, token: first.token });
    procs.push(second);
    const lost = await api(second, "GET", "/wiki/rest/datapipeline/latest/export");
    assert.equal(lost.json.jobId, jobId);
    assert.equal(lost.json.status, "FAILED");
    assert.ok(lost.json.completedTime);
    assert.equal(lost.json.errors[0].key, "export.node.lost");

    const again = await api(second, "POST", `/wiki/rest/datapipeline/latest/export?fromDate=${encodeURIComponent(FROM)}`);
    assert.equal(again.status, 202, JSON.stringify(again.json));
    assert.equal(again.json.jobId, jobId + 1);
    const done = await waitUntil("the new export to complete", async () => {
      const r = await api(second, "GET", "/wiki/rest/datapipeline/latest/export");
      return r.json.status === "STARTED" ? undefined : r.json;
    });
    assert.equal(done.status, "COMPLETED");
    const newDir = await readdir(join(first.home, "shared", "data-pipeline", "export", "wiki", String(jobId + 1)));
    assert.ok(newDir.includes("manifest.json"));
    assert.ok(!newDir.some((n) => n.endsWith(".partial")));
  });
});
