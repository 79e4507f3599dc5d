/**
 * A PostgreSQL server for tests. With `SLUICE_TEST_PG_URL` set, a fresh database on that server (dropped
 * at stop); otherwise a throwaway cluster from the installed binaries, in a temp dir, on a free
 * 127.0.0.1 port, with durability off (fsync, synchronous_commit, full_page_writes).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env.SLUICE_TEST_PG_URL;
  return external ? freshDatabase(external) : startCluster();
}

const randomName = () => `sluice_test_${randomBytes(6).toString("hex")}`;

/** Runs `work` on a fresh client of `url`, ended afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freshDatabase(serverUrl: string): Promise<TestPostgres> {
  const name = randomName();
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The newest installed PostgreSQL's bin directory (Debian layout), or the one on PATH. */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], "bin");
  }
  const onPath = (process.env.PATH ?? "").split(":").find((dir) => dir !== "" && existsSync(join(dir, "initdb")));
  if (onPath !== undefined) return onPath;
  throw new Error(
    "No PostgreSQL binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin nor on PATH: install postgresql or set SLUICE_TEST_PG_URL to a server",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface ServerUser {
  /** Runs a PostgreSQL binary as the cluster's owner. */
  exec(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** The same, as a file and arguments for the synchronous variants. */
  command(bin: string, args: string[]): [string, string[]];
  chownTo(path: string): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, run it as `postgres`; otherwise as ourselves. */
async function serverUser(): Promise<ServerUser> {
  if (process.getuid?.() !== 0) {
    return { exec: (bin, args) => run(bin, args), command: (bin, args) => [bin, args], chownTo: async () => undefined };
  }
  let uid: number;
  let gid: number;
  try {
    const { stdout } = await run("id", ["-u", "postgres"]);
    uid = Number(stdout.trim());
    gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  } catch {
    throw new Error("Running as root but there is no `postgres` user to own the test cluster: create one or set SLUICE_TEST_PG_URL");
  }
  // runuser (util-linux) when present, else su with a quoted command line.
  const hasRunuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].some((p) => existsSync(p));
  const command = (bin: string, args: string[]): [string, string[]] =>
    hasRunuser
      ? ["runuser", ["-u", "postgres", "--", bin, ...args]]
      : ["su", ["postgres", "-s", "/bin/sh", "-c", [bin, ...args].map(shellQuote).join(" ")]];
  return {
    exec: (bin, args) => run(...command(bin, args)),
    command,
    chownTo: (path) => chown(path, uid, gid),
  };
}

const shellQuote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;

/**
 * Where the cluster's temp dir goes: the OS temp dir, unless the server user could not reach it (a
 * root-only TMPDIR) or the socket path would pass the 107-byte limit of a unix socket address.
 */
function tempBase(asRoot: boolean): string {
  const base = tmpdir();
  if (base.length > 60) return "/tmp";
  if (!asRoot) return base;
  for (let dir = base; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return "/tmp";
    if (dirname(dir) === dir) return base;
  }
}

const tail = async (file: string, lines = 30): Promise<string> =>
  (await readFile(file, "utf8").catch(() => "(no server log)")).split("\n").slice(-lines).join("\n");

function describe(error: unknown): string {
  const e = error as { message?: string; stderr?: string };
  return [e.message, e.stderr].filter(Boolean).join("\n");
}

async function waitForConnections(url: string, deadline: number): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await withClient(url, (c) => c.query("SELECT 1"));
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the server did not accept connections: ${describe(last)}`);
}

/**
 * Stops the cluster if this process goes away without calling `stop`: at exit, and — for a process
 * killed outright (SIGKILL, a runner's timeout) — from a detached watchdog that polls our pid.
 */
function guardCluster(user: ServerUser, bin: string, data: string, dir: string): { release(): void } {
  const stop = user.command(join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]);
  const onExit = () => {
    try {
      if (existsSync(join(data, "postmaster.pid"))) execFileSync(stop[0], stop[1], { stdio: "ignore" });
      execFileSync("rm", ["-rf", dir]);
    } catch {
      // best effort: the process is exiting
    }
  };
  process.once("exit", onExit);
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; shift; "$@" >/dev/null 2>&1; rm -rf "$TEST_PG_DIR"';
  const watchdog = spawn("sh", ["-c", script, "test-pg-watchdog", String(process.pid), stop[0], ...stop[1]], {
    detached: true,
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TEST_PG_DIR: dir },
  });
  watchdog.unref();
  return {
    release() {
      process.removeListener("exit", onExit);
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill();
    },
  };
}

const SERVER_OPTIONS = [
  "-c listen_addresses=127.0.0.1",
  "-c fsync=off",
  "-c synchronous_commit=off",
  "-c full_page_writes=off",
  "-c shared_buffers=32MB",
  "-c max_connections=200",
];

async function startCluster(): Promise<TestPostgres> {
  const bin = binDir();
  const user = await serverUser();
  const dir = await mkdtemp(join(tempBase(process.getuid?.() === 0), "sluice-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const pgCtl = join(bin, "pg_ctl");
  const guard = guardCluster(user, bin, data, dir);
  const stopServer = async () => {
    if (existsSync(join(data, "postmaster.pid"))) {
      await user.exec(pgCtl, ["stop", "-D", data, "-m", "immediate", "-w"]).catch(() => undefined);
    }
  };
  const dispose = async () => {
    await stopServer();
    await rm(dir, { recursive: true, force: true });
    guard.release();
  };
  try {
    await user.chownTo(dir);
    try {
      await user.exec(join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
    } catch (error) {
      throw new Error(`initdb failed: ${describe(error)}`, { cause: error });
    }
    // The superuser the tests connect as is trusted; every other role (SQL login roles) needs its password.
    await writeFile(
      join(data, "pg_hba.conf"),
      ["local all postgres trust", "host all postgres 127.0.0.1/32 trust", "local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n"),
    );
    await user.chownTo(join(data, "pg_hba.conf"));
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [...SERVER_OPTIONS, `-p ${port}`, `-k ${dir}`].join(" ");
      try {
        await user.exec(pgCtl, ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", options]);
        break;
      } catch (error) {
        // Another process may have taken the port between the probe and the start: try another one.
        if (attempt < 3 && (await tail(log, 10)).includes("could not bind")) continue;
        throw new Error(`pg_ctl start failed: ${describe(error)}\n--- server log ---\n${await tail(log)}`, { cause: error });
      }
    }
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitForConnections(admin, Date.now() + 30_000);
      const name = randomName();
      await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
      return { url: `postgres://postgres@127.0.0.1:${port}/${name}`, stop: dispose };
    } catch (error) {
      throw new Error(`${describe(error)}\n--- server log ---\n${await tail(log)}`, { cause: error });
    }
  } catch (error) {
    await dispose();
    throw new Error(`Could not start a test PostgreSQL cluster: ${describe(error)}`, { cause: error });
  }
}
