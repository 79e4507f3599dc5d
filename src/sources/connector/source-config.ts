/**
 * A site's source: which connector syncs it and where the credentials live. Stored in the site's
 * settings under `source`. The secret itself is never stored: only the name of the environment
 * variable or of the secrets file that holds it, each from an allow-list (SECURITY.md): variables named
 * `SLUICE_SECRET_<NAME>`, files in the home's `secrets/` folder. Anything else — another variable, a
 * path — is refused, so that no one with admin rights can make the server send an arbitrary variable or
 * readable file to a URL of their choosing.
 */
import { z } from "zod";
import type { Product } from "../../core/entities/registry.js";

export const SOURCE_KINDS = [
  "jira-cloud",
  "jira-dc",
  "confluence-cloud",
  "confluence-dc",
  "bitbucket-cloud",
  "bitbucket-dc",
] as const;

export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SOURCE_SETTING = "source";

export function productOfKind(kind: SourceKind): Product {
  return kind.slice(0, kind.indexOf("-")) as Product;
}

export function isCloudKind(kind: SourceKind): boolean {
  return kind.endsWith("-cloud");
}

/** The only environment variables a source may name. */
export const SECRET_ENV_PREFIX = "SLUICE_SECRET_";
export const SECRET_ENV_NAME = /^SLUICE_SECRET_[A-Za-z0-9_]+$/;
/** A file of the secrets folder, by name: no path, no hidden file. */
export const SECRET_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const SECRET_ENV_RULE = `must be an environment variable named ${SECRET_ENV_PREFIX}<NAME> (secrets are read from those variables only), such as ${SECRET_ENV_PREFIX}ACME`;
export const SECRET_FILE_RULE = "must be the name of a file in the secrets folder (<home>/secrets), without a path, such as acme-token";

export const sourceConfigSchema = z
  .object({
    kind: z.enum(SOURCE_KINDS),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
      .transform((u) => u.replace(/\/+$/, "")),
    email: z.string().email().optional(),
    tokenEnv: z.string().regex(SECRET_ENV_NAME, SECRET_ENV_RULE).optional(),
    tokenFile: z.string().regex(SECRET_FILE_NAME, SECRET_FILE_RULE).optional(),
    intervalMinutes: z.number().int().min(1).max(10080).optional(),
    /** Bitbucket Cloud workspace (defaults to the first path segment of the url). */
    workspace: z.string().min(1).optional(),
    /** Requests per second allowed against the source (0: no limit). */
    requestsPerSecond: z.number().min(0).max(1000).optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
    /**
     * Bitbucket: where commits come from — a git mirror of each repository (`git`, the default: every
     * branch and tag, exact) or the REST listing only (`api`: for a site whose git endpoint cannot be
     * reached; it misses commits rebased in more than a day after their date).
     */
    commitsFrom: z.enum(["api", "git"]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.tokenEnv && !c.tokenFile) {
      ctx.addIssue({ code: "custom", path: ["tokenEnv"], message: "give the token's environment variable (--api-token-env) or a secrets file (--token-file)" });
    }
    if (c.kind.endsWith("-cloud") && !c.email) {
      ctx.addIssue({ code: "custom", path: ["email"], message: `${c.kind} authenticates with an email and an API token: give --email` });
    }
  });

export type SourceConfig = z.infer<typeof sourceConfigSchema>;

export interface ConfigProblem {
  key: string;
  message: string;
}

/** Validates a source config; every problem is listed at once. */
export function parseSourceConfig(input: unknown): { ok: true; config: SourceConfig } | { ok: false; errors: ConfigProblem[] } {
  const result = sourceConfigSchema.safeParse(input);
  if (result.success) return { ok: true, config: result.data };
  const errors: ConfigProblem[] = [];
  for (const i of result.error.issues) {
    const key = `source.${i.path.length > 0 ? i.path.join(".") : "config"}`;
    // One problem per field: the first said is the most basic.
    if (errors.some((e) => e.key === key)) continue;
    errors.push({ key, message: `${i.path.length > 0 ? i.path.join(".") : "source"}: ${i.message}` });
  }
  return { ok: false, errors };
}

/** The config as the API shows it: where the token is read from, never the token. */
export function describeSource(config: SourceConfig): Record<string, unknown> {
  return { ...config };
}
