import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Site, Store } from "../src/store/port.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { connectorSource } from "../src/sync/connector-source.js";
import { runSync } from "../src/sync/run-sync.js";
import { systemClock, type Clock } from "../src/sources/connector/rate-budget.js";
import { syncStatus } from "../src/sync/sync-status.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";

const JIRA_401 = { errorMessages: ["You do not have permission to access this resource."], errors: {} };

describe("sync http behaviour (jira-cloud fixtures)", () => {
  let dir: string;
  let store: Store;
  let site: Site;
  let server: ReplayServer;
  const fixtures = fixtureDir("jira-cloud");
  const env = { SLUICE_SECRET_ACME: "s3cret-token" };
  const fast = { baseDelayMs: 5, maxDelayMs: 50, maxRetries: 3 };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-sync-http-"));
    store = openSqliteStore(join(dir, "sluice.db"));
    await store.sites.ensureOrganisation("demo-org", "Demo");
  });
  beforeEach(async () => {
    await server?.stop();
    server = new ReplayServer();
    const base = await server.start();
    server.load(join(fixtures, "common"), join(fixtures, "full"));
    site = await store.sites.create("demo-org", { product: "jira", contextPath: `/j${Date.now()}${Math.random().toString(36).slice(2, 6)}`, baseUrl: "http://localhost/j" });
    await store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
  });
  after(async () => {
    await server.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a 429 with Retry-After waits what the server asked, then succeeds", async () => {
    server.fail({ path: "/rest/api/3/users/search", status: 429, headers: { "retry-after": "1" }, body: JIRA_401 });
    const sleeps: number[] = [];
    const clock: Clock = { now: () => systemClock.now(), sleep: (ms, signal) => (sleeps.push(ms), systemClock.sleep(ms, signal)) };
    const run = await runSync({ store, site, env, clock, backoff: fast });
    assert.equal(run.status, "SUCCEEDED");
    assert.equal(run.retries, 1);
    assert.ok(sleeps.some((ms) => ms >= 1000 && ms <= 1250), `slept ${sleeps.join(", ")} ms`);
    assert.equal(server.requestsTo("/rest/api/3/users/search").length, 3);
  });

  test("a 500 is retried with backoff and the sync succeeds", async () => {
    server.fail({ path: "/rest/api/3/search/jql", status: 500, body: { errorMessages: ["Internal server error"], errors: {} } });
    const run = await runSync({ store, site, env, backoff: fast });
    assert.equal(run.status, "SUCCEEDED");
    assert.equal(run.retries, 1);
    assert.equal(run.counts.issues, 3);
  });

  test("a request that times out is retried; one that always times out fails naming the path", async () => {
    server.fail({ path: "/rest/api/3/field", hang: true });
    const ok = await runSync({ store, site, env, backoff: fast, timeoutMs: 300 });
    assert.equal(ok.status, "SUCCEEDED");
    assert.equal(ok.retries, 1);

    server.fail({ path: "/rest/api/3/priority", hang: true, times: 10 });
    await assert.rejects(runSync({ store, site, env, backoff: { ...fast, maxRetries: 1 }, timeoutMs: 200, full: true }), (error: Error) => {
      assert.match(error.message, /reading issues: the request to \/rest\/api\/3\/priority timed out after 200 ms 2 times/);
      return true;
    });
  });

  test("a 401 fails the sync with a clear message, recorded as the last error, and the export is not ready", async () => {
    server.fail({ path: "/rest/api/3/users/search", status: 401, body: JIRA_401 });
    await assert.rejects(runSync({ store, site, env, backoff: fast }), (error: Error) => {
      assert.equal(error.message, `the API token was rejected by ${server.base}: check --email and the API token in --api-token-env/--token-file`);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
    const current = (await syncStatus(store, site)).current;
    assert.equal(current?.status, "FAILED");
    assert.equal(current?.error?.entity, "users");
    assert.equal(current?.error?.path, "/rest/api/3/users/search");
    const problems = await connectorSource(store).readiness(site);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.key, "export.pre.validation.failed");
    assert.match(problems[0]!.message, /last sync .* failed: the API token was rejected/);
  });

  test("a response neither retried nor understood fails the sync naming the entity and path", async () => {
    server.fail({ path: "/rest/agile/1.0/board", status: 400, body: { errorMessages: ["The board does not support sprints"], errors: {} } });
    await assert.rejects(runSync({ store, site, env, backoff: fast }), (error: Error) => {
      assert.equal(error.message, "reading sprints: /rest/agile/1.0/board answered 400: The board does not support sprints");
      return true;
    });
  });

  test("a missing token is named without revealing anything", async () => {
    await assert.rejects(runSync({ store, site, env: {}, backoff: fast }), /the environment variable SLUICE_SECRET_ACME that should hold the API token/);
  });
});
