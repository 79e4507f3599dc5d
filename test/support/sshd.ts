/**
 * A real OpenSSH `sshd` for the SFTP-delivery tests: Debian's openssh-server (installed with apt-get when
 * it is missing), run in the foreground on a free 127.0.0.1 port from a throwaway temp dir that holds its
 * config, its own ed25519 host key and a client key pair allowed to log in as root (key only: no password,
 * no keyboard-interactive, no PAM). SFTP is sshd's `internal-sftp`; tests write to `uploadDir`.
 *
 * `rotateHostKey()` restarts it on the same port with a new host key, for the test that a client pinned
 * to the old key refuses the server. sshd is stopped at `close()`, at exit, and — when this process is
 * killed outright — by a detached watchdog that polls our pid.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SSHD_PATH = "/usr/sbin/sshd";

export interface Sshd {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: "root";
  /** The client's private key, OpenSSH format, no passphrase. */
  readonly privateKey: string;
  /** The client's public key line (`ssh-ed25519 AAAA…`), the one in authorized_keys. */
  readonly publicKey: string;
  /** The current host key's fingerprint as `ssh-keygen -lf` prints it: `SHA256:…`. */
  readonly hostKeyFingerprint: string;
  /** The current host key's public line, `ssh-ed25519 AAAA…`. */
  readonly hostPublicKey: string;
  /** An empty directory the login user may write to (absolute path, also the path over SFTP). */
  readonly uploadDir: string;
  /** Replaces the host key with a new one and restarts sshd on the same port. */
  rotateHostKey(): Promise<void>;
  close(): Promise<void>;
}

/** The `SHA256:…` fingerprint of a raw host key blob (what ssh2's `hostVerifier` receives). */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

function apt(args: string[]): { ok: boolean; stderr: string } {
  const result = spawnSync("apt-get", args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
  });
  return { ok: result.status === 0, stderr: `${result.error?.message ?? ""}${String(result.stderr ?? "")}`.slice(-2000) };
}

/** The sshd executable, installing Debian's openssh-server first when it is not there. */
export function sshdPath(): string {
  if (existsSync(SSHD_PATH)) return SSHD_PATH;
  const install = ["install", "-y", "-q", "--no-install-recommends", "openssh-server"];
  let result = apt(install);
  if (!result.ok) {
    const update = apt(["update", "-q"]);
    if (!update.ok) throw new Error(`sshd is missing at ${SSHD_PATH} and \`apt-get update\` failed: ${update.stderr}`);
    result = apt(install);
  }
  if (!result.ok || !existsSync(SSHD_PATH)) {
    throw new Error(`sshd is missing at ${SSHD_PATH} and \`apt-get install openssh-server\` did not install it: ${result.stderr}`);
  }
  return SSHD_PATH;
}

/** OpenSSH's version as a number (9.2 → 9.2), from `sshd -V`, which prints it to stderr. */
function sshdVersion(bin: string): number {
  const out = spawnSync(bin, ["-V"], { encoding: "utf8" });
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(`${out.stderr}${out.stdout}`);
  return match ? Number(match[1]) + Number(match[2]) / 10 : 0;
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

/** A new ed25519 key pair at `path` and `path.pub` (no passphrase, no comment); the public line. */
async function keygen(path: string): Promise<string> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path]);
  return publicLine(await readFile(`${path}.pub`, "utf8"));
}

/** `type base64`, without the comment. */
const publicLine = (pub: string): string => pub.trim().split(/\s+/).slice(0, 2).join(" ");

async function fingerprint(pubPath: string): Promise<string> {
  const { stdout } = await run("ssh-keygen", ["-lf", pubPath]);
  const print = stdout.split(/\s+/).find((field) => field.startsWith("SHA256:"));
  if (print === undefined) throw new Error(`ssh-keygen -lf ${pubPath} printed no SHA256 fingerprint: ${stdout}`);
  return print;
}

