/**
 * A source names its credential from an allow-list only: a `SLUICE_SECRET_<NAME>` variable or a file of
 * the home's `secrets/` folder (0700). Another variable (the bootstrap token, the database URL's) or a
 * path is refused with a 400 naming the rule; a source stored before the rule, or a token file that is a
 * link out of the folder, fails its sync before any request leaves — nothing is sent to the URL.
 */
import assert from "node:assert/strict";
import { mkdir, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isSluiceError } from "../src/core/errors.js";
import { ReplayServer } from "./support/replay-server.js";
import type { Job } from "../src/core/job.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";

interface ErrorBody {
  statusCode: number;
  errors: { key: string; message: string }[];
}

describe("secrets come from an allow-list", () => {
  let t: TestApp;
  const server = new ReplayServer();
  const site = "/rest/admin/v1/sites/jira-acme";

  before(async () => {
    await server.start();
    server.handle(() => ({ status: 200, body: {} }));
    t = await startTestApp({
      seed_demo: false,
      env: { SLUICE_BOOTSTRAP_TOKEN: "sluice_bootstrap_0123456789abcdefghij", SLUICE_SECRET_ACME: "the-acme-token" },
    });
    const created = await t.app.inject({
      method: "POST",
      url: "/rest/admin/v1/sites",
      headers: { ...t.auth, "content-type": "application/json", "x-atlassian-token": "no-check" },
      payload: JSON.stringify({ product: "jira", contextPath: "/jira-acme" }),
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(async () => {
    await t?.close();
    await server.stop();
  });

  const putSource = (payload: unknown) =>
    t.app.inject({
      method: "PUT",
      url: `${site}/source`,
      headers: { ...t.auth, "content-type": "application/json", "x-atlassian-token": "no-check" },
      payload: JSON.stringify(payload),
    });

  it("the secrets folder is made with the home, owner-only", async () => {
    assert.equal((await stat(join(t.home, "secrets"))).mode & 0o777, 0o700);
  });

  it("a variable outside SLUICE_SECRET_* or a path as the token file is refused with a 400 naming the rule", async () => {
    const base = { kind: "jira-dc", url: server.base };
    for (const [payload, field, rule] of [
      [{ ...base, tokenEnv: "SLUICE_BOOTSTRAP_TOKEN" }, "tokenEnv", /SLUICE_SECRET_<NAME>/],
      [{ ...base, tokenEnv: "DATABASE_URL" }, "tokenEnv", /SLUICE_SECRET_<NAME>/],
      [{ ...base, tokenFile: "/etc/passwd" }, "tokenFile", /file in the secrets folder \(<home>\/secrets\), without a path/],
      [{ ...base, tokenFile: "../sluice.db" }, "tokenFile", /without a path/],
      [{ ...base, tokenFile: ".hidden" }, "tokenFile", /without a path/],
    ] as const) {
      const res = await putSource(payload);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json<ErrorBody>();
      const problem = body.errors.find((e) => e.key === `source.${field}`);
      assert.ok(problem, `${JSON.stringify(payload)}: ${res.body}`);
      assert.match(problem.message, rule);
    }
    const ok = await putSource({ ...base, tokenEnv: "SLUICE_SECRET_ACME" });
    assert.equal(ok.statusCode, 200, ok.body);
    const named = await putSource({ ...base, tokenFile: "acme-token" });
    assert.equal(named.statusCode, 200, named.body);
  });

  async function syncOnce(jira: Site): Promise<Job> {
    const started = await t.ctx.syncs.start(jira, { full: false, reconcile: false }, "api");
    assert.equal(started.outcome, "started");
    if (started.outcome === "started") await started.done;
    return (await t.ctx.store.jobs.get(Number(started.run.id)))!;
  }

  async function syncFails(source: unknown, pattern: RegExp): Promise<void> {
    const jira = (await t.ctx.store.sites.byKey("jira-acme"))!;
    await t.ctx.store.settings.set(jira.id, "source", source); // as stored by an earlier version
    const before_ = server.requests.length;
    const job = await syncOnce(jira);
    assert.equal(job.status, "FAILED");
    assert.match(JSON.stringify(job.errors), pattern);
    assert.equal(server.requests.length, before_, "no request left for the source's URL");
  }

  it("a source stored before the rule cannot send another variable or file: its sync is refused before any request", async () => {
    const jira = (await t.ctx.store.sites.byKey("jira-acme"))!;
    for (const [source, rule] of [
      [{ kind: "jira-dc", url: server.base, tokenEnv: "SLUICE_BOOTSTRAP_TOKEN" }, /SLUICE_SECRET_<NAME>/],
      [{ kind: "jira-dc", url: server.base, tokenFile: "/etc/hostname" }, /without a path/],
    ] as const) {
      await t.ctx.store.settings.set(jira.id, "source", source); // as stored by an earlier version
      const before_ = server.requests.length;
      await assert.rejects(t.ctx.syncs.start(jira, { full: false, reconcile: false }, "api"), (e: unknown) => {
        assert.ok(isSluiceError(e) && e.code === "sluice.source.invalid", String(e));
        assert.match((e as Error).message, rule);
        return true;
      });
      assert.equal(server.requests.length, before_, "no request left for the source's URL");
    }
  });

  it("a token file that links out of the secrets folder is refused; one inside is read", async () => {
    await symlink(join(t.home, "sluice.db"), join(t.home, "secrets", "escape"));
    await syncFails({ kind: "jira-dc", url: server.base, tokenFile: "escape" }, /a link out of the secrets folder/);
    await mkdir(join(t.home, "secrets"), { recursive: true });
    await writeFile(join(t.home, "secrets", "acme-token"), "file-token\n", { mode: 0o600 });
    const jira = (await t.ctx.store.sites.byKey("jira-acme"))!;
    await t.ctx.store.settings.set(jira.id, "source", { kind: "jira-dc", url: server.base, tokenFile: "acme-token", requestsPerSecond: 0 });
    await syncOnce(jira);
    assert.ok(server.requests.length > 0, "the sync reached the source");
    assert.ok(server.requests.every((r) => r.authorization === "Bearer file-token"), "with the file's token");
  });
});
