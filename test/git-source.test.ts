/**
 * The git Source against real `git`: repositories generated with fast-import in temp dirs, a real
 * SQLite store. The reader's rows are checked against what git itself says.
 */
import assert from "node:assert/strict";
import { mkdir, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { repoCommand } from "../src/cli/commands/repo.js";
import { isSluiceError } from "../src/core/errors.js";
import type { EntityReader, ReadOptions, Source } from "../src/sources/port.js";
import { GitCommitReader } from "../src/sources/git/commit-reader.js";
import { progressLine } from "../src/cli/job-progress.js";
import type { ExportProgress } from "../src/core/export-job.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { exportJobRecord } from "./support/export-rows.js";
import { createRepository, data, DEFAULT_AUTHORS, fastImport, ident } from "../src/sources/git/fast-import.js";
import { STALL_ENV } from "../src/sources/git/git-process.js";
import { gitSource } from "../src/sources/git/index.js";
import { utcSecondsFormatter } from "../src/sources/git/utc-seconds.js";
import { isoUtcSeconds } from "../src/core/time.js";
import { addRepository, listRepositories, scanRoot } from "../src/sources/git/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { exportSettingsSchema } from "../src/config.js";
import type { ExportJobRecord } from "../src/core/export-job.js";
import { runExport } from "../src/export/engine.js";
import { parse } from "csv-parse/sync";
import { readFile } from "node:fs/promises";
import {
  collect,
  eventually,
  forkRepository,
  git,
  gitWorld,
  processesMentioning,
  run,
  showCommits,
  type GitWorld,
} from "./support/git-fixtures.js";

const commitsDef = entity("bitbucket", "commits");
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const LONG_AGO = "1990-01-01T00:00:00Z";

function readOptions(overrides: Partial<ReadOptions> = {}): ReadOptions {
  return {
    since: LONG_AGO,
    excludeScopes: [],
    batchSize: 64,
    signal: new AbortController().signal,
    settings: {},
    ...overrides,
  };
}

function commitsReader(world: GitWorld, options: Parameters<typeof gitSource>[1] = {}): EntityReader {
  return gitSource(world.store, { stallMs: 0, ...options }).readers!.commits!;
}

async function revList(path: string, ...extra: string[]): Promise<string[]> {
  return (await git(path, "rev-list", "--all", ...extra)).trim().split("\n").filter(Boolean).sort();
}

function rowsOf(rows: unknown[][], repositoryId: number): unknown[][] {
  return rows.filter((r) => r[3] === repositoryId);
}

describe("git source: commits read from git", () => {
  let world: GitWorld;
  let core: { id: number; path: string };
  let tools: { id: number; path: string };
  let fork: { id: number; path: string; own: string[] };

  before(async () => {
    world = await gitWorld();
    const corePath = join(world.dir, "repos", "core.git");
    await createRepository(corePath, { seed: 1, commits: 300, branches: 3, now: NOW });
    core = { id: (await addRepository(world.store, world.site, { projectKey: "PROJ", name: "Core Repo", path: corePath })).id, path: corePath };
    const toolsPath = join(world.dir, "repos", "tools.git");
    await createRepository(toolsPath, { seed: 2, commits: 40, now: NOW - 86_400_000 });
    tools = { id: (await addRepository(world.store, world.site, { projectKey: "other", name: "Tools", path: toolsPath })).id, path: toolsPath };
    const forkPath = join(world.dir, "repos", "alice-core.git");
    const own = await forkRepository(corePath, forkPath, 5, NOW);
    const forkRepo = await addRepository(world.store, world.site, {
      projectKey: "alice",
      personal: true,
      name: "Core Repo",
      path: forkPath,
      origin: core.id,
    });
    fork = { id: forkRepo.id, path: forkPath, own };
  });

  after(async () => world.close());

  it("yields every commit of git rev-list --all, once, with git's own fields", async () => {
    const rows = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions()));
    for (const repo of [core, tools]) {
      const mine = rowsOf(rows, repo.id);
      const hashes = mine.map((r) => r[0] as string);
      assert.equal(new Set(hashes).size, hashes.length, "each commit once per repository");
      assert.deepEqual([...hashes].sort(), await revList(repo.path));
      const truth = await showCommits(repo.path, hashes);
      for (const row of mine) {
        const [hash, url, message, repositoryId, authorEmail, authorTime, committerEmail, committerTime, scope] = row;
        const expected = truth.get(hash as string);
        assert.ok(expected, `git knows ${String(hash)}`);
        assert.deepEqual([authorEmail, authorTime, committerEmail, committerTime, message], expected);
        assert.equal(repositoryId, repo.id);
        assert.equal(scope, String(repo.id));
        assert.match(url as string, /^\/projects\/(PROJ\/repos\/core-repo|OTHER\/repos\/tools)\/commits\/[0-9a-f]{40}$/);
        assert.ok((url as string).endsWith(hash as string));
      }
    }
    const coreRows = rowsOf(rows, core.id);
    // The history has what a real one has: merges, a commit reachable only from a tag, odd messages.
    assert.ok((await revList(core.path, "--merges")).length > 5);
    const tagOnly = (await git(core.path, "rev-parse", "refs/tags/only-1^{commit}")).trim();
    assert.equal((await git(core.path, "branch", "--contains", tagOnly)).trim(), "");
    assert.ok(coreRows.some((r) => r[0] === tagOnly));
    assert.ok(coreRows.some((r) => /"[^"]+",/.test(r[2] as string) && (r[2] as string).includes("\n")));
    assert.ok(coreRows.some((r) => (r[2] as string).includes("ünïcödé")));
    // Repository id order, with no personal fork by default.
    assert.deepEqual([...new Set(rows.map((r) => r[3]))], [core.id, tools.id]);
  });

  it("reads the same rows in the same order every time", async () => {
    const reader = commitsReader(world, { parallel: 2 });
    const first = await collect(reader.rows(world.site, commitsDef, readOptions({ batchSize: 7 })));
    const second = await collect(reader.rows(world.site, commitsDef, readOptions({ batchSize: 1000 })));
    assert.deepEqual(second, first);
  });

  it("keeps commits committed at or after fromDate (committer date, not author date)", async () => {
    const log = (await git(core.path, "log", "--all", "--format=%H %ct")).trim().split("\n").map((l) => l.split(" "));
    const times = log.map(([, ct]) => Number(ct)).sort((a, b) => a - b);
    const cut = times[Math.floor(times.length / 2)]!;
    const since = new Date(cut * 1000).toISOString().replace(".000Z", "Z");
    const expected = log.filter(([, ct]) => Number(ct) >= cut).map(([h]) => h!).sort();
    const rows = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ since })));
    assert.deepEqual(rowsOf(rows, core.id).map((r) => r[0]).sort(), expected);
    assert.ok(expected.length > 0 && expected.length < log.length);
    assert.ok(rows.every((r) => (r[7] as string) >= since));
    assert.ok(rows.some((r) => (r[5] as string) < since), "authored before fromDate, committed after: kept");
    // Early instants too (git misreads a bare `@<small number>`).
    for (const early of ["1970-01-01T00:00:00Z", "1971-03-01T10:00:00Z"]) {
      const all = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ since: early })));
      assert.equal(rowsOf(all, core.id).length, log.length, early);
    }
  });

  it("exports a personal project's fork only with exportPersonalForkCommits", async () => {
    const without = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions()));
    assert.equal(rowsOf(without, fork.id).length, 0);
    const withForks = await collect(
      commitsReader(world).rows(world.site, commitsDef, readOptions({ settings: { exportPersonalForkCommits: true } })),
    );
    const forkRows = rowsOf(withForks, fork.id);
    assert.deepEqual(forkRows.map((r) => r[0]).sort(), await revList(fork.path));
    for (const hash of fork.own) assert.ok(forkRows.some((r) => r[0] === hash));
    assert.ok(forkRows.every((r) => (r[1] as string).startsWith("/users/alice/repos/core-repo/commits/")));
  });

  it("leaves out opted-out repositories (excludeScopes)", async () => {
    const rows = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ excludeScopes: [String(core.id)] })));
    assert.equal(rowsOf(rows, core.id).length, 0);
    assert.ok(rowsOf(rows, tools.id).length > 0);
  });

  it("lists the registered repositories with their metadata and git paths", async () => {
    const repos = await listRepositories(world.store, world.site);
    assert.deepEqual(
      repos.map((r) => [r.id, r.projectKey, r.slug, r.projectType, r.fork, r.origin, r.path]),
      [
        [core.id, "PROJ", "core-repo", "NORMAL", false, null, core.path],
        [tools.id, "OTHER", "tools", "NORMAL", false, null, tools.path],
        [fork.id, "~ALICE", "core-repo", "PERSONAL", true, core.id, fork.path],
      ],
    );
    assert.equal(repos[2]!.hierarchyId, repos[0]!.hierarchyId, "a fork shares its origin's hierarchy");
    assert.notEqual(repos[0]!.projectId, repos[1]!.projectId);
  });

  it("applies to Bitbucket sites with git repositories only", async () => {
    const source = gitSource(world.store, { stallMs: 0 });
    assert.equal(await source.appliesTo(world.site), true);
    const empty = await world.store.sites.create(world.site.orgId, { product: "bitbucket", contextPath: "/bb2", baseUrl: "http://localhost/bb2" });
    assert.equal(await source.appliesTo(empty), false);
    const jira = await world.store.sites.create(world.site.orgId, { product: "jira", contextPath: "/jira", baseUrl: "http://localhost/jira" });
    assert.equal(await source.appliesTo(jira), false);
    assert.deepEqual(await source.readiness(world.site), []);
  });
});

