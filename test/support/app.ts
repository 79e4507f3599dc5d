/**
 * An in-process Sluice for tests: a temp home, a real SQLite store (or a given one), demo sites seeded
 * with a fixed seed and clock, the real fastify app (for `app.inject`) and an admin token.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { seedDemo } from "../../src/app/bootstrap.js";
import { createContext, type AppContext } from "../../src/app/context.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { issueToken } from "../../src/access/tokens.js";
import { buildApp } from "../../src/server/app.js";
import { emptyPostgresDatabase, type StoreKind } from "./stores.js";

/** The fixed clock of the demo data in tests: 2026-01-15T12:00:00Z. */
export const DEMO_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface TestApp {
  ctx: AppContext;
  app: FastifyInstance;
  home: string;
  token: string;
  /** Authorization header of the admin token. */
  auth: { authorization: string };
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Config keys (as in sluice.config.json). */
  config?: Record<string, unknown>;
  scale?: number;
  seed?: number;
  seed_demo?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The store to run on (a fresh database of the file's throwaway PostgreSQL cluster for postgres). */
  store?: StoreKind;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const home = await mkdtemp(join(tmpdir(), "sluice-test-"));
  const pg = options.store === "postgres" ? await emptyPostgresDatabase() : undefined;
  const config = loadConfig({
    env: options.env ?? {},
    cwd: home,
    overrides: {
      home,
      baseUrl: "http://localhost:8080",
      nodeId: "test-node",
      timeZone: "UTC",
      logLevel: "silent",
      demo: { enabled: false },
      export: { minimumUsableDiskSpaceAfterExport: 0 },
      ...(pg ? { store: { kind: "postgres", url: pg.url } } : {}),
      ...options.config,
    },
  });
  const ctx = await createContext(config, { logger: createLogger("silent") });
  if (options.seed_demo !== false) await seedDemo(ctx, { scale: options.scale ?? 1, seed: options.seed ?? 7, now: DEMO_NOW });
  const token = await issueToken(ctx.store, { username: "admin", sysadmin: true, name: "test" });
  const app = await buildApp(ctx);
  await app.ready();
  return {
    ctx,
    app,
    home,
    token,
    auth: { authorization: `Bearer ${token}` },
    async close() {
      await app.close();
      await ctx.close();
      await pg?.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Polls GET /export until the job leaves the running states (or the timeout). */
export async function waitForJob(t: TestApp, site: string, jobId: number, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const site_ = (await t.ctx.store.sites.byKey(site))!;
    const job = await t.ctx.exports.get(site_, jobId);
    if (job && job.status !== "STARTED" && job.status !== "CANCELLATION_REQUESTED") {
      const res = await t.app.inject({ method: "GET", url: `/${site}/rest/datapipeline/latest/history?limit=1000`, headers: t.auth });
      const found = (res.json<{ values: Record<string, unknown>[] }>()).values.find((v) => v.jobId === jobId);
      return found!;
    }
    if (Date.now() > until) throw new Error(`job ${jobId} of /${site} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
