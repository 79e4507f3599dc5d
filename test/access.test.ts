/**
 * Who may see what, on SQLite and PostgreSQL: the demo's groups and grants (restricted spaces and
 * projects, personal ones for their owners), the query layer showing a user only the rows of the scopes
 * they may browse — comments of pages in other spaces included — and everything to a sysadmin;
 * grants to a user, a group and anyone; Bitbucket project grants covering their repositories and public
 * repositories seen by all; `scopesFor` agreeing with what queries return; the admin API's answers to
 * bad requests; the CLI; tokens for a person without admin rights.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { EVERYONE, type Viewer } from "../src/core/access.js";
import { entity, storedColumns, type EntityDef } from "../src/core/entities/registry.js";
import type { EntityQuery } from "../src/core/query.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { BIN } from "./support/server.js";
import { STORE_KINDS } from "./support/stores.js";

const run = promisify(execFile);
const pages = entity("confluence", "pages");
const comments = entity("confluence", "comments");
const spaces = entity("confluence", "spaces");
const confluenceUsers = entity("confluence", "users");

/** Distinct scope keys of the rows a viewer sees. */
async function scopesSeen(t: TestApp, site: Site, def: EntityDef, viewer: Viewer): Promise<string[]> {
  const at = storedColumns(def).findIndex((c) => c.name === "scope_key");
  const seen = new Set<string>();
  const snapshot = await t.ctx.store.data.snapshot(site.id);
  try {
    for await (const batch of snapshot.rows({ entity: def, viewer }, 500)) for (const row of batch) seen.add(String(row[at]));
  } finally {
    await snapshot.close();
  }
  return [...seen].sort();
}

const count = (t: TestApp, site: Site, query: EntityQuery) => t.ctx.store.data.count(site.id, query);

