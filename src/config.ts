/**
 * Configuration: one zod schema, read once at start from a file (`sluice.config.json`, `.yaml` or
 * `.yml`, or `--config`) and the environment. Every problem is listed at once. This is the only module
 * that reads `process.env`.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SluiceError } from "./core/errors.js";
import { isValidZone } from "./core/time.js";

const GB = 1024 ** 3;

/** `5GB`, `500 MB`, `1024` (bytes). */
const byteSize = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB)?\s*$/i, "a size like 5GB, 500MB or a number of bytes")
    .transform((s) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?\s*$/i.exec(s)!;
      const unit = (m[2] ?? "B").toUpperCase();
      const mult = { B: 1, KB: 1024, MB: 1024 ** 2, GB, TB: 1024 ** 4 }[unit] ?? 1;
      return Math.round(Number(m[1]) * mult);
    }),
]);

/** A byte size of at least one byte. */
const positiveSize = byteSize.pipe(z.number().int().min(1, "at least 1 byte"));

const boolish = z.union([z.boolean(), z.enum(["true", "false"]).transform((s) => s === "true")]);
const intish = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.union([z.number(), z.string().regex(/^\d+$/, "a whole number").transform(Number)]).pipe(z.number().int().min(min).max(max));

export const exportSettingsSchema = z
  .object({
    embeddedLineBreakPreserve: boolish.default(false),
    embeddedLineBreakEscape: z.string().max(16).default("\\n"),
    minimumUsableDiskSpaceAfterExport: byteSize.default(5 * GB),
    exportRowsPerSecond: intish(0).default(0),
    descriptionMaxLength: intish(1).default(2000),
    pageContentMaxLength: intish(1).default(100_000),
    exportPersonalForkCommits: boolish.default(false),
    exportBuildStatuses: boolish.default(false),
    exportPullRequestActivities: boolish.default(true),
    commitQueuePollingTimeoutSeconds: intish(1).default(20),
    commitGitExecutionTimeoutSeconds: intish(1).default(3600),
    optOutLimit: intish(1).default(1000),
    /** Worker threads writing entity files side by side (1: everything on the main thread). */
    exportThreads: intish(1, 16).default(Math.max(1, Math.min(2, availableParallelism()))),
    /** Exports smaller than this (estimated rows) stay on the main thread: workers cost a start-up. */
    parallelExportMinRows: intish(0).default(50_000),
    /** With worker threads, a file of at least this many estimated rows is cut into one part per thread. */
    splitExportMinRows: intish(1).default(100_000),
  })
  .strict();

export type ExportSettings = z.infer<typeof exportSettingsSchema>;

const sqlLimitsSchema = z.object({ timeoutMs: intish(1, 86_400_000), maxRows: intish(1, 1_000_000_000) }).strict();

const smtpSchema = z
  .object({
    host: z.string().min(1),
    port: intish(1, 65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
    secure: boolish.default(false),
    user: z.string().optional(),
    password: z.string().optional(),
    /** The environment variable holding the password (instead of `password`). */
    passwordEnv: z.string().optional(),
    from: z.string().min(3).default("Sluice <sluice@localhost>"),
  })
  .strict();

/** How report files are delivered (`src/delivery/`). */
const deliverySchema = z
  .object({
    /**
     * Private and loopback addresses (or host names resolving to them) webhook and SFTP deliveries may
     * reach, e.g. `["127.0.0.1", "sftp.internal"]`; link-local and cloud-metadata addresses never.
     */
    allowedPrivateHosts: z.array(z.string().min(1)).default([]),
    smtp: smtpSchema.optional(),
    /** The email attachment limit in MB (the file, or its ZIP). */
    maxAttachmentMb: z.number().positive().max(10_000).default(25),
    /** Attempts per delivery within a run, the first included. */
    attempts: intish(1, 20).default(3),
    /** The wait before the second attempt; doubled before each next. */
    backoffMs: intish(0, 3_600_000).default(2000),
    /** A delivery attempt that takes longer fails. */
    timeoutSeconds: intish(1, 86_400).default(120),
  })
  .strict();

export type DeliverySettings = z.infer<typeof deliverySchema>;

const storeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("sqlite"), path: z.string().optional() }).strict(),
  z.object({ kind: z.literal("postgres"), url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// URL") }).strict(),
]);

