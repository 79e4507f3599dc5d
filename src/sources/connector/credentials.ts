/**
 * Reads a source's secret at sync time from the environment or a secrets file. The secret is kept in
 * an object that renders as `[redacted]` so it cannot leak through a log line or a JSON body.
 */
import { readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isCloudKind, SECRET_ENV_NAME, SECRET_ENV_RULE, SECRET_FILE_NAME, SECRET_FILE_RULE, type SourceConfig } from "./source-config.js";
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

/** The secrets folder of a home: where a source's `tokenFile` is looked up (0700, made with the home). */
export function secretsFolder(home: string): string {
  return join(home, "secrets");
}

function refused(message: string): never {
  throw sourceError(message, {}, "sluice.source.credentials.refused");
}

/** Reads `name` from the secrets folder, by its real path: a link out of the folder is refused. */
async function readSecretFile(dir: string, name: string, url: string): Promise<string> {
  if (!SECRET_FILE_NAME.test(name)) refused(`the token file of ${url}, ${name.slice(0, 200)}, ${SECRET_FILE_RULE}`);
  let path: string;
  try {
    path = await realpath(join(dir, name));
  } catch (error) {
    throw sourceError(`cannot read the token file ${name} (in ${dir}) for ${url}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`, {}, "sluice.source.credentials.missing");
  }
  const folder = await realpath(dir).catch(() => dir);
  if (dirname(path) !== folder) refused(`the token file ${name} for ${url} is a link out of the secrets folder ${dir}`);
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    throw sourceError(`cannot read the token file ${name} (in ${dir}) for ${url}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`, {}, "sluice.source.credentials.missing");
  }
}

/**
 * The source's credentials, read now: from a `SLUICE_SECRET_*` variable of `env` or a file of
 * `secretsDir`. The allow-list is checked here too, so that a source stored before it existed cannot
 * name anything else.
 */
export async function loadCredentials(
  config: SourceConfig,
  env: Readonly<Record<string, string | undefined>>,
  secretsDir?: string,
): Promise<Credentials> {
  let token: string | undefined;
  if (config.tokenEnv) {
    if (!SECRET_ENV_NAME.test(config.tokenEnv)) refused(`the token variable of ${config.url}, ${config.tokenEnv.slice(0, 200)}, ${SECRET_ENV_RULE}`);
    token = env[config.tokenEnv];
    if (!token) throw sourceError(`the environment variable ${config.tokenEnv} that should hold the API token for ${config.url} is not set`, {}, "sluice.source.credentials.missing");
  } else if (config.tokenFile) {
    if (secretsDir === undefined) refused(`the token file of ${config.url} is read from the secrets folder, and this process has none`);
    token = await readSecretFile(secretsDir, config.tokenFile, config.url);
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
