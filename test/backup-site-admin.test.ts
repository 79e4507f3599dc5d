/**
 * Who may use the backup API (issue 16): organisation administrators everything; a site administrator
 * (a `SITE` grant on the site, to them or a group they are in) the policies, backups and restores of
 * that site only — never another site's, never the organisation's storages; anyone else 403.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { issueToken } from "../src/access/tokens.js";
import { entity } from "../src/core/entities/registry.js";
import { startTestApp, type TestApp } from "./support/app.js";

type Json = any;

describe("backup API: organisation and site administrators", () => {
  let t: TestApp;
  let orgId: string;
  let siteAdmin: Record<string, string>;
  let nobody: Record<string, string>;
  const call = async (auth: Record<string, string>, method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await t.app.inject({ method: method as "GET", url, headers: auth, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, json: res.body ? res.json() : null };
  };
  const api = (path: string) => `/rest/backup/v1/orgs/${orgId}${path}`;
  const settled = async (auth: Record<string, string>, path: string) => {
    const until = Date.now() + 60_000;
    for (;;) {
      await t.ctx.runner.dispatch();
      const { json } = await call(auth, "GET", path);
      if (json.status !== "IN_PROGRESS") return json;
      if (Date.now() > until) throw new Error(`${path} still in progress`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    t = await startTestApp({ config: { backup: { cadenceDays: 0 } } });
    orgId = (await call(t.auth, "GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
    // A site user of the wiki, made its administrator through a group.
    const user = String((await t.ctx.store.data.distinct(wiki.id, entity("confluence", "users"), ["user_name"], { column: "user_name", contains: "" }, 1))[0]!.user_name);
    await t.ctx.access.createGroup(wiki, "wiki-admins");
    await t.ctx.access.addMember(wiki, "wiki-admins", user);
    await t.ctx.access.grant(wiki, "SITE", { type: "group", name: "wiki-admins" });
    siteAdmin = { authorization: `Bearer ${await issueToken(t.ctx.store, { username: user, sysadmin: false, name: "site admin" })}` };
    nobody = { authorization: `Bearer ${await issueToken(t.ctx.store, { username: "someone-else", sysadmin: false, name: "nobody" })}` };
  });
  after(async () => t?.close());

  test("a site administrator sees and backs up their site only; storages and other sites are 403", async () => {
    assert.deepEqual((await call(siteAdmin, "GET", "/rest/backup/v1/orgs")).json.values.map((o: Json) => o.orgId), [orgId]);
    const sites = (await call(siteAdmin, "GET", api("/sites"))).json.values as Json[];
    assert.deepEqual(sites.map((s) => s.contextPath), ["/wiki"]);
    const all = (await call(t.auth, "GET", api("/sites"))).json.values as Json[];
    const wiki = all.find((s) => s.contextPath === "/wiki")!;
    const jira = all.find((s) => s.contextPath === "/jira")!;

    for (const [method, path, body] of [
      ["POST", "/storages/regions", undefined],
      ["GET", "/storages", undefined],
      ["POST", "/storages", { storageName: "x", storageRegion: "local", storageType: "filesystem", path: "/tmp" }],
      ["POST", `/cloud/${jira.cloudId}/policies`, { product: "JIRA", includeAttachments: false }],
    ] as const) {
      const res = await call(siteAdmin, method, api(path), body);
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.errors[0].key, "sluice.auth.forbidden");
    }

    const policy = await call(siteAdmin, "POST", api(`/cloud/${wiki.cloudId}/policies`), { product: "CONFLUENCE", includeAttachments: false });
    assert.equal(policy.status, 201, JSON.stringify(policy.json));
    const jiraPolicy = (await call(t.auth, "POST", api(`/cloud/${jira.cloudId}/policies`), { product: "JIRA", includeAttachments: false })).json;
    assert.deepEqual((await call(siteAdmin, "GET", api("/policies"))).json.values.map((p: Json) => p.policyId), [policy.json.policyId]);
    assert.equal((await call(siteAdmin, "GET", api(`/policies/${jiraPolicy.policyId}`))).status, 403);
    assert.equal((await call(siteAdmin, "PUT", api(`/policies/${jiraPolicy.policyId}`), { includeAttachments: true })).status, 403);
    assert.equal((await call(siteAdmin, "POST", api("/backups"), { policyId: jiraPolicy.policyId, cloudId: jira.cloudId })).status, 403);

    const started = await call(siteAdmin, "POST", api("/backups"), { policyId: policy.json.policyId, cloudId: wiki.cloudId });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const backup = await settled(siteAdmin, api(`/backups/${started.json.backupId}`));
    assert.equal(backup.status, "COMPLETE");
    const jiraBackup = await settled(t.auth, api(`/backups/${(await call(t.auth, "POST", api("/backups"), { policyId: jiraPolicy.policyId, cloudId: jira.cloudId })).json.backupId}`));
    assert.equal((await call(siteAdmin, "GET", api(`/backups/${jiraBackup.backupId}`))).status, 403);
    assert.equal((await call(siteAdmin, "POST", api(`/backups/${jiraBackup.backupId}/verify`), {})).status, 403);
    assert.equal((await call(siteAdmin, "POST", api(`/backups/${backup.backupId}/verify`), {})).status, 200);

    // Restores: into their own site, of their own site's backup (chosen space, same site) — not elsewhere.
    const space = String((await t.ctx.store.data.distinct((await t.ctx.store.sites.byKey("wiki"))!.id, entity("confluence", "spaces"), ["space_key"], { column: "space_key", contains: "" }, 1))[0]!.space_key);
    const dry = await call(siteAdmin, "POST", api(`/cloud/${wiki.cloudId}/restores`), { backupId: backup.backupId, product: "CONFLUENCE", includeUsersAndGroups: false, scopes: [space], dryRun: true });
    assert.equal(dry.status, 202, JSON.stringify(dry.json));
    assert.equal((await settled(siteAdmin, api(`/restores/${dry.json.restoreId}`))).status, "COMPLETE");
    assert.equal((await call(siteAdmin, "POST", api(`/cloud/${jira.cloudId}/restores`), { backupId: jiraBackup.backupId, product: "JIRA" })).status, 403);
    assert.equal((await call(siteAdmin, "POST", api(`/cloud/${wiki.cloudId}/restores`), { backupId: jiraBackup.backupId, product: "CONFLUENCE" })).status, 403);
    const jiraRestore = await call(t.auth, "POST", api(`/cloud/${jira.cloudId}/restores`), { backupId: jiraBackup.backupId, product: "JIRA", scopes: ["PLAT"], dryRun: true });
    assert.equal(jiraRestore.status, 202, JSON.stringify(jiraRestore.json));
    const listed = (await call(siteAdmin, "GET", api("/restores"))).json.values as Json[];
    assert.deepEqual(listed.map((r) => r.restoreId), [dry.json.restoreId]);
    assert.equal((await call(siteAdmin, "GET", api(`/restores/${jiraRestore.json.restoreId}`))).status, 403);
    assert.equal((await call(siteAdmin, "GET", api(`/cloud/${jira.cloudId}/migration/${jiraRestore.json.restoreId}/postOpReport`))).status, 403);
  });

  test("anyone else: no organisation to see, and 403 on every organisation resource", async () => {
    assert.deepEqual((await call(nobody, "GET", "/rest/backup/v1/orgs")).json.values, []);
    for (const path of ["/sites", "/policies", "/restores", "/exports"]) {
      const res = await call(nobody, "GET", api(path));
      assert.equal(res.status, 403, path);
    }
  });
});
