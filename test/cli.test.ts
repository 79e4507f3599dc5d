/**
 * The `sluice` command line, run as a user runs it (`node bin/sluice.js …`) on a temp home:
 * help of every command, sites, tokens that work against a started server, export with the files
 * it prints, status/history/cancel, and plain one-line errors without stack traces.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CommanderError, type Command } from "commander";
import { program } from "../src/cli/main.js";
import { BIN, startSluice } from "./support/server.js";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asserts a failure printed as one plain line (`sluice: …`) with no stack trace. */
function assertPlainError(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `non-zero exit: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0]!, /^sluice: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace");
}

describe("sluice CLI", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  const cli = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { cwd: home, env, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });

  before(async () => {
    home = await mkdtemp(join(tmpdir(), "sluice-cli-"));
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      SLUICE_HOME: home,
      SLUICE_MIN_DISK_SPACE: "0",
      SLUICE_TIME_ZONE: "UTC",
      SLUICE_LOG_LEVEL: "warn",
    };
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("--help of every command exits 0 and shows its options", async () => {
    const expected: Record<string, string[]> = {
      "": ["start", "export", "demo", "site", "token", "status", "cancel", "history", "migrate", "--config", "--home", "--store"],
      start: ["--port", "--host", "--node-id"],
      export: ["--site", "--from", "--force", "--schema-version", "--rows-per-second"],
      demo: ["--scale", "--seed"],
      site: ["create", "list"],
      "site create": ["--product", "--context-path", "--plan", "--region"],
      "site list": ["--json"],
      token: ["create"],
      "token create": ["--user", "--name", "--no-sysadmin"],
      status: ["--site"],
      cancel: ["--site", "--job-id"],
      history: ["--site", "--offset", "--limit", "--json"],
      migrate: [],
    };
    const check = (command: string, code: number, stdout: string) => {
      assert.equal(code, 0, `sluice ${command} --help exits 0`);
      assert.match(stdout, new RegExp(`^Usage: sluice${command ? ` ${command}` : ""} `), stdout);
      assert.match(stdout, /--help/);
      for (const option of expected[command]!) assert.ok(stdout.includes(option), `'sluice ${command} --help' shows ${option}:\n${stdout}`);
    };
    // Every command through the real program in this process (commander's exit code, captured output) …
    for (const command of Object.keys(expected)) {
      const cmd = program();
      let out = "";
      const quiet = (c: Command): void => {
        c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
        for (const sub of c.commands) quiet(sub);
      };
      quiet(cmd);
      let code = -1;
      try {
        await cmd.parseAsync(["node", "sluice", ...(command ? command.split(" ") : []), "--help"]);
      } catch (error) {
        assert.ok(error instanceof CommanderError, String(error));
        code = error.exitCode;
      }
      check(command, code, out);
    }
    // … and a few through the real binary (each is a separate node process).
    for (const command of ["", "export", "site create"]) {
      const r = await cli(...(command ? command.split(" ") : []), "--help");
      check(command, r.code, r.stdout);
    }
  });

  it("demo seeds the three demo sites", async () => {
    const r = await cli("demo", "--scale", "0.25");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Demo data generated/);
    const list = await cli("site", "list");
    assert.equal(list.code, 0, list.stderr);
    for (const path of ["/jira", "/wiki", "/bitbucket"]) assert.match(list.stdout, new RegExp(`^${path}\\s`, "m"));
  });

  it("site create then site list shows it; bad input is one plain line", async () => {
    const r = await cli("site", "create", "--product", "confluence", "--context-path", "/docs", "--plan", "standard", "--region", "eu");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Created confluence site \/docs/);
    const list = await cli("site", "list");
    assert.match(list.stdout, /^\/docs\s+confluence\s+standard\s+eu\s/m, list.stdout);

    assertPlainError(await cli("site", "create", "--product", "trello", "--context-path", "/boards"), /product must be one of jira, confluence, bitbucket/);
    assertPlainError(await cli("site", "create", "--product", "jira", "--context-path", "/docs"), /already/);
  });

  it("token create prints a token that works against a started server; --no-sysadmin gets 403", async () => {
    const admin = await cli("token", "create", "--name", "ci");
    assert.equal(admin.code, 0, admin.stderr);
    const token = admin.stdout.trim();
    assert.match(token, /^sluice_[A-Za-z0-9_-]{43}$/);
    const plain = await cli("token", "create", "--user", "carol", "--no-sysadmin");
    assert.equal(plain.code, 0, plain.stderr);

    const server = await startSluice({ home });
    try {
      const get = (t: string) =>
        fetch(`${server.baseUrl}/wiki/rest/datapipeline/latest/export`, { headers: { authorization: `Bearer ${t}` } });
      const ok = await get(token);
      assert.equal(ok.status, 200, await ok.text());
      const basic = await fetch(`${server.baseUrl}/rest/admin/v1/myself`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${token}`).toString("base64")}` },
      });
      assert.equal(basic.status, 200);
      assert.deepEqual(((await basic.json()) as { username: string }).username, "admin");
      const forbidden = await get(plain.stdout.trim());
      assert.equal(forbidden.status, 403);
      const wrong = await get(`${token}x`);
      assert.equal(wrong.status, 401);
      const sites = (await (await fetch(`${server.baseUrl}/rest/admin/v1/sites`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        sites: { contextPath: string }[];
      };
      assert.ok(sites.sites.some((s) => s.contextPath === "/docs"), "the server sees the site the CLI created");
    } finally {
      await server.stop();
    }
  });

  it("export --site wiki --from 2024-01-01 exits 0 and prints the directory holding the CSVs", async () => {
    const r = await cli("export", "--site", "wiki", "--from", "2024-01-01");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Export job 1 COMPLETED: \d+ rows/);
    const m = /^Files: (.+)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const dir = m[1]!.trim();
    assert.ok(dir.startsWith(join(home, "shared", "data-pipeline", "export")), dir);
    assert.ok((await stat(dir)).isDirectory());
    const names = await readdir(dir);
    const csvs = names.filter((n) => n.endsWith(".csv"));
    assert.equal(csvs.length, 5, names.join(", "));
    assert.ok(names.includes("manifest.json"));
    for (const name of csvs) {
      assert.match(name, /^(users|spaces|pages|comments|analytics_events)_job1_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.csv$/);
      assert.ok(r.stdout.includes(name), `the output lists ${name}`);
    }
  });

  it("status --site wiki prints the job as JSON; history lists it", async () => {
    const status = await cli("status", "--site", "wiki");
    assert.equal(status.code, 0, status.stderr);
    const job = JSON.parse(status.stdout) as { jobId: number; status: string; config: { exportFrom: string }; statistics: { writtenRows: number } };
    assert.equal(job.jobId, 1);
    assert.equal(job.status, "COMPLETED");
    assert.equal(job.config.exportFrom, "2024-01-01T00:00:00Z");
    assert.ok(job.statistics.writtenRows > 0);

    const history = await cli("history", "--site", "wiki");
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^\s*1\s+COMPLETED\s/m);
    const json = JSON.parse((await cli("history", "--site", "wiki", "--json")).stdout) as { values: { jobId: number }[] };
    assert.deepEqual(json.values.map((v) => v.jobId), [1]);
  });

  it("cancel with nothing running, unknown sites and bad dates fail with one plain line", async () => {
    assertPlainError(await cli("cancel", "--site", "wiki"), /no export job running/);
    assertPlainError(await cli("export", "--site", "nope"), /No site 'nope'/);
    assertPlainError(await cli("export", "--site", "wiki", "--from", "someday"), /fromDate/);
  });

  it("migrate exits 0", async () => {
    const r = await cli("migrate");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /up to date/);
  });
});