describe("git source: store rows for repositories without git data", () => {
  let world: GitWorld;
  before(async () => (world = await gitWorld()));
  after(async () => world.close());

  it("interleaves the store's commits in repository id order and ignores store rows of git repositories", async () => {
    const first = join(world.dir, "one.git");
    await createRepository(first, { seed: 3, commits: 20, now: NOW });
    const one = await addRepository(world.store, world.site, { projectKey: "A", name: "one", path: first });
    const storeRow = (repo: number, hash: string) => [
      hash,
      `/projects/B/repos/two/commits/${hash}`,
      "from the store",
      repo,
      "s@example.com",
      "2025-06-01T00:00:00Z",
      "s@example.com",
      "2025-06-01T00:00:00Z",
      String(repo),
    ];
    await world.store.data.upsert(world.site.id, entity("bitbucket", "repositories"), [
      [2, "/projects/B/repos/two/browse", "two", null, "h2", null, 2, "B", "B", "NORMAL", true, false, false, "two", "2"],
    ]);
    await world.store.data.upsert(world.site.id, commitsDef, [
      storeRow(2, "a".repeat(40)),
      storeRow(2, "b".repeat(40)),
      storeRow(one.id, "c".repeat(40)),
    ]);
    const third = join(world.dir, "three.git");
    await createRepository(third, { seed: 4, commits: 10, now: NOW });
    const three = await addRepository(world.store, world.site, { projectKey: "C", name: "three", path: third });
    assert.equal(three.id, 3);

    const rows = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ batchSize: 5 })));
    assert.deepEqual(
      rows.map((r) => r[3]),
      [...Array(20).fill(1), 2, 2, ...Array(10).fill(3)],
    );
    assert.ok(!rows.some((r) => r[0] === "c".repeat(40)));
    const since = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ since: "2025-07-01T00:00:00Z" })));
    assert.ok(!since.some((r) => r[3] === 2));
  });
});

