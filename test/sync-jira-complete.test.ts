/**
 * Issue 17, "nothing skipped in silence", on Jira Data Center: a user search cut at 100 matches
 * (Jira 10) still yields every user, a user only an issue refers to is exported, an issue's 130
 * changelog entries are all stored, and a short page that is not the last does not end a listing.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Site } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { fixtureDir, ReplayServer, type RecordedRequest } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";
import { rowsOf } from "./support/store-rows.js";

interface DcUser {
  key: string;
  name: string;
  displayName: string;
  emailAddress: string;
}

const FIRST = ["anna", "ben", "carl", "dana", "emil", "frida", "gero", "hanna", "ines", "jonas"];
const LAST = ["weber", "vogel", "berg"];

/** 30 people and 120 build accounts: `svc-build-000` … (one prefix far above the cap). */
function siteUsers(): DcUser[] {
  const users: DcUser[] = [];
  let n = 10100;
  for (const first of FIRST)
    for (const last of LAST) {
      const name = first === "carl" && last === "weber" ? "carl" : `${first}.${last}`;
      const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
      users.push({ key: `JIRAUSER${n++}`, name, displayName: `${cap(first)} ${cap(last)}`, emailAddress: `${first}.${last}@acme.de` });
    }
  for (let i = 0; i < 120; i++) {
    const name = `svc-build-${String(i).padStart(3, "0")}`;
    users.push({ key: `JIRAUSER${n++}`, name, displayName: `Build Agent ${i}`, emailAddress: `${name}@ci.acme.de` });
  }
  return users;
}

/** The vendor's user object (`/rest/api/2/user/search`, `/rest/api/2/user`). */
const payload = (u: DcUser, base: string) => ({
  self: `${base}/rest/api/2/user?username=${u.name}`,
  key: u.key,
  name: u.name,
  emailAddress: u.emailAddress,
  avatarUrls: { "48x48": `${base}/secure/useravatar?avatarId=10122` },
  displayName: u.displayName,
  active: true,
  deleted: false,
  timeZone: "Europe/Berlin",
  locale: "de_DE",
});

/**
 * Jira 10's `/user/search`: matches the start of the user name, a display-name word or the email
 * (`.` matches everyone), sorted by name, and answers only out of the first 100 matches whatever
 * `startAt` and `maxResults` say (JRASERVER-78660).
 */