for (const kind of STORE_KINDS) {
  describe(`who may see what (${kind})`, () => {
    let t: TestApp;
    let wiki: Site;
    let bitbucket: Site;
    let jira: Site;
    const vera: Viewer = { all: false, user: "vera" };
    const req = (method: "GET" | "POST" | "DELETE" | "PUT", url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: t.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

    before(async () => {
      t = await startTestApp({ store: kind });
      wiki = (await t.ctx.store.sites.byKey("wiki"))!;
      bitbucket = (await t.ctx.store.sites.byKey("bitbucket"))!;
      jira = (await t.ctx.store.sites.byKey("jira"))!;
      // Vera: a user of every site, in no group yet.
      await t.ctx.store.data.upsert(wiki.id, confluenceUsers, [storedColumns(confluenceUsers).map((c) => ({ user_id: "vera-id", user_name: "vera", user_fullname: "Vera", user_email: "vera@example.com" })[c.name] ?? null)]);
      for (const s of [bitbucket, jira]) {
        const def = entity(s.product, "users");
        await t.ctx.store.data.upsert(s.id, def, [storedColumns(def).map((c) => ({ user_id: "9999", user_name: "vera", user_fullname: "Vera", user_email: "vera@example.com", active: true })[c.name] ?? null)]);
      }
    });
    after(async () => t?.close());

    it("the demo makes groups, memberships and grants: restricted spaces and projects, personal ones for their owner", async () => {
      const groups = await t.ctx.access.groups(wiki);
      assert.ok(groups.some((g) => g.name === "confluence-users" && g.members.length >= 10));
      assert.ok(groups.some((g) => g.name === "hr"));
      const grants = await t.ctx.access.grants(wiki);
      const on = (key: string) => grants.filter((g) => g.scopeKey === key).map((g) => `${g.principal.type}:${g.principal.name}`).sort();
      assert.deepEqual(on("HR"), ["group:confluence-administrators", "group:hr"]);
      assert.deepEqual(on("ENG"), ["group:confluence-administrators", "group:confluence-users"]);
      const personal = grants.find((g) => g.scopeKey.startsWith("~"))!;
      assert.equal(personal.principal.type, "user");
      assert.equal(`~${personal.principal.name}`, personal.scopeKey, "a personal space is its owner's");
      const jiraGrants = await t.ctx.access.grants(jira);
      assert.ok(jiraGrants.some((g) => g.scopeKey === "HELP" && g.principal.name === "support"));
    });

    it("a user with a grant on one space sees only that space's rows — comments of pages elsewhere too; a sysadmin sees all", async () => {
      assert.equal(await count(t, wiki, { entity: pages, viewer: vera }), 0, "no grant, nothing");
      await t.ctx.access.grant(wiki, "SPACE:ENG", { type: "user", name: "vera" });
      for (const def of [pages, comments, spaces]) assert.deepEqual(await scopesSeen(t, wiki, def, vera), ["ENG"], `${def.name}: only ENG`);
      const allComments = await count(t, wiki, { entity: comments });
      const engComments = await count(t, wiki, { entity: comments, where: [{ column: "scope_key", op: "=", value: "ENG" }] });
      assert.equal(await count(t, wiki, { entity: comments, viewer: vera }), engComments);
      assert.ok(engComments > 0 && engComments < allComments, `${engComments} of ${allComments} comments`);
      assert.equal(await count(t, wiki, { entity: comments, viewer: EVERYONE }), allComments, "a sysadmin sees all");
      assert.equal(await count(t, wiki, { entity: confluenceUsers, viewer: vera }), await count(t, wiki, { entity: confluenceUsers }), "users have no scope");
      // Filters and access together, inside one query.
      const recent = { column: "updated_date", op: ">=", value: "2025-06-01T00:00:00Z" } as const;
      assert.equal(
        await count(t, wiki, { entity: pages, viewer: vera, where: [recent] }),
        await count(t, wiki, { entity: pages, where: [recent, { column: "scope_key", op: "=", value: "ENG" }] }),
      );
    });

    it("grants to a group and to anyone count; an account with no site user sees only what anyone may", async () => {
      await t.ctx.access.addMember(wiki, "hr", "vera");
      await t.ctx.access.grant(wiki, "SPACE:DOCS", { type: "anyone", name: "" });
      assert.deepEqual(await scopesSeen(t, wiki, pages, vera), ["DOCS", "ENG", "HR"]);
      assert.deepEqual(await scopesSeen(t, wiki, pages, { all: false, user: null }), ["DOCS"]);
      const scopes = await t.ctx.access.scopesFor(wiki, { username: "vera", sysadmin: false });
      assert.ok(!scopes.all);
      assert.deepEqual(scopes.scopes, ["DOCS", "ENG", "HR"], "one answer: what queries show is what scopesFor says");
      assert.deepEqual(await t.ctx.access.scopesFor(wiki, { username: "ghost", sysadmin: false }), { all: false, user: null, scopes: ["DOCS"] });
      assert.deepEqual(await t.ctx.access.scopesFor(wiki, { username: "admin", sysadmin: true }), { all: true });
    });

    it("Bitbucket: a project grant covers its repositories and their commits; public repositories are seen by everyone", async () => {
      const repos = entity("bitbucket", "repositories");
      const publicRepos = await t.ctx.store.data.distinct(bitbucket.id, repos, ["repository_id"], { column: "public", in: ["true"] }, 1000);
      const core = await t.ctx.store.data.distinct(bitbucket.id, repos, ["repository_id"], { column: "project_key", in: ["CORE"] }, 1000);
      const before_ = await scopesSeen(t, bitbucket, repos, vera);
      assert.deepEqual(before_, publicRepos.map((r) => String(r.repository_id)).sort(), "only public repositories");
      await t.ctx.access.grant(bitbucket, "PROJECT:CORE", { type: "user", name: "vera" });
      const expected = [...new Set([...publicRepos, ...core].map((r) => String(r.repository_id)))].sort();
      assert.deepEqual(await scopesSeen(t, bitbucket, repos, vera), expected);
      const seenCommits = await scopesSeen(t, bitbucket, entity("bitbucket", "commits"), vera);
      assert.ok(seenCommits.every((k) => expected.includes(k)), "commits only of repositories she may browse");
      const scopes = await t.ctx.access.scopesFor(bitbucket, { username: "vera", sysadmin: false });
      assert.ok(!scopes.all && expected.every((k) => scopes.scopes.includes(k)));
    });

    it("Jira: a project grant shows that project's issues, history and worklogs", async () => {
      await t.ctx.access.grant(jira, "PROJECT:PLAT", { type: "user", name: "vera" });
      for (const name of ["issues", "issue_history", "worklogs"]) assert.deepEqual(await scopesSeen(t, jira, entity("jira", name), vera), ["PLAT"], name);
    });

    it("the admin API: grant, list, scopes; bad requests are 4xx with a key naming what is wrong", async () => {
      const ok = await req("POST", "/rest/admin/v1/sites/wiki/access/grants", { scope: "SPACE:MKT", group: "finance" });
      assert.equal(ok.statusCode, 201, ok.body);
      assert.deepEqual(ok.json(), { scope: "SPACE:MKT", principal: { type: "group", name: "finance" }, permission: "BROWSE" });
      const listed = (await req("GET", "/rest/admin/v1/sites/wiki/access")).json<{ grants: { scope: string }[]; groups: unknown[] }>();
      assert.ok(listed.grants.some((g) => g.scope === "SPACE:MKT"));
      const scopes = (await req("GET", "/rest/admin/v1/sites/wiki/access/scopes?user=vera")).json<{ scopes: string[] }>();
      assert.deepEqual(scopes.scopes, ["DOCS", "ENG", "HR"]);
      const cases: [unknown, number, string, RegExp][] = [
        [{ scope: "SPACE:NOPE", user: "vera" }, 404, "sluice.access.scope.not.found", /no space NOPE/],
        [{ scope: "PROJECT:ENG", user: "vera" }, 400, "sluice.access.invalid", /grants name SPACE/],
        [{ scope: "ENG", user: "vera" }, 400, "sluice.access.invalid", /SPACE:KEY/],
        [{ scope: "SPACE:ENG", user: "nobody" }, 404, "sluice.access.user.not.found", /no user 'nobody'/],
        [{ scope: "SPACE:ENG", group: "nogroup" }, 404, "sluice.access.group.not.found", /no group 'nogroup'/],
        [{ scope: "SPACE:ENG" }, 400, "sluice.access.invalid", /exactly one of user, group or anyone/],
        [{ scope: "SPACE:ENG", user: "vera", group: "hr" }, 400, "sluice.access.invalid", /exactly one/],
      ];
      for (const [body, status, key, message] of cases) {
        const res = await req("POST", "/rest/admin/v1/sites/wiki/access/grants", body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        const error = res.json<{ errors: { key: string; message: string }[] }>().errors[0]!;
        assert.equal(error.key, key, JSON.stringify(body));
        assert.match(error.message, message);
      }
      assert.equal((await req("DELETE", "/rest/admin/v1/sites/wiki/access/grants", { scope: "SPACE:MKT", group: "finance" })).statusCode, 204);
      assert.equal((await req("DELETE", "/rest/admin/v1/sites/wiki/access/grants", { scope: "SPACE:MKT", group: "finance" })).statusCode, 404);
    });

    if (kind === "sqlite") {
      it("the CLI: sluice access grant/list/scopes, and a token for a person without admin rights", async () => {
        const cli = (...args: string[]) => run(process.execPath, [BIN, "--home", t.home, ...args], { env: { PATH: process.env.PATH, SLUICE_LOG_LEVEL: "warn" } });
        const granted = await cli("access", "grant", "--site", "wiki", "--user", "vera", "--scope", "SPACE:MKT");
        assert.match(granted.stdout, /Granted BROWSE on SPACE:MKT to user vera/);
        assert.match((await cli("access", "scopes", "--site", "wiki", "--user", "vera")).stdout, /^DOCS\nENG\nHR\nMKT\n$/);
        assert.match((await cli("access", "list", "--site", "wiki")).stdout, /SPACE:MKT\s+BROWSE\s+user vera/);
        await assert.rejects(cli("access", "grant", "--site", "wiki", "--user", "vera", "--scope", "SPACE:NOPE"), (e: { stderr: string; code: number }) => {
          assert.match(e.stderr, /site \/wiki has no space NOPE/);
          return e.code !== 0;
        });
        const token = (await cli("token", "create", "--user", "vera", "--no-sysadmin")).stdout.trim();
        const me = await t.app.inject({ method: "GET", url: "/ping", headers: { authorization: `Bearer ${token}` } });
        assert.equal(me.statusCode, 200);
        const account = (await t.ctx.store.accounts.byUsername("vera"))!;
        assert.equal(account.sysadmin, false);
        await assert.rejects(cli("token", "create", "--no-sysadmin"), (e: { stderr: string }) => {
          assert.match(e.stderr, /Account admin is a system administrator/);
          return true;
        });
        // And the other way: a sysadmin token for a person without admin rights is refused, not quietly downgraded.
        await assert.rejects(cli("token", "create", "--user", "vera"), (e: { stderr: string }) => {
          assert.match(e.stderr, /Account vera is not a system administrator/);
          return true;
        });
        assert.equal((await t.ctx.store.accounts.byUsername("vera"))!.sysadmin, false);
      });
    }
  });
}