describe("git source: broken repositories and timeouts", () => {
  let world: GitWorld;
  let good: { id: number; path: string };
  let bad: { id: number; path: string };

  before(async () => {
    world = await gitWorld();
    const goodPath = join(world.dir, "good.git");
    await createRepository(goodPath, { seed: 5, commits: 30, now: NOW });
    good = { id: (await addRepository(world.store, world.site, { projectKey: "PROJ", name: "good", path: goodPath })).id, path: goodPath };
    const badPath = join(world.dir, "bad.git");
    // Enough objects for fast-import to keep a pack (below fastimport.unpackLimit it writes loose objects).
    await createRepository(badPath, { seed: 6, commits: 120, now: NOW });
    bad = { id: (await addRepository(world.store, world.site, { projectKey: "PROJ", name: "bad", path: badPath })).id, path: badPath };
  });
  after(async () => world.close());

  it("a git process that sends nothing fails on commitQueuePollingTimeoutSeconds, naming the repository, and is killed", async () => {
    process.env[STALL_ENV] = "20000";
    let source;
    try {
      source = gitSource(world.store);
    } finally {
      delete process.env[STALL_ENV];
    }
    const rows = source.readers!.commits!.rows(
      world.site,
      commitsDef,
      readOptions({ settings: { commitQueuePollingTimeoutSeconds: 0.5 } }),
    );
    await assert.rejects(collect(rows), (error: unknown) => {
      assert.ok(isSluiceError(error));
      assert.equal(error.code, "export.failed");
      assert.match(error.message, /PROJ\/good/);
      assert.ok(error.message.includes(good.path));
      assert.match(error.message, /commitQueuePollingTimeoutSeconds/);
      return true;
    });
    assert.ok(await eventually(async () => (await processesMentioning(good.path)).length === 0), "the stalled git is gone");
  });

  it("a silent git fails on commitGitExecutionTimeoutSeconds", async () => {
    const reader = commitsReader(world, { stallMs: 20_000 });
    const rows = reader.rows(
      world.site,
      commitsDef,
      readOptions({ settings: { commitQueuePollingTimeoutSeconds: 60, commitGitExecutionTimeoutSeconds: 0.5 } }),
    );
    await assert.rejects(collect(rows), /PROJ\/good .*commitGitExecutionTimeoutSeconds/s);
    assert.ok(await eventually(async () => (await processesMentioning(good.path)).length === 0));
  });

  it("a truncated pack file is a readiness problem; a forced export skips the repository with a warning", async () => {
    const source = gitSource(world.store, { stallMs: 0 });
    assert.deepEqual(await source.readiness(world.site), []);
    const packDir = join(bad.path, "objects", "pack");
    const packFile = join(packDir, (await readdir(packDir)).find((n) => n.endsWith(".pack"))!);
    const size = (await stat(packFile)).size;
    const handle = await open(packFile, "r+");
    await handle.truncate(Math.floor(size / 2));
    await handle.close();

    const problems = await source.readiness(world.site);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.key, "export.pre.validation.failed");
    assert.match(problems[0]!.message, /PROJ\/bad/);
    assert.ok(problems[0]!.message.includes(bad.path));

    // git itself fails on it too (independent of the readiness check).
    assert.notEqual((await run("git", ["-C", bad.path, "log", "--all", "--format=%H"])).code, 0);

    const reader = source.readers!.commits!;
    const rows = await collect(reader.rows(world.site, commitsDef, readOptions({ settings: { forceExport: true } })));
    assert.deepEqual(rowsOf(rows, bad.id), []);
    assert.deepEqual(rows.map((r) => r[0]).sort(), await revList(good.path));
    const warnings = reader.warnings!();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /PROJ\/bad/);

    // Without a readiness check first, git's own failure decides: an error, or a warning when forced.
    const unchecked = commitsReader(world);
    await assert.rejects(collect(unchecked.rows(world.site, commitsDef, readOptions())), (error: unknown) => {
      assert.ok(isSluiceError(error) && error.code === "export.failed");
      assert.match(error.message, /git log failed for repository PROJ\/bad/);
      return true;
    });
    const forced = await collect(unchecked.rows(world.site, commitsDef, readOptions({ settings: { forceExport: true } })));
    assert.deepEqual(forced.map((r) => r[0]).sort(), await revList(good.path));
    assert.match(unchecked.warnings!()[0]!.message, /PROJ\/bad/);
  });

  it("a repository whose folder is gone is a readiness problem", async () => {
    const ghost = join(world.dir, "ghost.git");
    await createRepository(ghost, { seed: 9, commits: 3, now: NOW });
    await addRepository(world.store, world.site, { projectKey: "PROJ", name: "ghost", path: ghost });
    await rm(ghost, { recursive: true });
    const problems = await gitSource(world.store, { stallMs: 0 }).readiness(world.site);
    assert.ok(problems.some((p) => /PROJ\/ghost/.test(p.message) && p.message.includes("does not exist")));
  });
});

