/**
 * A real Sluice server process (`node bin/sluice.js start`) on a free 127.0.0.1 port with a temp
 * home and a known admin token: for tests through a real port, crashes (kill -9) and restarts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The checkout: the nearest folder up from here that holds bin/sluice.js. */
function repoRoot(dir: string): string {
  while (!existsSync(join(dir, "bin", "sluice.js"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("repository root (bin/sluice.js) not found");
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = repoRoot(import.meta.dirname);
export const BIN = join(REPO_ROOT, "bin", "sluice.js");

export interface SluiceProcess {
  baseUrl: string;
  token: string;
  home: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<void>;
  /** Removes the home directory (after stop/kill). */
  cleanup(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Reuse a home (restart after a crash). */
  home?: string;
  token?: string;
  port?: number;
}

export async function startSluice(options: StartOptions = {}): Promise<SluiceProcess> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), "sluice-proc-")));
  const token = options.token ?? `sluice_test_${randomBytes(16).toString("hex")}`;
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, "start", "--port", String(port), "--host", "127.0.0.1", ...(options.args ?? [])], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? home,
      SLUICE_HOME: home,
      SLUICE_BOOTSTRAP_TOKEN: token,
      SLUICE_BASE_URL: baseUrl,
      SLUICE_MIN_DISK_SPACE: "0",
      SLUICE_LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (!options.home) await rm(home, { recursive: true, force: true });
      throw new Error(`sluice start exited with ${child.exitCode}:\n${out}`);
    }
    try {
      const res = await fetch(`${baseUrl}/ping`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill("SIGKILL");
      if (!options.home) await rm(home, { recursive: true, force: true });
      throw new Error(`sluice start did not answer /ping within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    token,
    home,
    port,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    async cleanup() {
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** fetch with the admin token. */
export async function api(p: SluiceProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${p.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${p.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), "x-atlassian-token": "no-check" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
