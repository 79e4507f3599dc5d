import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity, storedColumns } from "../src/core/entities/registry.js";
import type { Site, Store } from "../src/store/port.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";

/** Long text comes back from a snapshot as UTF-8 bytes. */
const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : v);

async function rowsOf(store: Store, site: Site, name: string): Promise<Record<string, unknown>[]> {
  const def = entity("confluence", name);
  const cols = storedColumns(def).map((c) => c.name);
  const snap = await store.data.snapshot(site.id);
  const out: Record<string, unknown>[] = [];
  try {
    for await (const batch of snap.rows(def, 1000)) for (const row of batch) out.push(Object.fromEntries(cols.map((c, i) => [c, text(row[i])])));
  } finally {
    await snap.close();
  }
  return out;
}

describe("sync confluence-dc", () => {
  let dir: string;
  let store: Store;
  let site: Site;
  const server = new ReplayServer();
  const fixtures = fixtureDir("confluence-dc");
  const env = { SLUICE_SECRET_WIKI: "tok" };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-sync-confluence-dc-"));
    store = openSqliteStore(join(dir, "sluice.db"));
    await store.sites.ensureOrganisation("demo-org", "Demo");
    site = await store.sites.create("demo-org", { product: "confluence", contextPath: "/wiki", baseUrl: "http://localhost:8080/wiki" });
    const base = await server.start();
    await store.settings.set(site.id, "source", { kind: "confluence-dc", url: base, tokenEnv: "SLUICE_SECRET_WIKI", requestsPerSecond: 0 });
  });
  after(async () => {
    await server.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a full sync pages with start/limit and _links.next and maps v1 content", async () => {
    server.load(join(fixtures, "common"), join(fixtures, "full"));
    const run = await runSync({ store, site, env });
    assert.deepEqual(server.unmatched, []);
    assert.equal(run.status, "SUCCEEDED");
    assert.equal(server.requests[0]!.authorization, "Bearer tok");
    assert.deepEqual(server.requestsTo("/rest/api/space").map((r) => r.query.get("start")), ["0", "1"]);
    const spaces = await rowsOf(store, site, "spaces");
    assert.deepEqual(spaces.map((s) => [s.space_key, s.space_url, s.homepage_url, s.space_type, s.space_status]), [
      ["OPS", "/display/OPS", "/display/OPS/Operations+Home", "global", "CURRENT"],
      ["~tom", "/display/~tom", null, "personal", "ARCHIVED"],
    ]);
    const pages = await rowsOf(store, site, "pages");
    assert.deepEqual(pages.map((p) => [p.page_id, p.page_type, p.page_parent_id, p.labels, p.page_version, p.creator_id, p.updated_date]), [
      [1998851, "page", null, null, 7, "8a7f808a8c2e1b5a018c2e1c0b4a0000", "2024-04-02T08:00:00Z"],
      [1998860, "page", 1998851, '["oncall","my:todo"]', 3, "8a7f808a8c2e1b5a018c2e1c0b4a0001", "2024-04-03T09:15:00Z"],
      [2064385, "blogpost", null, null, 1, "8a7f808a8c2e1b5a018c2e1c0b4a0000", "2024-04-05T06:00:00Z"],
    ]);
    assert.equal(pages[1]!.last_update_description, "Rota for Q2");
    assert.equal(pages[1]!.page_url, "/display/OPS/On-call");
    const comments = await rowsOf(store, site, "comments");
    assert.deepEqual(comments.map((c) => [c.comment_id, c.page_id, c.parent_comment_id, c.comment_content, c.scope_key]), [
      [2097153, 1998860, null, "<p>Swap with me?</p>", "OPS"],
      [2097154, 1998860, 2097153, "<p>Sure</p>", "OPS"],
    ]);
    const users = await rowsOf(store, site, "users");
    assert.deepEqual(users.map((u) => [u.user_name, u.user_fullname, u.user_email]), [
      ["eva", "Eva Braun-Lopez", ""],
      ["tom", "Tom Akers", ""],
    ]);
  });

  test("an incremental sync asks CQL for changes since the cursor minus the overlap", async () => {
    server.load(join(fixtures, "common"), join(fixtures, "incremental"));
    const run = await runSync({ store, site, env });
    assert.deepEqual(server.unmatched, []);
    assert.equal(run.counts.pages, 2);
    const pages = await rowsOf(store, site, "pages");
    assert.deepEqual(pages.map((p) => p.page_title), ["Operations Home", "On-call rota", "Q1 incident review"]);
    assert.equal(pages[1]!.last_modifier_id, "8a7f808a8c2e1b5a018c2e1c0b4a0000");
  });
});
