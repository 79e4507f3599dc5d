/**
 * Bitbucket commits from git (issue 17): a synced Bitbucket site mirrors each repository from a real
 * git server on 127.0.0.1 (`git http-backend` under `/scm/`, on the replay server's port, as Data Center
 * serves it) and its commits file equals `git rev-list --all` of the upstream — every branch and every
 * tag, a commit rebased in after the previous sync included, the commit it replaced gone. The site's
 * token reaches git only in its environment: it is sent as the Authorization header and found nowhere
 * on disk. A repository that cannot be cloned is read through the REST API and listed in the run
 * record. A personal fork's commits stay out of the export by default. SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entity, storedColumns } from "../src/core/entities/registry.js";
import { uuidToId } from "../src/sources/bitbucket/ids.js";
import type { Site } from "../src/store/port.js";
import { runSync } from "../src/sync/run-sync.js";
import { exportedRows } from "./support/export-rows.js";
import { gitHttpBackend, type GitHttpServer } from "./support/git-http.js";
import { ReplayServer, type RecordedRequest } from "./support/replay-server.js";
import { openTestStore, STORE_KINDS, type TestStore } from "./support/stores.js";

const TOKEN = "bb-git-s3cret-7f3a";
const env = { SLUICE_SECRET_BB: TOKEN };

/** Runs git with a fixed identity; dates as given (epoch seconds) or now. */
function git(cwd: string, args: string[], when?: number): string {
  const date = when === undefined ? undefined : `@${when} +0000`;
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: cwd,
      GIT_AUTHOR_NAME: "Jo Park",
      GIT_AUTHOR_EMAIL: "jo@acme.com",
      GIT_COMMITTER_NAME: "Lea Chen",
      GIT_COMMITTER_EMAIL: "lea@acme.com",
      ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
    },
  });
}

const DAY = 86_400;
const T0 = Date.parse("2026-10-01T00:00:00Z") / 1000;

/** `git rev-list --all` of a repository, as a sorted list. */
const revList = (repo: string) => git(repo, ["rev-list", "--all"]).split("\n").filter(Boolean).sort();

/**
 * Upstream repositories under `root` (GIT_PROJECT_ROOT): plat/gateway.git with a main branch, a
 * feature branch and an annotated tag on a commit no branch has; ~lea/gateway.git, a personal fork of
 * it with one commit of its own. Returns the work tree used to change plat/gateway later.
 */
async function makeUpstream(root: string): Promise<string> {
  const work = join(root, "..", "work");
  await mkdir(work, { recursive: true });
  git(work, ["init", "-q", "-b", "main", "."]);
  for (let i = 1; i <= 3; i++) git(work, ["commit", "-q", "--allow-empty", "-m", `main ${i}\n\nbody of ${i}\n`], T0 + i * DAY);
  git(work, ["checkout", "-q", "-b", "feature"]);
  for (let i = 1; i <= 2; i++) git(work, ["commit", "-q", "--allow-empty", "-m", `feature ${i}`], T0 + (10 + i) * DAY);
  git(work, ["checkout", "-q", "-b", "release", "main"]);
  git(work, ["commit", "-q", "--allow-empty", "-m", "release only on a tag"], T0 + 20 * DAY);
  git(work, ["tag", "-a", "v1.0", "-m", "release 1.0"], T0 + 20 * DAY);
  git(work, ["checkout", "-q", "main"]);
  git(work, ["branch", "-q", "-D", "release"]);
  const plat = join(root, "plat", "gateway.git");
  const fork = join(root, "~lea", "gateway.git");
  await mkdir(join(root, "plat"), { recursive: true });
  await mkdir(join(root, "~lea"), { recursive: true });
  git(root, ["init", "-q", "--bare", "-b", "main", plat]);
  git(work, ["push", "-q", plat, "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"]);
  git(root, ["clone", "-q", "--bare", plat, fork]);
  const forkWork = join(root, "..", "fork-work");
  git(root, ["clone", "-q", fork, forkWork]);
  git(forkWork, ["commit", "-q", "--allow-empty", "-m", "only in the fork"], T0 + 30 * DAY);
  git(forkWork, ["push", "-q", "origin", "main"]);
  return work;
}