describe("git source: stopping a read", () => {
  let world: GitWorld;
  let big: string;
  before(async () => {
    world = await gitWorld();
    big = join(world.dir, "big-repository.git");
    await createRepository(big, { seed: 11, commits: 8_000, branches: 2, now: NOW });
    await addRepository(world.store, world.site, { projectKey: "BIG", name: "big", path: big });
  });
  after(async () => world.close());

  it("abort kills the git child", async () => {
    const controller = new AbortController();
    const iterator = commitsReader(world).rows(world.site, commitsDef, readOptions({ signal: controller.signal }))[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.ok((await processesMentioning(big)).length > 0, "git is still running (blocked on a full buffer)");
    controller.abort();
    await assert.rejects(iterator.next());
    assert.ok(await eventually(async () => (await processesMentioning(big)).length === 0), "git is gone");
  });

  it("leaving the loop early kills the git child", async () => {
    let seen = 0;
    for await (const batch of commitsReader(world).rows(world.site, commitsDef, readOptions())) {
      seen += batch.length;
      assert.ok((await processesMentioning(big)).length > 0);
      break;
    }
    assert.ok(seen > 0);
    assert.ok(await eventually(async () => (await processesMentioning(big)).length === 0));
  });
});

describe("git source: registering repositories", () => {
  let world: GitWorld;
  before(async () => (world = await gitWorld()));
  after(async () => world.close());

  it("scans a root: project = first folder level, or the mapping; bare and non-bare; skips what it cannot place", async () => {
    const root = join(world.dir, "root");
    await createRepository(join(root, "alpha", "one.git"), { seed: 21, commits: 3, now: NOW });
    await createRepository(join(world.dir, "src.git"), { seed: 22, commits: 3, now: NOW });
    await mkdir(join(root, "beta"), { recursive: true });
    assert.equal((await run("git", ["clone", "-q", join(world.dir, "src.git"), join(root, "beta", "two")])).code, 0);
    await createRepository(join(root, "loose.git"), { seed: 23, commits: 3, now: NOW });
    await createRepository(join(root, "data", "repositories", "17"), { seed: 24, commits: 3, now: NOW });
    await createRepository(join(root, "data", "repositories", "18"), { seed: 24, commits: 3, now: NOW });
    const mapping = {
      "data/repositories/17": { project: "MAP", name: "Mapped Repo" },
      "data/repositories/18": { project: "~bob", name: "Mapped Repo", personal: true, origin: "data/repositories/17" },
    };

    const result = await scanRoot(world.store, world.site, root, mapping);
    assert.deepEqual(
      result.added.map((r) => `${r.projectKey}/${r.slug}${r.fork ? ` fork of ${r.origin}` : ""}`).sort(),
      ["ALPHA/one", "BETA/two", "MAP/mapped-repo", "~BOB/mapped-repo fork of 3"].sort(),
    );
    assert.equal(result.skipped.length, 1);
    assert.ok(result.skipped[0]!.path.endsWith("loose.git"));

    const again = await scanRoot(world.store, world.site, root, mapping);
    assert.equal(again.added.length, 0);
    assert.equal(again.skipped.filter((s) => /already registered/.test(s.reason)).length, 4);
    assert.equal((await listRepositories(world.store, world.site)).length, 4);
  });

  it("refuses a folder inside a repository, a duplicate slug and an unknown origin", async () => {
    const path = join(world.dir, "solo.git");
    await createRepository(path, { seed: 31, commits: 2, now: NOW });
    await assert.rejects(
      addRepository(world.store, world.site, { projectKey: "SOLO", name: "x", path: join(path, "refs") }),
      /is not a git repository/,
    );
    await addRepository(world.store, world.site, { projectKey: "SOLO", name: "Solo", path });
    const other = join(world.dir, "solo2.git");
    await createRepository(other, { seed: 32, commits: 2, now: NOW });
    await assert.rejects(addRepository(world.store, world.site, { projectKey: "solo", name: "solo", path: other }), /SOLO\/solo already exists/);
    await assert.rejects(addRepository(world.store, world.site, { projectKey: "SOLO", name: "b", path: other, origin: 999 }), /Origin repository 999/);
    await assert.rejects(addRepository(world.store, world.site, { projectKey: "9x", name: "b", path: other }), /Project key "9x" is not valid/);
  });

  it("an empty repository is ready and has no commits", async () => {
    const path = join(world.dir, "empty.git");
    assert.equal((await run("git", ["init", "-q", "--bare", path])).code, 0);
    const empty = await addRepository(world.store, world.site, { projectKey: "EMPTY", name: "empty", path });
    const source = gitSource(world.store, { stallMs: 0 });
    assert.deepEqual(await source.readiness(world.site), []);
    const rows = await collect(source.readers!.commits!.rows(world.site, commitsDef, readOptions()));
    assert.equal(rowsOf(rows, empty.id).length, 0);
    assert.ok(rows.length > 0);
  });

  it("sluice repo add / list / scan", async () => {
    const file = join(world.dir, "cli", "sluice.db");
    const seed = openSqliteStore(file);
    await seed.sites.ensureOrganisation("o", "O");
    await seed.sites.create("o", { product: "bitbucket", contextPath: "/bitbucket", baseUrl: "http://localhost/bitbucket" });
    await seed.close();
    const lines: string[] = [];
    const errors: string[] = [];
    const cli = (...args: string[]) =>
      repoCommand({ openStore: async () => openSqliteStore(file), print: (l) => lines.push(l), printError: (l) => errors.push(l) })
        .exitOverride()
        .parseAsync(args, { from: "user" });

    const path = join(world.dir, "cli-repo.git");
    await createRepository(path, { seed: 41, commits: 2, now: NOW });
    await cli("add", "--site", "bitbucket", "--project", "CLI", "--name", "Command Line", path);
    assert.match(lines.pop()!, /^Added repository 1: CLI\/command-line at /);
    await cli("list", "--site", "/bitbucket");
    assert.match(lines.join("\n"), /1 +CLI\/command-line +.*cli-repo\.git/);

    const root = join(world.dir, "cli-root");
    await createRepository(join(root, "team", "app.git"), { seed: 42, commits: 2, now: NOW });
    const mappingFile = join(world.dir, "mapping.json");
    await writeFile(mappingFile, JSON.stringify({ "team/app.git": { project: "TEAM", name: "Application" } }));
    await cli("scan", "--site", "bitbucket", "--root", root, "--mapping", mappingFile);
    assert.match(lines.join("\n"), /Added repository 2: TEAM\/application/);

    await cli("add", "--site", "nope", "--project", "CLI", "--name", "x", path);
    assert.match(errors.pop()!, /^sluice: No site 'nope'/);
    process.exitCode = 0;
  });
});

describe("git source: dates", () => {
  it("formats unix seconds exactly as isoUtcSeconds, whatever the year", () => {
    const utc = utcSecondsFormatter();
    const samples = [0, 1, 59, 86_399, 86_400, -1, -86_401, 951_782_400, 1_609_459_199, 4_102_444_800, 253_402_300_799, 253_402_300_800, -62_167_219_200, -62_167_219_201];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((i * 7_919_111) % 4_200_000_000) - 100_000_000);
    for (const s of samples) assert.equal(utc(s), isoUtcSeconds(s * 1000), String(s));
    assert.equal(utc(Number.NaN), null);
  });
});