function config(dir: string, port: number, version: number): string {
  return [
    `ListenAddress 127.0.0.1`,
    `Port ${port}`,
    `HostKey ${join(dir, "host_key")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `StrictModes no`,
    `PermitRootLogin prohibit-password`,
    `PubkeyAuthentication yes`,
    `PasswordAuthentication no`,
    `KbdInteractiveAuthentication no`,
    `UsePAM no`,
    `PrintMotd no`,
    `Subsystem sftp internal-sftp`,
    `LogLevel ERROR`,
    // OpenSSH 9.8+ penalises sources whose connections fail (a refused host key looks like that).
    ...(version >= 9.8 ? ["PerSourcePenalties no"] : []),
    "",
  ].join("\n");
}

/** Resolves once something on the port answers with an SSH banner; rejects if `exited()` says sshd died. */
async function waitForBanner(port: number, exited: () => boolean, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once("data", (chunk: Buffer) => done(chunk.toString("latin1").startsWith("SSH-")));
      socket.once("error", () => done(false));
    });
    if (ok) return;
    if (exited()) throw new Error("sshd exited");
    if (Date.now() > deadline) throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Running {
  child: ChildProcess;
  stderr(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

function launch(bin: string, configPath: string): Running {
  const child = spawn(bin, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
    // spawn itself failed (ENOENT, EACCES): no exit event follows.
    child.once("error", (error) => {
      stderr += `${error.message}\n`;
      exited = true;
      resolve();
    });
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  return {
    child,
    stderr: () => stderr.trim(),
    exited: () => exited,
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await gone;
    },
  };
}

/**
 * Stops sshd if this process goes away without `close()`: at exit (its current pid), and from a detached
 * watchdog (the pid in its PidFile) for a process killed outright.
 */
function guard(dir: string, current: () => ChildProcess | undefined): { release(): void } {
  const onExit = () => {
    try {
      current()?.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      watchdog.kill();
    } catch {
      // best effort: the process is exiting
    }
  };
  process.once("exit", onExit);
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill "$(cat "$2/sshd.pid")" 2>/dev/null; rm -rf "$2"';
  const watchdog = spawn("sh", ["-c", script, "test-sshd-watchdog", String(process.pid), dir], {
    detached: true,
    stdio: "ignore",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  watchdog.unref();
  return {
    release() {
      process.removeListener("exit", onExit);
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill();
    },
  };
}

export async function startSshd(): Promise<Sshd> {
  if (process.getuid?.() !== 0) {
    throw new Error("startSshd runs sshd as root (it logs the tests in as root with a key): run the tests as root");
  }
  const bin = sshdPath();
  const version = sshdVersion(bin);
  // Privilege separation needs this directory (normally made by the service unit).
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), "sluice-sshd-"));
  const configPath = join(dir, "sshd_config");
  const uploadDir = join(dir, "upload");
  let running: Running | undefined;
  const watch = guard(dir, () => running?.child);
  const dispose = async () => {
    await running?.stop();
    running = undefined;
    await rm(dir, { recursive: true, force: true });
    watch.release();
  };

  /** Starts sshd on `port` and waits for its banner; throws with sshd's own stderr when it does not come up. */
  const start = async (port: number): Promise<void> => {
    await writeFile(configPath, config(dir, port, version));
    running = launch(bin, configPath);
    const current = running;
    try {
      await waitForBanner(port, () => current.exited(), Date.now() + 15_000);
    } catch (error) {
      await current.stop();
      throw new Error(`sshd (${bin} -D -e -f ${configPath}) did not start on 127.0.0.1:${port}: ${current.stderr() || String(error)}`, { cause: error });
    }
  };

  try {
    await mkdir(uploadDir);
    let hostPublicKey = await keygen(join(dir, "host_key"));
    let hostKeyFingerprint = await fingerprint(join(dir, "host_key.pub"));
    const publicKey = await keygen(join(dir, "client_key"));
    const privateKey = await readFile(join(dir, "client_key"), "utf8");
    await writeFile(join(dir, "authorized_keys"), `${publicKey}\n`, { mode: 0o600 });

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start(port);
        break;
      } catch (error) {
        // Another process may have taken the port between the probe and the start: try another one.
        if (attempt < 3 && /Address already in use|Cannot bind/i.test(String(error))) continue;
        throw error;
      }
    }

    let closing: Promise<void> | undefined;
    return {
      host: "127.0.0.1",
      port,
      user: "root",
      privateKey,
      publicKey,
      get hostKeyFingerprint() {
        return hostKeyFingerprint;
      },
      get hostPublicKey() {
        return hostPublicKey;
      },
      uploadDir,
      async rotateHostKey() {
        await running?.stop();
        hostPublicKey = await keygen(join(dir, "host_key"));
        hostKeyFingerprint = await fingerprint(join(dir, "host_key.pub"));
        await start(port);
      },
      close() {
        closing ??= dispose();
        return closing;
      },
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