function dcRepo(base: string, id: number, key: string, slug: string, clone: "http" | "ssh", origin?: number) {
  const personal = key.startsWith("~");
  return {
    slug,
    id,
    name: slug,
    hierarchyId: "9a1e2c2b3f4d5e6a7b8c",
    scmId: "git",
    state: "AVAILABLE",
    statusMessage: "Available",
    forkable: true,
    ...(origin !== undefined ? { origin: { id: origin, slug, name: slug } } : {}),
    project: { key, id: personal ? 99 : 1, name: personal ? "Lea Chen" : "Platform", type: personal ? "PERSONAL" : "NORMAL" },
    public: false,
    links: {
      clone: [
        ...(clone === "http" ? [{ href: `${base}/scm/${personal ? `~${key.slice(1).toLowerCase()}` : key.toLowerCase()}/${slug}.git`, name: "http" }] : []),
        { href: `ssh://git@127.0.0.1:7999/${key.toLowerCase()}/${slug}.git`, name: "ssh" },
      ],
      self: [{ href: `${base}/${personal ? `users/${key.slice(1).toLowerCase()}` : `projects/${key}`}/repos/${slug}/browse` }],
    },
  };
}

const page = (values: unknown[]) => ({ size: values.length, limit: 100, isLastPage: true, start: 0, values });

const restCommit = (c: string, day: number, message: string) => ({
  id: c.repeat(40),
  displayId: c.repeat(7),
  author: { name: "jo", emailAddress: "jo@acme.com" },
  authorTimestamp: (T0 + day * DAY) * 1000,
  committer: { name: "jo", emailAddress: "jo@acme.com" },
  committerTimestamp: (T0 + day * DAY) * 1000,
  message,
  parents: [],
});

/**
 * PLAT/legacy through the REST API: `/commits` without `until` gives the default branch only; main
 * (a), feature (c on a) and the tag v0.9 (d, on no branch).
 */
const LEGACY: Record<string, unknown[]> = {
  [`${"a".repeat(40)}`]: [restCommit("a", 1, "legacy main")],
  [`${"c".repeat(40)}`]: [restCommit("c", 3, "legacy feature"), restCommit("a", 1, "legacy main")],
  [`${"d".repeat(40)}`]: [restCommit("d", 4, "legacy tag only")],
};
const ref = (kind: "heads" | "tags", name: string, tip: string, isDefault = false) => ({ id: `refs/${kind}/${name}`, displayId: name, type: kind === "heads" ? "BRANCH" : "TAG", latestCommit: tip, latestChangeset: tip, ...(kind === "heads" ? { isDefault } : {}) });

/** A Bitbucket DC REST API: three repositories, no pull requests, the ssh-only one's commits by REST. */
function dcApi(server: ReplayServer) {
  server.handle((req: RecordedRequest, base: string) => {
    const p = req.path;
    if (p === "/rest/api/1.0/users") return { status: 200, body: page([{ name: "jo", emailAddress: "jo@acme.com", id: 1, displayName: "Jo Park", active: true, slug: "jo", type: "NORMAL" }]) };
    if (p === "/rest/api/1.0/repos") {
      return { status: 200, body: page([dcRepo(base, 1, "PLAT", "gateway", "http"), dcRepo(base, 2, "~LEA", "gateway", "http", 1), dcRepo(base, 3, "PLAT", "legacy", "ssh")]) };
    }
    if (/\/pull-requests$/.test(p)) return { status: 200, body: page([]) };
    if (p === "/rest/api/1.0/projects/PLAT/repos/legacy/branches") return { status: 200, body: page([ref("heads", "feature", "c".repeat(40)), ref("heads", "main", "a".repeat(40), true)]) };
    if (p === "/rest/api/1.0/projects/PLAT/repos/legacy/tags") return { status: 200, body: page([ref("tags", "v0.9", "d".repeat(40))]) };
    if (p === "/rest/api/1.0/projects/PLAT/repos/legacy/commits") return { status: 200, body: page(LEGACY[req.query.get("until") ?? "a".repeat(40)] ?? []) };
    if (/\/repos\/gateway\/(commits|branches|tags)$/.test(p)) return { status: 200, body: page([]) };
    return undefined;
  });
}

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await tree(path)));
    else out.push(path);
  }
  return out;
}

