/**
 * The store's copy of a git-backed repository's commits (what SQL reads; the export reads git): every
 * commit the first time; then only what moved — new commits added, commits no ref reaches any more
 * removed — and nothing done when the refs did not move; the rows are those the export writes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { indexGitCommits } from "../src/sources/git/commit-index.js";
import { addRepository, createRepository } from "../src/sources/git/index.js";
import { git, gitWorld, run, type GitWorld } from "./support/git-fixtures.js";

const COMMITS = entity("bitbucket", "commits");
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe("git commits copied into the store", () => {
  let world: GitWorld;
  let path: string;
  let repoId: number;
  const stored = () => world.store.data.count(world.site.id, { entity: COMMITS });
  const reachable = async () => Number((await git(path, "rev-list", "--all", "--count")).trim());

  /** A commit on top of `parent` made in the bare repository, with `ref` moved to it. */
  async function commitOn(parent: string, ref: string, message: string): Promise<string> {
    const tree = (await git(path, "rev-parse", `${parent}^{tree}`)).trim();
    const env = { GIT_AUTHOR_NAME: "Ann", GIT_AUTHOR_EMAIL: "ann@example.com", GIT_COMMITTER_NAME: "Ann", GIT_COMMITTER_EMAIL: "ann@example.com" };
    const made = await run("git", ["-C", path, "commit-tree", tree, "-p", parent, "-m", message], env);
    assert.equal(made.code, 0, made.stderr);
    const sha = made.stdout.trim();
    await git(path, "update-ref", ref, sha);
    return sha;
  }

  before(async () => {
    world = await gitWorld();
    path = join(world.dir, "repos", "core.git");
    await createRepository(path, { seed: 3, commits: 120, branches: 2, now: NOW });
    repoId = (await addRepository(world.store, world.site, { projectKey: "PROJ", name: "Core", path })).id;
  });
  after(async () => world?.close());

  it("copies every commit the first time, as the export's rows", async () => {
    const r = await indexGitCommits(world.store, world.site);
    assert.deepEqual([r.repositories, r.indexed, r.removed, r.warnings], [1, 1, 0, []]);
    assert.equal(r.added, await reachable());
    assert.equal(await stored(), await reachable());
  });

  it("does nothing when the refs did not move", async () => {
    const r = await indexGitCommits(world.store, world.site);
    assert.deepEqual([r.indexed, r.added, r.removed], [0, 0, 0]);
  });

  it("adds only the new commits of a pushed branch, and removes them when the branch is deleted", async () => {
    const main = (await git(path, "rev-parse", "refs/heads/main")).trim();
    const first = await commitOn(main, "refs/heads/pushed", "feature: one");
    await commitOn(first, "refs/heads/pushed", "feature: two");
    const added = await indexGitCommits(world.store, world.site);
    assert.deepEqual([added.indexed, added.added, added.removed], [1, 2, 0]);
    assert.equal(await stored(), await reachable());
    await git(path, "update-ref", "-d", "refs/heads/pushed");
    const removed = await indexGitCommits(world.store, world.site);
    assert.deepEqual([removed.indexed, removed.added, removed.removed], [1, 0, 2]);
    assert.equal(await stored(), await reachable());
  });

  it("starts over when an old tip is gone from the object store", async () => {
    await world.store.settings.set(world.site.id, `git.commitIndex.${repoId}`, { signature: "x", tips: ["0".repeat(40)] });
    const r = await indexGitCommits(world.store, world.site);
    assert.equal(r.indexed, 1);
    assert.equal(r.removed, await reachable());
    assert.equal(r.added, await reachable());
    assert.equal(await stored(), await reachable());
  });
});
