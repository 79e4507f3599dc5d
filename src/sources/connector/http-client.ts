/**
 * The HTTP client every connector uses: plain `fetch`, typed JSON responses, a per-site rate budget,
 * timeouts, retries of 429/5xx/network errors with the server's delay or exponential backoff with
 * jitter. A response that is neither retried nor understood throws a `SluiceError` naming the entity
 * and the URL path. Credentials go in the Authorization header only and never into a message.
 */
import { DEFAULT_BACKOFF, isRetryableStatus, retryDelayMs, serverDelayMs, type BackoffPolicy } from "./backoff.js";
import { authorizationHeader, type Credentials } from "./credentials.js";
import { RateBudget, systemClock, type Clock } from "./rate-budget.js";
import { sourceError } from "./source-error.js";
import type { SluiceError } from "../../core/errors.js";

export type Query = Readonly<Record<string, string | number | boolean | readonly (string | number)[] | undefined>>;

export interface HttpClientOptions {
  /** The source's base URL, e.g. `https://acme.atlassian.net`. */
  baseUrl: string;
  credentials: Credentials;
  /** What to tell the user to check when the token is rejected (`--email`, `--api-token-env`). */
  authHint: string;
  timeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  requestsPerSecond?: number;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Called before each retry (for logs and progress); never given credentials. */
  onRetry?: (info: { entity: string; path: string; status: number | undefined; attempt: number; delayMs: number }) => void;
}

export interface RequestOptions {
  /** The entity being read, named in errors. */
  entity: string;
  query?: Query;
  method?: "GET" | "POST";
  body?: unknown;
  /** Statuses handed back as `undefined` instead of failing (e.g. 404 of a deleted item). */
  allow?: readonly number[];
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.append(k, String(v));
  }
  const text = params.toString();
  if (!text) return path;
  return `${path}${path.includes("?") ? "&" : "?"}${text}`;
}

/** The vendor's own words from an error body (Jira, Confluence, Bitbucket Cloud and DC shapes). */
export function vendorMessage(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.map(String));
  if (b.errors && typeof b.errors === "object" && !Array.isArray(b.errors)) {
    for (const [k, v] of Object.entries(b.errors as Record<string, unknown>)) parts.push(`${k}: ${String(v)}`);
  }
  if (Array.isArray(b.errors)) {
    for (const e of b.errors as Record<string, unknown>[]) {
      const text = e?.message ?? e?.detail ?? e?.title;
      if (text !== undefined && text !== null) parts.push(String(text));
    }
  }
  if (b.error && typeof b.error === "object") {
    const e = b.error as Record<string, unknown>;
    if (e.message) parts.push(String(e.message));
  }
  if (typeof b.message === "string") parts.push(b.message);
  return parts.length > 0 ? parts.join("; ") : undefined;
}

export class HttpClient {
  readonly baseUrl: string;
  private readonly budget: RateBudget;
  private readonly policy: BackoffPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly auth: string;
  /** Requests sent, retries included (progress and benchmarks). */
  requests = 0;
  retries = 0;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    const rps = options.requestsPerSecond ?? 10;
    this.budget = new RateBudget(rps, Math.max(1, Math.ceil(rps)), this.clock);
    this.auth = authorizationHeader(options.credentials);
  }

  /** A path (`/rest/api/3/myself`) or an absolute `next` link of the same source. */
  private resolve(pathOrUrl: string): URL {
    if (/^https?:\/\//.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      const base = new URL(this.baseUrl);
      // Follow `next` links only on the source's own host; the token must not go anywhere else.
      if (url.origin !== base.origin) throw sourceError(`refusing to follow a link to another host: ${url.origin}${url.pathname}`);
      return url;
    }
    return new URL(this.baseUrl + pathOrUrl);
  }

  async get<T>(path: string, options: RequestOptions): Promise<T> {
    return (await this.request<T>(path, options)) as T;
  }

  async request<T>(path: string, options: RequestOptions): Promise<T | undefined> {
    const url = this.resolve(withQuery(path, options.query));
    const where = url.pathname;
    const method = options.method ?? (options.body === undefined ? "GET" : "POST");
    for (let attempt = 0; ; attempt++) {
      await this.budget.take(this.options.signal);
      this.requests++;
      let response: Response | undefined;
      let failure: unknown;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
      let text = "";
      try {
        response = await this.fetchImpl(url, {
          method,
          headers: {
            authorization: this.auth,
            accept: "application/json",
            ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
            "user-agent": "sluice-sync",
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal,
          redirect: "follow",
        });
        text = await response.text();
      } catch (error) {
        if (this.options.signal?.aborted) throw this.options.signal.reason ?? error;
        failure = error;
        response = undefined;
      }
      if (!response) {
        const timedOut = timeout.aborted;
        const reason = timedOut ? `timed out after ${this.timeoutMs} ms` : `failed (${describeNetworkError(failure)})`;
        if (attempt < this.policy.maxRetries) {
          await this.wait(attempt, undefined, options.entity, where, undefined);
          continue;
        }
        throw sourceError(`reading ${options.entity}: the request to ${where} ${reason} ${attempt + 1} times`, {
          entity: options.entity,
          path: where,
          cause: failure,
        });
      }
      const status = response.status;
      if (status >= 200 && status < 300) {
        if (status === 204 || text === "") return undefined;
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw sourceError(`reading ${options.entity}: ${where} answered ${status} with a body that is not JSON`, {
            entity: options.entity,
            path: where,
            status,
            cause: error,
          });
        }
      }
      if (options.allow?.includes(status)) return undefined;
      if (isRetryableStatus(status) && attempt < this.policy.maxRetries) {
        const asked = serverDelayMs(response.headers, this.clock.now());
        if (asked !== undefined && (status === 429 || status === 503)) this.budget.pauseUntil(this.clock.now() + asked);
        await this.wait(attempt, response.headers, options.entity, where, status);
        continue;
      }
      throw this.failure(status, text, options.entity, where, attempt);
    }
  }

  private async wait(attempt: number, headers: Headers | undefined, entity: string, path: string, status: number | undefined): Promise<void> {
    const delayMs = retryDelayMs(attempt, headers, this.policy, this.clock.now(), this.random);
    this.retries++;
    this.options.onRetry?.({ entity, path, status, attempt: attempt + 1, delayMs });
    await this.clock.sleep(delayMs, this.options.signal);
  }

  private failure(status: number, text: string, entity: string, path: string, attempt: number): SluiceError {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const said = vendorMessage(body);
    if (status === 401) {
      return sourceError(`the API token was rejected by ${this.baseUrl}: check ${this.options.authHint}`, { entity, path, status }, "sluice.source.auth.failed");
    }
    if (status === 403) {
      return sourceError(
        `reading ${entity}: ${this.baseUrl} denied access to ${path} (403${said ? `: ${said}` : ""}): the token's account needs permission to browse it`,
        { entity, path, status },
      );
    }
    const tries = attempt > 0 ? ` after ${attempt + 1} attempts` : "";
    return sourceError(`reading ${entity}: ${path} answered ${status}${tries}${said ? `: ${said}` : ""}`, { entity, path, status });
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