/** A STARTED export job of the world's site, for running the engine directly. */
function exportJob(world: GitWorld, jobId: number, overrides: Partial<ExportJobRecord> = {}): ExportJobRecord {
  return exportJobRecord(world.site, join(world.dir, "export"), jobId, { startTime: NOW, exportFrom: Date.parse(LONG_AGO), leaseExpiresAt: NOW + 60_000, ...overrides });
}

describe("git source: through the export engine", () => {
  let world: GitWorld;
  before(async () => (world = await gitWorld()));
  after(async () => world.close());

  it("writes the commits file from git, with absolute urls and escaped line breaks", async () => {
    const path = join(world.dir, "engine.git");
    await createRepository(path, { seed: 51, commits: 60, now: NOW });
    const repo = await addRepository(world.store, world.site, { projectKey: "ENG", name: "Engine", path });
    const job = exportJob(world, 1);
    const source = gitSource(world.store, { stallMs: 0 });
    const outcome = await runExport({
      store: world.store,
      site: world.site,
      instanceUrl: world.site.baseUrl,
      job,
      settings: exportSettingsSchema.parse({ minimumUsableDiskSpaceAfterExport: 0 }),
      sources: [source],
      zone: "UTC",
      signal: new AbortController().signal,
      onProgress: () => undefined,
    });
    const file = outcome.files.find((f) => f.entity === "commits")!;
    const records: Record<string, string>[] = parse(await readFile(join(outcome.directory, file.name)), { columns: true, relax_quotes: false });
    assert.deepEqual(records.map((r) => r.commit_hash).sort(), await revList(path));
    const truth = await showCommits(path, records.map((r) => r.commit_hash!));
    for (const r of records) {
      assert.equal(r.instance_url, world.site.baseUrl);
      assert.equal(r.url, `${world.site.baseUrl}/projects/ENG/repos/engine/commits/${r.commit_hash}`);
      assert.equal(r.repository_id, String(repo.id));
      assert.equal(r.message, truth.get(r.commit_hash!)![4]!.replace(/\r\n|\r|\n/g, "\\n"));
      assert.equal(r.committer_timestamp, truth.get(r.commit_hash!)![3]);
    }
    assert.deepEqual(outcome.warnings, []);
  });
});

