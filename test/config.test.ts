/**
 * Configuration (`loadConfig`): defaults, JSON and YAML files, environment and command-line
 * overrides, the Atlassian property names as aliases, sizes, and every problem listed at once.
 */
import { availableParallelism } from "node:os";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { configProblems, loadConfig, sqlitePath, type ConfigSources } from "../src/config.js";
import { isSluiceError } from "../src/core/errors.js";

const MB = 1024 ** 2;
const GB = 1024 ** 3;

describe("loadConfig", () => {
  let root: string;
  let n = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "sluice-config-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A fresh working directory, optionally holding config files. */
  async function dir(files: Record<string, string> = {}): Promise<string> {
    const cwd = join(root, String(++n));
    await mkdir(cwd, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(cwd, name), text);
    return cwd;
  }

  function problems(sources: ConfigSources): string[] {
    try {
      loadConfig(sources);
    } catch (error) {
      assert.ok(isSluiceError(error) && error.code === "sluice.config.invalid", `a configuration error, not ${String(error)}`);
      for (const p of configProblems(error)) assert.ok(error.message.includes(p), "the message lists every problem");
      return configProblems(error);
    }
    assert.fail("expected a configuration error");
  }

  it("has documented defaults", async () => {
    const cwd = await dir();
    const c = loadConfig({ env: {}, cwd });
    assert.equal(c.home, join(cwd, "sluice-home"));
    assert.equal(c.port, 8080);
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.baseUrl, "http://localhost:8080");
    assert.equal(c.timeZone, "system");
    assert.deepEqual(c.store, { kind: "sqlite" });
    assert.equal(sqlitePath(c), join(cwd, "sluice-home", "sluice.db"));
    assert.equal(c.configFile, undefined);
    assert.deepEqual(c.demo, { enabled: true, scale: 1, seed: 42 });
    assert.deepEqual(c.allowedExportPathRoots, []);
    assert.deepEqual(c.export, {
      embeddedLineBreakPreserve: false,
      embeddedLineBreakEscape: "\\n",
      minimumUsableDiskSpaceAfterExport: 5 * GB,
      exportRowsPerSecond: 0,
      descriptionMaxLength: 2000,
      pageContentMaxLength: 100_000,
      exportPersonalForkCommits: false,
      exportBuildStatuses: false,
      exportPullRequestActivities: true,
      commitQueuePollingTimeoutSeconds: 20,
      commitGitExecutionTimeoutSeconds: 3600,
      optOutLimit: 1000,
      exportThreads: Math.max(1, Math.min(2, availableParallelism())),
      parallelExportMinRows: 50_000,
      splitExportMinRows: 100_000,
    });
  });

  it("lists every problem at once, each with its path", async () => {
    const cwd = await dir({
      "sluice.config.json": JSON.stringify({
        port: "eighty",
        logLevel: "loud",
        timeZone: "Mars/Olympus_Mons",
        jobLeaseSeconds: 1,
        export: { exportRowsPerSecond: -5, minimumUsableDiskSpaceAfterExport: "5 parsecs", descriptionMaxLength: 0 },
        store: { kind: "postgres", url: "mysql://x" },
        allowedExportPathRoots: ["relative/root"],
      }),
    });
    const list = problems({ env: {}, cwd });
    for (const path of [
      "port",
      "logLevel",
      "timeZone",
      "jobLeaseSeconds",
      "export.exportRowsPerSecond",
      "export.minimumUsableDiskSpaceAfterExport",
      "export.descriptionMaxLength",
      "store.url",
      "allowedExportPathRoots.0",
    ]) {
      assert.ok(list.some((p) => p.startsWith(`${path}: `)), `a problem for ${path} in:\n${list.join("\n")}`);
    }
    assert.ok(list.length >= 9);
    assert.ok(list.every((p) => p.includes("sluice.config.json")), "each problem names the file");
  });

  it("rejects an unknown key with its name (top level and under export)", async () => {
    const top = problems({ env: {}, cwd: await dir(), overrides: { prot: 8080 } });
    assert.ok(top.some((p) => p.includes("prot")), top.join("\n"));
    const nested = problems({ env: {}, cwd: await dir({ "sluice.config.yaml": "export:\n  exportRowPerSecond: 10\n" }) });
    assert.ok(nested.some((p) => p.includes("exportRowPerSecond") && p.startsWith("export")), nested.join("\n"));
    const alias = problems({ env: {}, cwd: await dir({ "sluice.config.yaml": "plugin.data.pipeline.embedded.line.break.keep: true\n" }) });
    assert.ok(alias.some((p) => p.includes("plugin.data.pipeline.embedded.line.break.keep")), alias.join("\n"));
  });

  it("reads sluice.config.json, sluice.config.yaml, sluice.config.yml, --config and SLUICE_CONFIG", async () => {
    const json = await dir({ "sluice.config.json": JSON.stringify({ port: 9001, export: { descriptionMaxLength: 10 } }) });
    const cj = loadConfig({ env: {}, cwd: json });
    assert.equal(cj.port, 9001);
    assert.equal(cj.export.descriptionMaxLength, 10);
    assert.equal(cj.configFile, join(json, "sluice.config.json"));
    assert.equal(cj.baseUrl, "http://localhost:9001");

    const yaml = await dir({ "sluice.config.yaml": "port: 9002\nhost: 0.0.0.0\nexport:\n  exportRowsPerSecond: 500\n  minimumUsableDiskSpaceAfterExport: 1GB\n" });
    const cy = loadConfig({ env: {}, cwd: yaml });
    assert.equal(cy.port, 9002);
    assert.equal(cy.host, "0.0.0.0");
    assert.equal(cy.baseUrl, "http://localhost:9002");
    assert.equal(cy.export.exportRowsPerSecond, 500);
    assert.equal(cy.export.minimumUsableDiskSpaceAfterExport, GB);

    const yml = await dir({ "sluice.config.yml": "nodeId: node-7\n" });
    assert.equal(loadConfig({ env: {}, cwd: yml }).nodeId, "node-7");

    const custom = await dir({ "other.yaml": "port: 9003\n", "sluice.config.json": '{"port": 1}' });
    assert.equal(loadConfig({ env: {}, cwd: custom, configFile: "other.yaml" }).port, 9003, "--config wins over the default file");
    assert.equal(loadConfig({ env: { SLUICE_CONFIG: join(custom, "other.yaml") }, cwd: custom }).port, 9003);

    const missing = problems({ env: {}, cwd: await dir(), configFile: "nope.json" });
    assert.match(missing[0]!, /nope\.json does not exist/);
    const broken = problems({ env: {}, cwd: await dir({ "sluice.config.json": "{ port: 1" }) });
    assert.match(broken[0]!, /sluice\.config\.json/);
    const list = problems({ env: {}, cwd: await dir({ "sluice.config.yaml": "- a\n- b\n" }) });
    assert.match(list[0]!, /must hold an object/);
  });

  it("environment overrides the file; command-line overrides the environment", async () => {
    const cwd = await dir({ "sluice.config.json": JSON.stringify({ port: 9000, logLevel: "debug", export: { descriptionMaxLength: 10 } }) });
    const env = {
      SLUICE_PORT: "9100",
      SLUICE_HOME: "data",
      SLUICE_BASE_URL: "https://sluice.example.com/",
      SLUICE_NODE_ID: "n1",
      SLUICE_TIME_ZONE: "Europe/Paris",
      SLUICE_JOB_LEASE_SECONDS: "12",
      SLUICE_EXPORT_ROWS_PER_SECOND: "250",
      SLUICE_MIN_DISK_SPACE: "0",
      SLUICE_EMBEDDED_LINE_BREAK_PRESERVE: "true",
      SLUICE_BOOTSTRAP_TOKEN: "sluice_0123456789abcdef",
      SLUICE_DEMO: "false",
    };
    const c = loadConfig({ env, cwd });
    assert.equal(c.port, 9100);
    assert.equal(c.logLevel, "debug", "file values the environment does not set stay");
    assert.equal(c.home, join(cwd, "data"), "a relative home is resolved against the working directory");
    assert.equal(c.baseUrl, "https://sluice.example.com");
    assert.equal(c.nodeId, "n1");
    assert.equal(c.timeZone, "Europe/Paris");
    assert.equal(c.jobLeaseSeconds, 12);
    assert.equal(c.export.exportRowsPerSecond, 250);
    assert.equal(c.export.minimumUsableDiskSpaceAfterExport, 0);
    assert.equal(c.export.embeddedLineBreakPreserve, true);
    assert.equal(c.export.descriptionMaxLength, 10, "export settings merge with the file's");
    assert.equal(c.bootstrapToken, "sluice_0123456789abcdef");
    assert.equal(c.demo.enabled, false);

    const pg = loadConfig({ env: { SLUICE_DATABASE_URL: "postgres://u:p@localhost:5432/sluice" }, cwd });
    assert.deepEqual(pg.store, { kind: "postgres", url: "postgres://u:p@localhost:5432/sluice" });
    assert.equal(sqlitePath(pg), "");

    const cli = loadConfig({ env, cwd, overrides: { port: 9200, home: "/srv/sluice", store: { kind: "sqlite", path: "other.db" } } });
    assert.equal(cli.port, 9200);
    assert.equal(cli.home, "/srv/sluice");
    assert.equal(sqlitePath(cli), "/srv/sluice/other.db");

    const bad = problems({ env: { SLUICE_PORT: "http", SLUICE_EXPORT_ROWS_PER_SECOND: "fast", SLUICE_BOOTSTRAP_TOKEN: "short" }, cwd: await dir() });
    for (const path of ["port", "export.exportRowsPerSecond", "bootstrapToken"]) {
      assert.ok(bad.some((p) => p.startsWith(`${path}: `)), `${path} in:\n${bad.join("\n")}`);
    }
  });

  it("accepts the Atlassian property names as aliases (top level or under export, file or overrides)", async () => {
    const yaml = [
      "plugin.data.pipeline.embedded.line.break.preserve: true",
      'plugin.data.pipeline.embedded.line.break.escape.char: "\\\\r"',
      "plugin.data.pipeline.minimum.usable.disk.space.after.export: 2GB",
      "export:",
      "  plugin.data.pipeline.bitbucket.export.build.statuses: true",
      "  plugin.data.pipeline.bitbucket.export.pull.request.activities: 'false'",
      "  plugin.data.pipeline.bitbucket.export.personal.forked.repository.commits: true",
      "  plugin.data.pipeline.bitbucket.commit.queue.polling.timeout.seconds: 5",
      "  plugin.data.pipeline.bitbucket.commit.git.execution.timeout.seconds: '60'",
      "",
    ].join("\n");
    const c = loadConfig({ env: {}, cwd: await dir({ "sluice.config.yaml": yaml }) });
    assert.equal(c.export.embeddedLineBreakPreserve, true);
    assert.equal(c.export.embeddedLineBreakEscape, "\\r");
    assert.equal(c.export.minimumUsableDiskSpaceAfterExport, 2 * GB);
    assert.equal(c.export.exportBuildStatuses, true);
    assert.equal(c.export.exportPullRequestActivities, false);
    assert.equal(c.export.exportPersonalForkCommits, true);
    assert.equal(c.export.commitQueuePollingTimeoutSeconds, 5);
    assert.equal(c.export.commitGitExecutionTimeoutSeconds, 60);

    const json = loadConfig({
      env: {},
      cwd: await dir({ "sluice.config.json": JSON.stringify({ "plugin.data.pipeline.embedded.line.break.preserve": "true" }) }),
    });
    assert.equal(json.export.embeddedLineBreakPreserve, true);
    const over = loadConfig({ env: {}, cwd: await dir(), overrides: { "plugin.data.pipeline.embedded.line.break.preserve": false } });
    assert.equal(over.export.embeddedLineBreakPreserve, false);

    const bad = problems({ env: {}, cwd: await dir({ "sluice.config.yaml": "plugin.data.pipeline.embedded.line.break.preserve: sometimes\n" }) });
    assert.ok(bad.some((p) => p.startsWith("export.embeddedLineBreakPreserve: ")), bad.join("\n"));
  });

  it("reads sizes like 5GB, 500 MB, 1.5GB or a number of bytes", async () => {
    const size = (value: unknown) =>
      loadConfig({ env: {}, cwd: root, overrides: { export: { minimumUsableDiskSpaceAfterExport: value } } }).export.minimumUsableDiskSpaceAfterExport;
    assert.equal(size("5GB"), 5 * GB);
    assert.equal(size("5gb"), 5 * GB);
    assert.equal(size("500 MB"), 500 * MB);
    assert.equal(size("1.5GB"), 1.5 * GB);
    assert.equal(size("64KB"), 64 * 1024);
    assert.equal(size("1TB"), 1024 * GB);
    assert.equal(size("1024"), 1024);
    assert.equal(size("10B"), 10);
    assert.equal(size(2048), 2048);
    assert.equal(size(0), 0);
    for (const bad of ["lots", "5 GiB", "-1GB", -1, 1.5, "GB"]) {
      const list = problems({ env: {}, cwd: root, overrides: { export: { minimumUsableDiskSpaceAfterExport: bad } } });
      assert.ok(list.some((p) => p.startsWith("export.minimumUsableDiskSpaceAfterExport: ")), `${String(bad)}: ${list.join("\n")}`);
    }
  });
});
