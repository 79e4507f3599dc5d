/**
 * Nothing skipped in silence (issue 17): an item the source names but does not give is counted and
 * named in the run record (`skipped`). Jira Cloud: a worklog listed as updated that `/worklog/list` does
 * not return (its issue is hidden from the token) — on SQLite and PostgreSQL. Also: sprints of
 * team-managed boards are not skipped.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

for (const kind of STORE_KINDS) {
  describe(`skipped items in the run record (${kind})`, () => {
    let t: TestStore;
    const server = new ReplayServer();
    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => {
      await server.stop();
      await t.cleanup();
    });

    test("a worklog the token cannot see is counted and named, the others stored", async () => {
      const site = await t.store.sites.create("demo-org", { product: "jira", contextPath: "/jira-skipped", baseUrl: "http://localhost:8080/jira-skipped" });
      const base = await server.start();
      await t.store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
      const fixtures = fixtureDir("jira-cloud");
      server.load(join(fixtures, "common"), join(fixtures, "full"), join(fixtures, "skipped"));
      const run = await runSync({ store: t.store, site, env: { SLUICE_SECRET_ACME: "s3cret-token" } });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);
      assert.deepEqual(run.skipped, [{ entity: "worklogs", reason: "not visible to the token (listed as updated, not returned by /worklog/list)", count: 1, names: ["100003"] }]);
      assert.equal(await t.store.data.count(site.id, entity("jira", "worklogs")), 2);
    });
  });
}

for (const kind of STORE_KINDS) {
  describe(`sprints of every board type (${kind})`, () => {
    let t: TestStore;
    const server = new ReplayServer();
    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
    });
    after(async () => {
      await server.stop();
      await t.cleanup();
    });

    test("a team-managed board's sprints are synced; one with sprints off (400) is passed over", async () => {
      const site = await t.store.sites.create("demo-org", { product: "jira", contextPath: "/jira-boards", baseUrl: "http://localhost:8080/jira-boards" });
      const base = await server.start();
      await t.store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
      const fixtures = fixtureDir("jira-cloud");
      server.load(join(fixtures, "common"), join(fixtures, "full"), join(fixtures, "team-managed"));
      const run = await runSync({ store: t.store, site, env: { SLUICE_SECRET_ACME: "s3cret-token" } });
      assert.equal(run.status, "SUCCEEDED", JSON.stringify(run.error));
      assert.deepEqual(server.unmatched, []);
      const snap = await t.store.data.snapshot(site.id);
      const ids: number[] = [];
      try {
        for await (const batch of snap.rows({ entity: entity("jira", "sprints"), columns: ["sprint_id"] }, 100)) for (const r of batch) ids.push(Number(r[0]));
      } finally {
        await snap.close();
      }
      assert.deepEqual(ids.sort((a, b) => a - b), [37, 38, 41]);
    });
  });
}