describe("git source: the estimate of the commits file", () => {
  let world: GitWorld;
  let main: { id: number; path: string };
  let second: { id: number; path: string };
  let fork: { id: number; path: string };
  /** A repository without git data, its commits in the store. */
  const storeOnly = 50;
  // The committer dates of the store-only repository's rows: two before CUT, three at or after it.
  const CUT = "2025-07-01T00:00:00Z";

  before(async () => {
    world = await gitWorld();
    const mainPath = join(world.dir, "main.git");
    await createRepository(mainPath, { seed: 61, commits: 250, branches: 3, now: NOW });
    main = { id: (await addRepository(world.store, world.site, { projectKey: "EST", name: "main", path: mainPath })).id, path: mainPath };
    const secondPath = join(world.dir, "second.git");
    await createRepository(secondPath, { seed: 62, commits: 70, now: NOW - 30 * 86_400_000 });
    second = { id: (await addRepository(world.store, world.site, { projectKey: "EST", name: "second", path: secondPath })).id, path: secondPath };
    const forkPath = join(world.dir, "bob-main.git");
    await forkRepository(mainPath, forkPath, 4, NOW);
    fork = {
      id: (await addRepository(world.store, world.site, { projectKey: "bob", personal: true, name: "main", path: forkPath, origin: main.id })).id,
      path: forkPath,
    };
    await world.store.data.upsert(world.site.id, entity("bitbucket", "repositories"), [
      [storeOnly, "/projects/S/repos/s/browse", "s", null, "h50", null, 50, "S", "S", "NORMAL", true, false, false, "s", String(storeOnly)],
    ]);
    const storeRow = (repo: number, n: number, at: string) => {
      const hash = n.toString(16).padStart(40, "0");
      return [hash, `/projects/S/repos/s/commits/${hash}`, "from the store", repo, "s@example.com", at, "s@example.com", at, String(repo)];
    };
    await world.store.data.upsert(world.site.id, commitsDef, [
      storeRow(storeOnly, 1, "2025-01-01T00:00:00Z"),
      storeRow(storeOnly, 2, "2025-06-30T23:59:59Z"),
      storeRow(storeOnly, 3, CUT),
      storeRow(storeOnly, 4, "2025-08-01T00:00:00Z"),
      storeRow(storeOnly, 5, "2025-09-01T00:00:00Z"),
      // A store row of a git-backed repository: git's commits replace it, in the count too.
      storeRow(main.id, 6, "2025-09-01T00:00:00Z"),
    ]);
  });
  after(async () => world.close());

  async function estimateAndRead(reader: EntityReader, options: ReadOptions): Promise<{ estimate: number | undefined; rows: unknown[][] }> {
    const estimate = await reader.estimate!(world.site, commitsDef, options);
    return { estimate, rows: await collect(reader.rows(world.site, commitsDef, options)) };
  }

  it("equals the rows read: several repositories, the store's rows, fromDate, opt-outs, personal forks", async () => {
    const log = (await git(main.path, "log", "--all", "--format=%ct")).trim().split("\n").map(Number).sort((a, b) => a - b);
    const cut = log[Math.floor(log.length / 3)]!;
    const since = new Date(cut * 1000).toISOString().replace(".000Z", "Z");
    const cases: [string, Partial<ReadOptions>][] = [
      ["everything", {}],
      ["fromDate cutting commits", { since }],
      ["fromDate cutting store rows", { since: CUT }],
      ["an opted-out repository", { excludeScopes: [String(main.id)] }],
      ["an opted-out store-only repository, fromDate", { since, excludeScopes: [String(storeOnly)] }],
      ["personal forks", { settings: { exportPersonalForkCommits: true } }],
      ["fromDate before 1970", { since: "1969-12-31T00:00:00Z" }],
    ];
    const counts = new Map<string, number>();
    for (const [name, overrides] of cases) {
      const { estimate, rows } = await estimateAndRead(commitsReader(world, { parallel: 2 }), readOptions(overrides));
      assert.equal(estimate, rows.length, name);
      counts.set(name, rows.length);
    }
    const all = counts.get("everything")!;
    assert.equal(all, (await revList(main.path)).length + (await revList(second.path)).length + 5);
    assert.ok(counts.get("fromDate cutting commits")! < all && counts.get("fromDate cutting commits")! > 5);
    assert.equal(counts.get("fromDate cutting store rows"), all - 2);
    assert.equal(counts.get("an opted-out repository"), all - (await revList(main.path)).length);
    assert.equal(counts.get("personal forks"), all + (await revList(fork.path)).length);
    // One git process at a time counts the same.
    const one = await commitsReader(world, { parallel: 1 }).estimate!(world.site, commitsDef, readOptions({ since }));
    assert.equal(one, counts.get("fromDate cutting commits"));
  });

  it("counts with --max-age where git has no --since-as-filter (older git): the same on a history whose dates go forward", async () => {
    const reader = new GitCommitReader({
      store: world.store,
      stallMs: 0,
      parallel: 2,
      sinceAsFilter: async () => false,
      unreadable: () => new Map(),
      estimateTimeoutMs: 30_000,
      yieldCpu: true,
    });
    const log = (await git(second.path, "log", "--all", "--format=%ct")).trim().split("\n").map(Number).sort((a, b) => a - b);
    const since = new Date(log[Math.floor(log.length / 2)]! * 1000).toISOString().replace(".000Z", "Z");
    const { estimate, rows } = await estimateAndRead(reader, readOptions({ since }));
    assert.equal(estimate, rows.length);
    assert.ok(rowsOf(rows, second.id).length < log.length);
  });

  it("is unknown, not an error, when a count takes too long or is cancelled; no git process is left", async () => {
    const slow = commitsReader(world, { stallMs: 20_000, estimateTimeoutMs: 300 });
    const started = Date.now();
    assert.equal(await slow.estimate!(world.site, commitsDef, readOptions()), undefined);
    assert.ok(Date.now() - started < 10_000, "the time limit of a count holds");
    assert.ok(await eventually(async () => (await processesMentioning(main.path)).length === 0), "the count is killed");

    const controller = new AbortController();
    const pending = commitsReader(world, { stallMs: 20_000 }).estimate!(world.site, commitsDef, readOptions({ signal: controller.signal }));
    assert.ok(await eventually(async () => (await processesMentioning(main.path)).length > 0), "counting");
    controller.abort();
    assert.equal(await pending, undefined);
    assert.ok(await eventually(async () => (await processesMentioning(main.path)).length === 0), "cancel kills the count");

    assert.equal(await commitsReader(world).estimate!(world.site, entity("bitbucket", "repositories"), readOptions()), undefined);
  });

  function optedOut(repositoryId: number): ExportJobRecord["optedOut"][number] {
    return { type: "REPOSITORY", identifier: String(repositoryId), key: "EST/second", displayName: "second", uri: "/projects/EST/repos/second" };
  }

  /** A source with the git reader's rows, whose estimate is `estimate` (the git one by default). */
  function sourceWith(estimate?: EntityReader["estimate"], options: { rowsAfterEstimate?: boolean } = {}): Source {
    const git = commitsReader(world);
    let counted: Promise<unknown> = Promise.resolve();
    const reader: EntityReader = {
      estimate: (site, def, o) => {
        const n = (estimate ?? git.estimate!.bind(git))(site, def, o);
        counted = n.catch(() => undefined);
        return n;
      },
      async *rows(site, def, o) {
        if (options.rowsAfterEstimate) await counted;
        yield* git.rows(site, def, o);
      },
    };
    return { name: "git-test", appliesTo: async () => true, readiness: async () => [], readers: { commits: reader } };
  }

  it("the export's progress takes up the count when it arrives: the commits file's total, the export's total, an ETA", async () => {
    const reports: ExportProgress[] = [];
    const since = "2025-12-01T00:00:00Z";
    const outcome = await runExport({
      store: world.store,
      site: world.site,
      instanceUrl: world.site.baseUrl,
      job: exportJob(world, 1, { exportFrom: Date.parse(since), optedOut: [optedOut(second.id)] }),
      settings: exportSettingsSchema.parse({ minimumUsableDiskSpaceAfterExport: 0 }),
      // The rows wait for the count here, so that it surely arrives while the commits file is written.
      sources: [sourceWith(undefined, { rowsAfterEstimate: true })],
      zone: "UTC",
      signal: new AbortController().signal,
      batchSize: 16,
      onProgress: (p) => reports.push(p),
    });
    const file = outcome.files.find((f) => f.entity === "commits")!;
    const expected = await collect(
      commitsReader(world).rows(world.site, commitsDef, readOptions({ since, excludeScopes: [String(second.id)] })),
    );
    assert.equal(file.rows, expected.length);
    assert.ok(file.rows > 16 && rowsOf(expected, second.id).length === 0);
    const commits = reports.filter((p) => p.entity === "commits");
    assert.ok(commits.length > 2);
    // The file's first report (0 rows) may come before the count; every one after the first rows has it.
    for (const p of commits.filter((r) => r.rowsWritten > 0)) assert.equal(p.rowsEstimated, file.rows, "the commits file has its total");
    const last = reports.at(-1)!;
    assert.equal(last.totalRowsEstimated, outcome.statistics.writtenRows, "the export's total counts the commits");
    const midway = commits.find((p) => p.rowsWritten > 0 && p.rowsWritten < file.rows && p.rowsPerSecond > 0);
    // Without the count the total would be that of the store's files, already written: an ETA of 0.
    assert.ok(midway && midway.etaSeconds !== null && midway.etaSeconds >= 1, JSON.stringify(midway));
  });

  it("the export goes on when the count fails, throws or never ends", async () => {
    const never = new Promise<number | undefined>(() => undefined);
    const estimates: EntityReader["estimate"][] = [
      () => Promise.reject(new Error("count failed")),
      () => {
        throw new Error("count threw");
      },
      () => never,
      async () => undefined,
    ];
    for (const [i, estimate] of estimates.entries()) {
      const reports: ExportProgress[] = [];
      const outcome = await runExport({
        store: world.store,
        site: world.site,
        instanceUrl: world.site.baseUrl,
        job: exportJob(world, 10 + i),
        settings: exportSettingsSchema.parse({ minimumUsableDiskSpaceAfterExport: 0 }),
        sources: [sourceWith(estimate)],
        zone: "UTC",
        signal: new AbortController().signal,
        onProgress: (p) => reports.push(p),
      });
      const file = outcome.files.find((f) => f.entity === "commits")!;
      assert.equal(file.rows, (await collect(commitsReader(world).rows(world.site, commitsDef, readOptions()))).length, String(i));
      assert.ok(reports.filter((p) => p.entity === "commits").every((p) => p.rowsEstimated === 0), "no total: unknown");
    }
  });
});