function jira10UserSearch(users: readonly DcUser[]) {
  return (req: RecordedRequest, base: string) => {
    if (req.path !== "/rest/api/2/user/search") return undefined;
    const q = (req.query.get("username") ?? "").toLowerCase();
    const matches = users
      .filter((u) => q === "." || u.name.startsWith(q) || u.emailAddress.startsWith(q) || u.displayName.toLowerCase().split(" ").some((w) => w.startsWith(q)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const startAt = Number(req.query.get("startAt") ?? 0);
    const max = Math.min(Number(req.query.get("maxResults") ?? 50), 100);
    return { status: 200, body: matches.slice(0, 100).slice(startAt, startAt + max).map((u) => payload(u, base)) };
  };
}

/** `/rest/api/2/user?key=`: the assignee of OPS-11, whom no search lists (e.g. outside the searchable directories). */
function userByKey(ghost: DcUser) {
  return (req: RecordedRequest, base: string) => {
    if (req.path !== "/rest/api/2/user") return undefined;
    if (req.query.get("key") !== ghost.key) return { status: 404, body: { errorMessages: ["The user with key '" + req.query.get("key") + "' does not exist"], errors: {} } };
    return { status: 200, body: { ...payload(ghost, base), active: false, groups: { size: 1, items: [] }, applicationRoles: { size: 1, items: [] }, expand: "groups,applicationRoles" } };
  };
}

for (const kind of STORE_KINDS) {
  describe(`sync jira-dc completeness (${kind})`, () => {
    let dir: string;
    let ts: TestStore;
    let site: Site;
    const server = new ReplayServer();
    const fixtures = fixtureDir("jira-dc");
    const users = siteUsers();
    const ghost: DcUser = { key: "JIRAUSER99999", name: "h.ghost", displayName: "Hanna Ghost", emailAddress: "h.ghost@acme.de" };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "sluice-sync-jira-complete-"));
      ts = await openTestStore(kind);
      await ts.store.sites.ensureOrganisation("demo-org", "Demo");
      site = await ts.store.sites.create("demo-org", { product: "jira", contextPath: "/jira-ops", baseUrl: "http://localhost:8080/jira-ops" });
      const base = await server.start();
      await mkdir(join(dir, "secrets"), { mode: 0o700 });
      await writeFile(join(dir, "secrets", "pat"), "NjU0MzIxOpat\n", { mode: 0o600 });
      await ts.store.settings.set(site.id, "source", { kind: "jira-dc", url: base, tokenFile: "pat", requestsPerSecond: 0 });
      server.handle(jira10UserSearch(users));
      server.handle(userByKey(ghost));
      server.load(join(fixtures, "common"), join(fixtures, "complete"));
    });
    after(async () => {
      await server.stop();
      await ts.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    test("a full sync exports every user, every changelog entry and every page", async () => {
      const run = await runSync({ store: ts.store, site, env: {}, secretsDir: join(dir, "secrets") });
      assert.equal(run.status, "SUCCEEDED");
      assert.deepEqual(server.unmatched, []);

      // 150 users although every search answers at most 100, plus the assignee no search lists.
      const stored = await rowsOf(ts.store, site, "jira", "users");
      assert.equal(stored.length, 151);
      assert.deepEqual(new Set(stored.map((u) => u.user_id)), new Set([...users, ghost].map((u) => u.key)));
      const h = stored.find((u) => u.user_id === ghost.key)!;
      assert.deepEqual([h.user_name, h.user_fullname, h.user_email, h.active], ["h.ghost", "Hanna Ghost", "h.ghost@acme.de", 0]);
      // The search for everyone answered 100 of the 1,000 asked: a short page, read on until an empty one.
      const everyone = server.requestsTo("/rest/api/2/user/search").filter((r) => r.query.get("username") === ".");
      assert.deepEqual(everyone.map((r) => r.query.get("startAt")), ["0", "100"]);
      assert.equal(everyone[0]!.query.get("includeInactive"), "true");
      // Only the user no listing showed is fetched on their own.
      assert.deepEqual(server.requestsTo("/rest/api/2/user").map((r) => r.query.get("key")), [ghost.key]);

      // The issue search's second page (startAt=1) follows a page of 1 issue out of 100 asked.
      assert.deepEqual(server.requestsTo("/rest/api/2/search").map((r) => r.query.get("startAt")), ["0", "1"]);
      const issues = await rowsOf(ts.store, site, "jira", "issues");
      assert.deepEqual(issues.map((i) => [i.key, i.assignee_id]), [
        ["OPS-11", ghost.key],
        ["OPS-12", "JIRAUSER10100"],
      ]);

      // 100 changelog entries embedded in the search, 130 in all: every one stored.
      const history = (await rowsOf(ts.store, site, "jira", "issue_history")).filter((r) => String(r.issue_id) === "21001");
      assert.equal(history.length, 130);
      assert.equal(new Set(history.map((r) => String(r.change_id))).size, 130);
    });
  });
}

describe("sync jira-cloud completeness (sqlite)", () => {
  let ts: TestStore;
  let site: Site;
  const server = new ReplayServer();
  const fixtures = fixtureDir("jira-cloud");
  const env = { SLUICE_SECRET_ACME: "s3cret-token" };

  before(async () => {
    ts = await openTestStore("sqlite");
    await ts.store.sites.ensureOrganisation("demo-org", "Demo");
    site = await ts.store.sites.create("demo-org", { product: "jira", contextPath: "/jira-acme", baseUrl: "http://localhost:8080/jira-acme" });
    const base = await server.start();
    await ts.store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "alice@acme.com", tokenEnv: "SLUICE_SECRET_ACME", requestsPerSecond: 0 });
    server.load(join(fixtures, "common"), join(fixtures, "complete"));
  });
  after(async () => {
    await server.stop();
    await ts.cleanup();
  });

  test("an issue's 130 changelog entries are all stored, through a short changelog page that is not the last", async () => {
    const run = await runSync({ store: ts.store, site, env });
    assert.equal(run.status, "SUCCEEDED");
    assert.deepEqual(server.unmatched, []);
    // Cloud embeds the newest 100 entries: the paged changelog is read from its start, on past a page of 60 with isLast false.
    assert.deepEqual(server.requestsTo("/rest/api/3/issue/10501/changelog").map((r) => r.query.get("startAt")), ["0", "60"]);
    const history = await rowsOf(ts.store, site, "jira", "issue_history");
    assert.equal(history.length, 130);
    assert.deepEqual(new Set(history.map((r) => Number(r.change_id))), new Set(Array.from({ length: 130 }, (_, n) => 60000 + n)));
    // The users listing read on past a page of 3 of the 1,000 asked, to an empty page.
    assert.deepEqual(server.requestsTo("/rest/api/3/users/search").map((r) => r.query.get("startAt")), ["0", "3"]);
    // Every user the issue refers to was listed: none fetched on their own.
    assert.deepEqual(server.requestsTo("/rest/api/3/user"), []);
  });
});
