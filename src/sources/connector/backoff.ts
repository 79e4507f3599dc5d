/**
 * When to retry a response: pure calculation from its status and headers, `now` and a random source
 * passed in. Honours `Retry-After` (seconds or HTTP date), `X-RateLimit-Reset` (ISO date or epoch
 * seconds) and Data Center's `X-RateLimit-Interval-Seconds`; otherwise exponential backoff with full
 * jitter.
 */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetries: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 500, maxDelayMs: 60_000, maxRetries: 6 };

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500 || status === 408;
}

/** The delay the server asked for, in ms, or undefined when it did not say. */
export function serverDelayMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get("retry-after");
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = headers.get("x-ratelimit-reset");
  if (reset) {
    const n = Number(reset);
    // Epoch seconds (Bitbucket) or an ISO-8601 instant (Jira Cloud).
    const at = Number.isFinite(n) ? (n > 1e12 ? n : n * 1000) : Date.parse(reset);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const interval = headers.get("x-ratelimit-interval-seconds");
  if (interval) {
    const seconds = Number(interval);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  }
  return undefined;
}

/** Exponential backoff with full jitter: a random delay in [base·2^attempt / 2, base·2^attempt]. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** The delay before retry number `attempt` (0-based), honouring the server's hint first. */
export function retryDelayMs(attempt: number, headers: Headers | undefined, policy: BackoffPolicy, now: number, random: () => number): number {
  const asked = headers ? serverDelayMs(headers, now) : undefined;
  if (asked !== undefined) return Math.min(asked + Math.round(250 * random()), Math.max(policy.maxDelayMs, asked));
  return backoffDelayMs(attempt, policy, random);
}