describe("git source: progress of an export job with git data", () => {
  let t: TestApp;
  let dir: string;
  before(async () => {
    // 400 rows a second: the commits file takes ~1.5 s, long enough to watch it being written.
    t = await startTestApp({ seed_demo: false, config: { export: { exportRowsPerSecond: 400, minimumUsableDiskSpaceAfterExport: 0 } } });
    dir = join(t.home, "repositories");
  });
  after(async () => t?.close());

  it("GET /export, the job's progress and the CLI line show the commits total and an ETA", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/rest/admin/v1/sites",
      headers: { ...t.auth, "content-type": "application/json", "x-atlassian-token": "no-check" },
      payload: JSON.stringify({ product: "bitbucket", contextPath: "/bitbucket" }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const site = (await t.ctx.store.sites.byKey("bitbucket"))!;
    for (const [i, commits] of [400, 200].entries()) {
      const path = join(dir, `r${i}.git`);
      await createRepository(path, { seed: 70 + i, commits, branches: 2, now: NOW });
      await addRepository(t.ctx.store, site, { projectKey: "JOB", name: `r${i}`, path });
    }
    const total = (await revList(join(dir, "r0.git"))).length + (await revList(join(dir, "r1.git"))).length;

    const url = "/bitbucket/rest/datapipeline/latest/export";
    const started = await t.app.inject({ method: "POST", url, headers: { ...t.auth, "x-atlassian-token": "no-check" } });
    assert.equal(started.statusCode, 202, started.body);
    const jobId = started.json<{ jobId: number }>().jobId;
    const record = (await t.ctx.exports.get(site, jobId))!;

    let seen: { rest: ExportProgress; line: string; total: number | null; eta: number | null } | undefined;
    const deadline = Date.now() + 20_000;
    while (!seen && Date.now() < deadline) {
      const job = (await t.app.inject({ method: "GET", url, headers: t.auth })).json<{ status: string; progress: ExportProgress | null }>();
      const p = job.progress;
      const live = t.ctx.runner.liveProgress(record.id);
      if (p?.entity === "commits" && p.rowsEstimated > 0 && p.rowsWritten > 0 && p.rowsWritten < total / 2 && live?.label === "commits") {
        seen = { rest: p, line: progressLine(live), total: live.total, eta: live.etaSeconds };
      }
      if (job.status !== "STARTED") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(seen, "the commits file was seen being written, with a total");
    assert.equal(seen.rest.rowsEstimated, total);
    assert.ok(seen.rest.totalRowsEstimated >= total);
    assert.ok(seen.total !== null && seen.total >= total, "the job's progress has the total");
    assert.ok(seen.eta !== null && seen.eta > 0, "and an ETA");
    assert.match(seen.line, /^commits [\d,]+\/[\d,]+ rows \| [\d.,]+ rows\/s \| ETA (\d+s|\d+m\d\ds)$/);

    const done = await waitForJob(t, "bitbucket", jobId);
    assert.equal(done.status, "COMPLETED");
    const files = (await t.ctx.exports.get(site, jobId))!.files!;
    assert.equal(files.find((f) => f.entity === "commits")!.rows, total);
  });
});

describe("git source: the estimate where committer dates go back", () => {
  let world: GitWorld;
  before(async () => (world = await gitWorld()));
  after(async () => world.close());

  it("is unknown without a commit-graph (counting would cost the read); with one, exactly what --since-as-filter keeps", async () => {
    // 250 and 240 days ago ← `dated back` 400 days ago ← 1 day ago, one branch: with fromDate 300 days
    // ago, `rows` keeps all but `dated back`; a walk that stops at `dated back` sees only the last one.
    const path = join(world.dir, "skewed.git");
    assert.equal((await run("git", ["init", "-q", "--bare", path])).code, 0);
    const at = (daysAgo: number) => ident(DEFAULT_AUTHORS[0]!, Math.floor(NOW / 1000) - daysAgo * 86_400, "+0000");
    const commit = (mark: number, daysAgo: number) =>
      `commit refs/heads/main\nmark :${mark}\nauthor ${at(daysAgo)}\ncommitter ${at(daysAgo)}\n${data(`commit ${mark}\n`)}` +
      `${mark > 1 ? `from :${mark - 1}\n` : ""}M 100644 inline f${mark}.txt\n${data(`${mark}\n`)}\n`;
    await fastImport(path, [commit(1, 250), commit(2, 240), commit(3, 400), commit(4, 1)]);
    const [latest, datedBack] = (await git(path, "rev-list", "-2", "refs/heads/main")).trim().split("\n");
    await addRepository(world.store, world.site, { projectKey: "EST", name: "skewed", path });

    const since = new Date(NOW - 300 * 86_400_000).toISOString().replace(".000Z", "Z");
    const rows = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ since })));
    assert.ok(rows.some((r) => r[0] === latest) && !rows.some((r) => r[0] === datedBack));
    assert.deepEqual(rows.map((r) => r[0]).sort(), await revList(path, `--since-as-filter=@${Date.parse(since) / 1000} +0000`));
    assert.equal(rows.length, 3);
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, readOptions({ since })), undefined);
    const everything = readOptions({ since: "1970-01-01T00:00:00Z" });
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, everything), undefined);
    // A bitmap index counts every commit at once, not those since fromDate.
    await git(path, "repack", "-a", "-d", "-b", "-q");
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, everything), 4);
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, readOptions({ since })), undefined);
    await git(path, "commit-graph", "write", "--reachable");
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, readOptions({ since })), rows.length);
    // Every commit (no fromDate to apply): exact either way.
    const all = await collect(commitsReader(world).rows(world.site, commitsDef, readOptions({ since: "1970-01-01T00:00:00Z" })));
    assert.equal(await commitsReader(world).estimate!(world.site, commitsDef, readOptions({ since: "1970-01-01T00:00:00Z" })), all.length);
  });
});