export const configSchema = z
  .object({
    home: z.string().min(1),
    port: intish(0, 65535).default(8080),
    host: z.string().default("127.0.0.1"),
    baseUrl: z.string().url().optional(),
    nodeId: z.string().min(1).max(100).default(hostname()),
    timeZone: z.string().default("system").refine(isValidZone, "an IANA time zone such as Europe/Paris, or system"),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    store: storeSchema.default({ kind: "sqlite" }),
    jobLeaseSeconds: intish(3, 3600).default(30),
    jobs: z
      .object({
        /** Queued jobs (scheduled syncs, report runs, backups) one node runs at once. */
        concurrency: intish(0, 64).default(2),
        /** How often an idle node looks for queued work. */
        pollSeconds: intish(1, 3600).default(2),
        /**
         * `yield`: background work (export worker threads, git) runs at a lower CPU priority, so that
         * people using the API and the console come first; `flat-out`: at the same priority as they.
         */
        background: z.enum(["yield", "flat-out"]).default("yield"),
      })
      .strict()
      .default({ concurrency: 2, pollSeconds: 2, background: "yield" }),
    sql: z
      .object({
        /** Limits per context; a request may lower them, never raise them. */
        console: sqlLimitsSchema.default({ timeoutMs: 1000, maxRows: 1000 }),
        api: sqlLimitsSchema.default({ timeoutMs: 30_000, maxRows: 1_000_000 }),
        scheduled: sqlLimitsSchema.default({ timeoutMs: 300_000, maxRows: 1_000_000 }),
        /** Statements longer than this (characters) are refused before they are parsed. */
        maxLength: intish(1, 1_000_000).default(100_000),
        /** Threads running statements on the embedded store (PostgreSQL: connections). */
        threads: intish(1, 64).default(2),
      })
      .strict()
      .default({
        console: { timeoutMs: 1000, maxRows: 1000 },
        api: { timeoutMs: 30_000, maxRows: 1_000_000 },
        scheduled: { timeoutMs: 300_000, maxRows: 1_000_000 },
        maxLength: 100_000,
        threads: 2,
      }),
    reports: z
      .object({
        /** Where built report files are kept (default `<home>/reports`); shared storage for a cluster's download links. */
        directory: z.string().optional(),
        /** Failed runs in a row after which a schedule pauses itself. */
        pauseAfterFailures: intish(1, 100).default(5),
        /** Days a built file is kept for its deliveries (a download link's own retention may be longer). */
        retentionDays: intish(1, 3650).default(7),
      })
      .strict()
      .default({ pauseAfterFailures: 5, retentionDays: 7 }),
    delivery: deliverySchema.default(deliverySchema.parse({})),
    backup: z
      .object({
        /** The built-in storage: where backups are kept unless their policy names a storage (default `<home>/backups`). */
        directory: z.string().optional(),
        /** Days a backup is kept before it is EXPIRED and deleted. */
        retentionDays: intish(1, 3650).default(14),
        /** At most one complete backup per policy in this many days (0: no limit). */
        cadenceDays: intish(0, 365).default(7),
        /** The environment variable holding the 32-byte key (base64 or hex) that encrypts backups at rest. */
        encryptionKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name").optional(),
        /** Regions a storage may be created in (`POST …/storages/regions`). */
        regions: z.array(z.string().min(1).max(64)).default(["local", "us-east-1", "eu-central-1", "eu-west-1", "ap-southeast-2"]),
        /** A backup is verified again (every part re-read against its checksum) when its last verification is this many days old; 0: never on schedule. */
        verifyEveryDays: intish(0, 3650).default(7),
        /** Parts a scheduled verification re-reads, chosen at random; absent: every part. */
        verifySample: intish(1, 1_000_000).optional(),
        /** gzip level of the archive's rows (1 fastest … 9 smallest): 1 backs up about 40 % faster than 6 for a 30 % larger archive (docs/benchmarks.md). */
        compressionLevel: intish(1, 9).default(1),
        /** The largest archive of a product's backup (`5GB`, `500MB`, bytes); a backup that passes it stops, FAILED. Absent: no limit. */
        maxBytes: z
          .object({ jira: positiveSize.optional(), confluence: positiveSize.optional(), bitbucket: positiveSize.optional() })
          .strict()
          .default({}),
      })
      .strict()
      .default({ retentionDays: 14, cadenceDays: 7, regions: ["local", "us-east-1", "eu-central-1", "eu-west-1", "ap-southeast-2"], verifyEveryDays: 7, compressionLevel: 1, maxBytes: {} }),
    schedulerIntervalSeconds: intish(1, 3600).default(15),
    shutdownGraceSeconds: intish(1, 600).default(10),
    demo: z
      .object({ enabled: boolish.default(true), scale: z.number().positive().max(10_000).default(1), seed: intish(0).default(42) })
      .strict()
      .default({ enabled: true, scale: 1, seed: 42 }),
    export: exportSettingsSchema.default(exportSettingsSchema.parse({})),
    repositoriesRoot: z.string().optional(),
    /** When not empty, custom export paths must lie inside one of these directories. */
    allowedExportPathRoots: z.array(z.string().refine((p) => isAbsolute(p), "an absolute path")).default([]),
    bootstrapToken: z.string().min(16, "at least 16 characters").optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema> & {
  baseUrl: string;
  /** The base URL was given (config, env or flag), not derived from host and port. */
  baseUrlGiven: boolean;
  configFile: string | undefined;
  /** Where secrets named by environment variable (a source's `tokenEnv`) are looked up. */
  readonly env: Readonly<Record<string, string | undefined>>;
};

/** The Atlassian system property names accepted as aliases of export settings. */
export const ATLASSIAN_ALIASES: Record<string, keyof ExportSettings> = {
  "plugin.data.pipeline.embedded.line.break.preserve": "embeddedLineBreakPreserve",
  "plugin.data.pipeline.embedded.line.break.escape.char": "embeddedLineBreakEscape",
  "plugin.data.pipeline.minimum.usable.disk.space.after.export": "minimumUsableDiskSpaceAfterExport",
  "plugin.data.pipeline.bitbucket.export.personal.forked.repository.commits": "exportPersonalForkCommits",
  "plugin.data.pipeline.bitbucket.export.build.statuses": "exportBuildStatuses",
  "plugin.data.pipeline.bitbucket.export.pull.request.activities": "exportPullRequestActivities",
  "plugin.data.pipeline.bitbucket.commit.queue.polling.timeout.seconds": "commitQueuePollingTimeoutSeconds",
  "plugin.data.pipeline.bitbucket.commit.git.execution.timeout.seconds": "commitGitExecutionTimeoutSeconds",
};

/** Every problem of the configuration in one error (`sluice.config.invalid`), one line each. */
export function configError(problems: readonly string[]): SluiceError {
  return new SluiceError("sluice.config.invalid", `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, {
    problems: problems.map((message) => ({ key: "sluice.config.invalid", message })),
  });
}

/** The problems of a configuration error, as lines. */
export function configProblems(error: SluiceError): string[] {
  return error.problems.map((p) => p.message);
}

export interface ConfigSources {
  /** Command-line overrides (already named as config keys). */
  overrides?: Record<string, unknown>;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function readFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, "utf8");
  const parsed: unknown = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw configError([`${path}: the file must hold an object of settings`]);
  }
  return parsed as Record<string, unknown>;
}

function findConfigFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit) return resolve(cwd, explicit);
  return ["sluice.config.json", "sluice.config.yaml", "sluice.config.yml"].map((n) => join(cwd, n)).find((p) => existsSync(p));
}

/** Moves Atlassian property names (top level or under `export`) to their Sluice names. */
function applyAliases(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const exp: Record<string, unknown> = { ...((raw.export as Record<string, unknown> | undefined) ?? {}) };
  for (const [alias, name] of Object.entries(ATLASSIAN_ALIASES)) {
    for (const holder of [out, exp]) {
      if (alias in holder) {
        exp[name] = holder[alias];
        delete holder[alias];
      }
    }
  }
  if (Object.keys(exp).length > 0 || raw.export !== undefined) out.export = exp;
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const exp: Record<string, unknown> = {};
  const set = (key: string, value: string | undefined, target = out) => {
    if (value !== undefined && value !== "") target[key] = value;
  };
  set("home", env.SLUICE_HOME);
  set("port", env.SLUICE_PORT ?? env.PORT);
  set("host", env.SLUICE_HOST);
  set("baseUrl", env.SLUICE_BASE_URL);
  set("nodeId", env.SLUICE_NODE_ID);
  set("timeZone", env.SLUICE_TIME_ZONE);
  set("logLevel", env.SLUICE_LOG_LEVEL);
  set("jobLeaseSeconds", env.SLUICE_JOB_LEASE_SECONDS);
  set("bootstrapToken", env.SLUICE_BOOTSTRAP_TOKEN);
  set("repositoriesRoot", env.SLUICE_REPOSITORIES_ROOT);
  if (env.SLUICE_DATABASE_URL) out.store = { kind: "postgres", url: env.SLUICE_DATABASE_URL };
  if (env.SLUICE_DEMO === "false") out.demo = { enabled: false };
  if (env.SLUICE_DEMO_SCALE) out.demo = { ...((out.demo) ?? {}), scale: Number(env.SLUICE_DEMO_SCALE) };
  set("exportRowsPerSecond", env.SLUICE_EXPORT_ROWS_PER_SECOND, exp);
  set("minimumUsableDiskSpaceAfterExport", env.SLUICE_MIN_DISK_SPACE, exp);
  set("embeddedLineBreakPreserve", env.SLUICE_EMBEDDED_LINE_BREAK_PRESERVE, exp);
  if (Object.keys(exp).length > 0) out.export = exp;
  return out;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) && k !== "store"
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Reads and validates the configuration; throws a `sluice.config.invalid` error listing every problem. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const file = findConfigFile(cwd, sources.configFile ?? env.SLUICE_CONFIG);
  let fileValues: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw configError([`config file ${file} does not exist`]);
    try {
      fileValues = readFile(file);
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      throw configError([`${file}: ${(error as Error).message}`]);
    }
  }
  let raw = merge(applyAliases(fileValues), applyAliases(fromEnv(env)));
  raw = merge(raw, applyAliases(sources.overrides ?? {}));
  if (raw.home === undefined) raw.home = "sluice-home";
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const where = file ? ` (from ${file} and the environment)` : "";
    throw configError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}${where}`),
    );
  }
  const c = parsed.data;
  const home = isAbsolute(c.home) ? c.home : resolve(cwd, c.home);
  const shownHost = c.host === "0.0.0.0" || c.host === "::" ? "localhost" : c.host;
  const config = {
    ...c,
    home,
    baseUrl: (c.baseUrl ?? `http://${shownHost === "127.0.0.1" ? "localhost" : shownHost}:${c.port}`).replace(/\/+$/, ""),
    baseUrlGiven: c.baseUrl !== undefined,
    configFile: file,
  };
  // Not enumerable: a config printed or serialised never shows the environment's secrets.
  return Object.defineProperty(config, "env", { value: env, enumerable: false }) as Config;
}

/** The process environment with `extra` set, for child processes (git). */
export function childEnvironment(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/**
 * Test hook: `SLUICE_TEST_GIT_STALL_MS` makes every streaming git command stay silent that long before
 * git runs (see sources/git/git-process.ts); 0 when unset. Never set it in production.
 */
export function gitStallHookMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.SLUICE_TEST_GIT_STALL_MS ?? "");
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Where the SQLite file lives by default. */
export function sqlitePath(config: Config): string {
  return config.store.kind === "sqlite" ? resolve(config.home, config.store.path ?? "sluice.db") : "";
}