const server = new ReplayServer();
let base = "";
let root = "";
let upstream = "";
let work = "";
let gitServer: GitHttpServer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-sync-git-"));
  upstream = join(root, "upstream");
  await mkdir(upstream, { recursive: true });
  work = await makeUpstream(upstream);
  gitServer = gitHttpBackend(upstream, "/scm", `Bearer ${TOKEN}`);
  server.passThrough(gitServer.handler);
  base = await server.start();
  dcApi(server);
});
after(async () => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

for (const kind of STORE_KINDS) {
  describe(`Bitbucket commits from git (${kind})`, () => {
    let t: TestStore;
    let site: Site;
    let mirrors: string;

    before(async () => {
      t = await openTestStore(kind);
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
      site = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-git", baseUrl: "http://localhost/bb-git" });
      await t.store.settings.set(site.id, "source", { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
      mirrors = join(root, `mirrors-${kind}`);
    });
    after(() => t.cleanup());

    const commitsOf = async (repositoryId: number, settings: Record<string, unknown> = {}) =>
      (await exportedRows(t.store, site, join(root, `export-${kind}-${Date.now()}-${Math.random()}`), "commits", settings))
        .filter((r) => Number(r.repository_id) === repositoryId);

    test("a Data Center site: the commits file equals git rev-list --all of the upstream, every branch and tag; the token is sent, never stored", async () => {
      const run = await runSync({ store: t.store, site, env, mirrorsDir: mirrors });
      assert.equal(run.status, "SUCCEEDED");
      const plat = join(upstream, "plat", "gateway.git");
      const exported = await commitsOf(1);
      assert.deepEqual(exported.map((r) => r.commit_hash).sort(), revList(plat));
      const tagged = exported.find((r) => r.message === "release only on a tag")!;
      assert.deepEqual(
        { author: tagged.author_email, committer: tagged.committer_email, at: tagged.committer_timestamp, url: tagged.url },
        { author: "jo@acme.com", committer: "lea@acme.com", at: new Date((T0 + 20 * DAY) * 1000).toISOString().replace(".000Z", "Z"), url: `http://localhost/bb-git/projects/PLAT/repos/gateway/commits/${tagged.commit_hash}` },
      );
      assert.equal(exported.find((r) => r.message!.startsWith("main 1"))!.message, "main 1\\n\\nbody of 1", "the whole message, without git's last newline");

      // git was given the token in the Authorization header, and it is nowhere under the mirrors.
      assert.ok(gitServer.authorizations.length > 0 && gitServer.authorizations.every((a) => a === `Bearer ${TOKEN}`));
      for (const file of await tree(mirrors)) assert.ok(!(await readFile(file)).includes(TOKEN), `${file} holds the token`);
      assert.equal((await stat(join(mirrors, String(site.id)))).mode & 0o077, 0, "the mirrors are the owner's only");

      // The ssh-only repository: read through the REST API — every branch and tag —, and the run record says so.
      const skipped = run.skipped?.find((s) => s.entity === "repositories");
      assert.ok(skipped, JSON.stringify(run.skipped));
      assert.equal(skipped.count, 1);
      assert.match(skipped.reason, /no http\(s\) clone link.*REST API, every branch and tag/);
      assert.match(skipped.names[0]!, /^PLAT\/legacy/);
      assert.deepEqual((await commitsOf(3)).map((r) => r.commit_hash).sort(), ["a", "c", "d"].map((c) => c.repeat(40)));
      // The personal fork's commits are not exported by default; they are with exportPersonalForkCommits.
      assert.deepEqual(await commitsOf(2), []);
      assert.deepEqual((await commitsOf(2, { exportPersonalForkCommits: true })).map((r) => r.commit_hash).sort(), revList(join(upstream, "~lea", "gateway.git")));
    });

    test("a commit rebased in after the previous sync replaces the one it rewrote; a late push with an old date comes too", async () => {
      const plat = join(upstream, "plat", "gateway.git");
      const before = revList(plat);
      // Rewrite feature's last commit (a rebase/amend, force-pushed) and push a commit dated last month to main.
      git(work, ["checkout", "-q", "feature"]);
      git(work, ["commit", "-q", "--amend", "--allow-empty", "-m", `feature 2, rebased (${kind})`], T0 + 40 * DAY);
      git(work, ["checkout", "-q", "main"]);
      git(work, ["commit", "-q", "--allow-empty", "-m", `late push (${kind})`], T0 - 30 * DAY);
      git(work, ["push", "-q", "--force", plat, "main", "feature"]);
      const now = revList(plat);
      const gone = before.filter((h) => !now.includes(h));
      assert.equal(gone.length, 1);

      const run = await runSync({ store: t.store, site, env, mirrorsDir: mirrors });
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.mode, "incremental");
      const exported = (await commitsOf(1)).map((r) => r.commit_hash).sort();
      assert.deepEqual(exported, now);
      assert.ok(!exported.includes(gone[0]!));
      assert.equal(run.deleted.commits, 1);
    });

    test("lock files a git killed mid-fetch left in a mirror do not stop the next fetch", async () => {
      const mirror = join(mirrors, String(site.id), "1.git");
      await writeFile(join(mirror, "packed-refs.lock"), "");
      await writeFile(join(mirror, "refs", "heads", "main.lock"), "0".repeat(40));
      git(work, ["commit", "-q", "--allow-empty", "-m", `after a crash (${kind})`], T0 + 50 * DAY);
      const plat = join(upstream, "plat", "gateway.git");
      git(work, ["push", "-q", plat, "main"]);
      const run = await runSync({ store: t.store, site, env, mirrorsDir: mirrors });
      assert.equal(run.status, "SUCCEEDED");
      assert.ok(!run.skipped?.some((s) => s.names.some((n) => n.startsWith("PLAT/gateway"))), JSON.stringify(run.skipped));
      assert.deepEqual((await commitsOf(1)).map((r) => r.commit_hash).sort(), revList(plat));
    });

    test("a token git is refused with: commits read through the REST API, said in the run record", async () => {
      gitServer.expected = "Bearer another-token";
      try {
        const run = await runSync({ store: t.store, site, env, mirrorsDir: mirrors });
        assert.equal(run.status, "SUCCEEDED");
        const refused = run.skipped?.find((s) => s.entity === "repositories" && /could not fetch/.test(s.reason));
        assert.ok(refused, JSON.stringify(run.skipped));
        assert.equal(refused.count, 2);
        assert.deepEqual(refused.names.map((n) => n.split(" ")[0]).sort(), ["PLAT/gateway", "~LEA/gateway"]);
      } finally {
        gitServer.expected = `Bearer ${TOKEN}`;
      }
    });

    test("a lost mirror is cloned again and the repository read whole: a stored commit no ref reaches goes, nothing is doubled", async () => {
      const commits = entity("bitbucket", "commits");
      const stray = { commit_hash: "f".repeat(40), repository_id: 1, message: "read through REST once, rebased away since", scope_key: "1" };
      await t.store.data.upsert(site.id, commits, [storedColumns(commits).map((c) => (stray as Record<string, unknown>)[c.name] ?? null)]);
      await rm(join(mirrors, String(site.id)), { recursive: true, force: true });
      const run = await runSync({ store: t.store, site, env, mirrorsDir: mirrors });
      assert.equal(run.status, "SUCCEEDED");
      assert.ok(!run.skipped?.some((s) => s.names.some((n) => n.startsWith("PLAT/gateway"))), JSON.stringify(run.skipped));
      const plat = join(upstream, "plat", "gateway.git");
      assert.deepEqual((await commitsOf(1)).map((r) => r.commit_hash).sort(), revList(plat));
      assert.equal(await t.store.data.count(site.id, { entity: commits, where: [{ column: "repository_id", op: "=", value: 1 }] }), revList(plat).length);
    });
  });
}

describe("Bitbucket Cloud commits from git", () => {
  test("the commits file equals git rev-list --all of the upstream; git is sent the API token with Bitbucket's git user name", async () => {
    const t = await openTestStore("sqlite");
    const cloud = new ReplayServer();
    const cloudGit = gitHttpBackend(join(upstream, "plat"), "/acme", `Basic ${Buffer.from(`x-bitbucket-api-token-auth:${TOKEN}`).toString("base64")}`);
    cloud.passThrough((req, res) => (/\.git\//.test(req.url ?? "") ? cloudGit.handler(req, res) : false));
    try {
      const cloudBase = await cloud.start();
      const uuid = "{5b0c7a1e-2f3d-4c5b-8a9e-0f1e2d3c4b5a}";
      cloud.handle((req, b) => {
        if (req.path === "/2.0/workspaces/acme/members") return { status: 200, body: { pagelen: 100, size: 0, page: 1, values: [] } };
        if (req.path === "/2.0/repositories/acme") {
          return {
            status: 200,
            body: {
              pagelen: 100,
              size: 1,
              page: 1,
              values: [
                {
                  type: "repository",
                  uuid,
                  name: "gateway",
                  slug: "gateway",
                  full_name: "acme/gateway",
                  is_private: true,
                  fork_policy: "allow_forks",
                  project: { type: "project", uuid: "{0d1c2b3a-4e5f-4a6b-9c8d-7e6f5a4b3c2d}", key: "PLAT", name: "Platform" },
                  links: {
                    html: { href: `${b}/acme/gateway` },
                    clone: [
                      { name: "https", href: `${b.replace("://", "://jo@")}/acme/gateway.git` },
                      { name: "ssh", href: "git@bitbucket.org:acme/gateway.git" },
                    ],
                  },
                },
              ],
            },
          };
        }
        if (req.path === "/2.0/repositories/acme/gateway/pullrequests") return { status: 200, body: { pagelen: 50, size: 0, page: 1, values: [] } };
        return undefined;
      });
      await t.store.sites.ensureOrganisation("demo-org", "Demo");
      const site = await t.store.sites.create("demo-org", { product: "bitbucket", contextPath: "/bb-cloud-git", baseUrl: "http://localhost/bb-cloud-git" });
      await t.store.settings.set(site.id, "source", { kind: "bitbucket-cloud", url: `${cloudBase}/acme`, email: "jo@acme.com", tokenEnv: "SLUICE_SECRET_BB", requestsPerSecond: 0 });
      const run = await runSync({ store: t.store, site, env, mirrorsDir: join(root, "mirrors-cloud") });
      assert.equal(run.status, "SUCCEEDED");
      assert.equal(run.skipped, undefined);
      const rows = (await exportedRows(t.store, site, join(root, "export-cloud"), "commits")).filter((r) => Number(r.repository_id) === uuidToId(uuid));
      assert.deepEqual(rows.map((r) => r.commit_hash).sort(), revList(join(upstream, "plat", "gateway.git")));
      assert.equal(rows[0]!.url, `http://localhost/bb-cloud-git/acme/gateway/commits/${rows[0]!.commit_hash}`);
      assert.ok(cloudGit.authorizations.length > 0 && cloudGit.authorizations.every((a) => a === cloudGit.expected));
    } finally {
      await cloud.stop();
      await t.cleanup();
    }
  });
});
