/**
 * Reads a source's secret at sync time from the environment or a secrets file. The secret is kept in
 * an object that renders as `[redacted]` so it cannot leak through a log line or a JSON body.
 */
import { readFile } from "node:fs/promises";
import { isCloudKind, type SourceConfig } from "./source-config.js";
import { sourceError } from "./source-error.js";

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
}

export type Credentials =
  | { scheme: "basic"; user: string; token: Secret }
  | { scheme: "bearer"; token: Secret };

export async function loadCredentials(
  config: SourceConfig,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Credentials> {
  let token: string | undefined;
  if (config.tokenEnv) {
    token = env[config.tokenEnv];
    if (!token) throw sourceError(`the environment variable ${config.tokenEnv} that should hold the API token for ${config.url} is not set`, {}, "sluice.source.credentials.missing");
  } else if (config.tokenFile) {
    try {
      token = (await readFile(config.tokenFile, "utf8")).trim();
    } catch (error) {
      throw sourceError(`cannot read the token file ${config.tokenFile} for ${config.url}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`, {}, "sluice.source.credentials.missing");
    }
    if (!token) throw sourceError(`the token file ${config.tokenFile} for ${config.url} is empty`, {}, "sluice.source.credentials.missing");
  }
  if (!token) throw sourceError(`no API token configured for ${config.url}: give --api-token-env or --token-file`, {}, "sluice.source.credentials.missing");
  if (isCloudKind(config.kind)) {
    // Jira and Confluence Cloud: email + API token; Bitbucket Cloud: username/email + app password or API token.
    return { scheme: "basic", user: config.email ?? "", token: new Secret(token) };
  }
  return { scheme: "bearer", token: new Secret(token) };
}

export function authorizationHeader(credentials: Credentials): string {
  if (credentials.scheme === "basic") {
    return `Basic ${Buffer.from(`${credentials.user}:${credentials.token.reveal()}`).toString("base64")}`;
  }
  return `Bearer ${credentials.token.reveal()}`;
}
