import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fastify, { type FastifyInstance } from "fastify";
import { syncCommand, saveSourceFromOptions } from "../src/cli/commands/sync.js";
import { sourcesRoutes } from "../src/server/routes/sources.js";
import type { Site, Store } from "../src/store/port.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { connectorSource } from "../src/sync/connector-source.js";
import { syncLock } from "../src/sync/run-state.js";
import { fixtureDir, ReplayServer } from "./support/replay-server.js";

describe("sync admin API and CLI", () => {
  let dir: string;
  let store: Store;
  let site: Site;
  let app: FastifyInstance;
  const server = new ReplayServer();
  const fixtures = fixtureDir("jira-cloud");
  const env = { SLUICE_SECRET_ACME: "s3cret-token" };
  const url = "/rest/admin/v1/sites/jira-acme";
  const pending: Promise<unknown>[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-sync-api-"));
    store = openSqliteStore(join(dir, "sluice.db"));
    await store.sites.ensureOrganisation("demo-org", "Demo");
    site = await store.sites.create("demo-org", { product: "jira", contextPath: "/jira-acme", baseUrl: "http://localhost/jira-acme" });
    await server.start();
    server.load(join(fixtures, "common"), join(fixtures, "full"));
    app = fastify();
    await app.register(sourcesRoutes, { store, env, onSync: (p) => pending.push(p) });
    await app.ready();
  });
  after(async () => {
    await Promise.all(pending);
    await app.close();
    await server.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("PUT source lists every problem at once and refuses a token in the body", async () => {
    const bad = await app.inject({ method: "PUT", url: `${url}/source`, payload: { kind: "jira-cloud", url: "not a url" } });
    assert.equal(bad.statusCode, 400);
    const body = bad.json<{ statusCode: number; errors: { key: string; message: string }[]; timestamp: string }>();
    assert.equal(body.statusCode, 400);
    assert.deepEqual(body.errors.map((e) => e.key).sort(), ["source.email", "source.tokenEnv", "source.url"]);
    assert.ok(body.timestamp);
    const secret = await app.inject({ method: "PUT", url: `${url}/source`, payload: { kind: "jira-cloud", url: server.base, email: "a@acme.com", token: "x" } });
    assert.equal(secret.statusCode, 400);
    assert.equal(secret.json().errors[0].key, "source.token");
    const wrongProduct = await app.inject({ method: "PUT", url: `${url}/source`, payload: { kind: "confluence-cloud", url: server.base, email: "a@acme.com", tokenEnv: "SLUICE_SECRET_ACME" } });
    assert.equal(wrongProduct.statusCode, 400);
    const missing = await app.inject({ method: "GET", url: "/rest/admin/v1/sites/nope/source" });
    assert.equal(missing.statusCode, 404);
  });

  test("PUT/GET source stores where the token lives, never a token; export is not ready before the first sync", async () => {
    const put = await app.inject({ method: "PUT", url: `${url}/source`, payload: { kind: "jira-cloud", url: `${server.base}/`, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 } });
    assert.equal(put.statusCode, 200);
    const get = await app.inject({ method: "GET", url: `${url}/source` });
    assert.deepEqual(get.json(), { kind: "jira-cloud", url: server.base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
    assert.doesNotMatch(get.body, /s3cret/);
    const problems = await connectorSource(store).readiness(site);
    assert.equal(problems[0]?.key, "export.pre.validation.failed");
    assert.match(problems[0].message, /first sync of site jira-acme .* has not finished/);
  });

  test("POST syncs starts a sync; GET syncs shows progress, history and counts; a second POST while running is 409", async () => {
    const post = await app.inject({ method: "POST", url: `${url}/syncs` });
    assert.equal(post.statusCode, 202);
    assert.equal(post.json().status, "RUNNING");
    await Promise.all(pending);
    const status = (await app.inject({ method: "GET", url: `${url}/syncs` })).json();
    assert.equal(status.running, false);
    assert.equal(status.current.status, "SUCCEEDED");
    assert.equal(status.history.length, 1);
    assert.equal(status.counts.issues, 3);
    assert.equal(status.counts.users, 3);
    assert.equal(status.lastError, null);
    assert.deepEqual(status.current.streams.map((s: { stream: string; status: string }) => [s.stream, s.status]), [
      ["users", "DONE"],
      ["issues", "DONE"],
      ["worklogs", "DONE"],
      ["sprints", "DONE"],
    ]);
    assert.equal(status.current.streams[1].total, 3);
    assert.deepEqual(await connectorSource(store).readiness(site), []);

    // A sync running on another node holds the site.
    const held = await store.jobs.create({
      siteId: site.id, kind: "sync", status: "STARTED", trigger: "api", lockKey: syncLock(site.id), params: { full: false, reconcile: false },
      result: null, progress: null, warnings: [], errors: [], nodeId: "node-r2", instanceId: "node-r2:1:0:r2", pid: 1, createdAt: Date.now(),
      startTime: Date.now(), completedTime: null, cancelledTime: null, leaseExpiresAt: Date.now() + 60_000, notBefore: 0, scheduleId: null, parentId: null,
    });
    assert.ok(held.ok);
    const busy = await app.inject({ method: "POST", url: `${url}/syncs` });
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().errors[0].key, "sluice.sync.running");
    const del = await app.inject({ method: "DELETE", url: `${url}/source` });
    assert.equal(del.statusCode, 409);
    await store.jobs.transition(held.job.id, ["STARTED"], { status: "COMPLETED", completedTime: Date.now() });
  });

  test("the CLI validates source options and syncs a site", async () => {
    await assert.rejects(
      saveSourceFromOptions(store, site, { source: "jira-cloud", url: "https://acme.atlassian.net" }),
      /invalid source:\n {2}--email: jira-cloud authenticates with an email and an API token: give --email\n|--api-token-env/,
    );
    await assert.rejects(saveSourceFromOptions(store, site, { url: "https://x" }), /--url need --source/);
    await saveSourceFromOptions(store, site, { source: "jira-cloud", url: server.base, email: "alice@acme.com", apiTokenEnv: "SLUICE_SECRET_ACME", syncInterval: "30" });
    const out: string[] = [];
    const err: string[] = [];
    const cmd = syncCommand({ openStore: async () => openSqliteStore(join(dir, "sluice.db")), env, out: (t) => out.push(t), err: (t) => err.push(t) });
    await cmd.parseAsync(["--site", "jira-acme"], { from: "user" });
    assert.deepEqual(err, ["users: 3 items", "issues: 3 items", "worklogs: 2 items", "sprints: 2 items"].map((l) => err.find((e) => e.startsWith(l)) ?? l));
    assert.equal(process.exitCode ?? 0, 0);
    assert.match(out.join(""), /^full sync succeeded in [\d.]+s: users 3, issues 3, issue_fields 4, issue_history 6, issue_links 1, worklogs 2, sprints 2\n$/);
    const del = await app.inject({ method: "DELETE", url: `${url}/source` });
    assert.equal(del.statusCode, 204);
    assert.equal((await app.inject({ method: "GET", url: `${url}/source` })).statusCode, 404);
  });
});
