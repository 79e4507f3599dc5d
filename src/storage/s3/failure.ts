/**
 * What went wrong with an S3 request, in plain words: the SDK's service exceptions (a code such as
 * `InvalidAccessKeyId` and an HTTP status) and Node's network errors (`ECONNREFUSED`, a connect
 * timeout) become one sentence for the `sluice.storage.unavailable` message. The server's own message
 * is kept only for codes we do not know; credentials never appear in either.
 */

export interface FailureReason {
  reason: string;
  /** A later attempt may succeed (network trouble, a 5xx, throttling); refused credentials will not. */
  retryable: boolean;
}

interface ErrorFacts {
  name: string;
  code: string;
  status: number | undefined;
  message: string;
}

function facts(error: unknown): ErrorFacts {
  if (typeof error !== "object" || error === null) return { name: "", code: "", status: undefined, message: String(error) };
  const e = error as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown }; errors?: unknown };
  // Node 20 reports a failed connection to a name with several addresses as an AggregateError.
  const inner = Array.isArray(e.errors) && e.errors.length > 0 && typeof e.code !== "string" ? facts(e.errors[0]) : undefined;
  return {
    name: typeof e.name === "string" ? e.name : "",
    code: typeof e.code === "string" ? e.code : (inner?.code ?? ""),
    status: typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined,
    message: typeof e.message === "string" ? e.message : "",
  };
}

/** A missing object (not a missing bucket: that one means the storage cannot be used). */
export function isNotFound(error: unknown): boolean {
  const f = facts(error);
  return f.name === "NoSuchKey" || f.name === "NotFound" || (f.status === 404 && f.name !== "NoSuchBucket");
}

/** `where` names the endpoint (`http://127.0.0.1:9000`, `AWS eu-west-1`), `bucket` the bucket. */
export function failureReason(error: unknown, where: string, bucket: string): FailureReason {
  const f = facts(error);
  switch (f.code) {
    case "ECONNREFUSED":
      return { reason: `nothing answers at ${where} (connection refused)`, retryable: true };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { reason: `the host of ${where} cannot be found (DNS)`, retryable: true };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { reason: `${where} cannot be reached (no route to the host)`, retryable: true };
    case "ECONNRESET":
    case "EPIPE":
      return { reason: `the connection to ${where} was cut`, retryable: true };
    case "ETIMEDOUT":
      return { reason: `${where} did not answer in time`, retryable: true };
    case "CERT_HAS_EXPIRED":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return { reason: `the TLS certificate of ${where} is not trusted (${f.code})`, retryable: false };
  }
  if (f.name === "TimeoutError") return { reason: `${where} did not answer in time`, retryable: true };
  switch (f.name) {
    case "InvalidAccessKeyId":
      return { reason: "the access key id is not known to the storage (check the credentials)", retryable: false };
    case "SignatureDoesNotMatch":
      return { reason: "the secret access key does not match the access key id (check the credentials)", retryable: false };
    case "InvalidToken":
    case "ExpiredToken":
    case "TokenRefreshRequired":
      return { reason: "the credentials have expired or are not valid", retryable: false };
    case "AccessDenied":
    case "AllAccessDisabled":
      return { reason: `access to the bucket ${bucket} was denied (check the credentials and the bucket's policy)`, retryable: false };
    case "NoSuchBucket":
      return { reason: `the bucket ${bucket} does not exist`, retryable: false };
    case "PermanentRedirect":
    case "AuthorizationHeaderMalformed":
    case "IllegalLocationConstraintException":
      return { reason: `the bucket ${bucket} is in another region than the one configured`, retryable: false };
    case "SlowDown":
    case "ServiceUnavailable":
    case "InternalError":
    case "RequestTimeout":
      return { reason: `the storage is busy or failing (${f.name}); try again later`, retryable: true };
  }
  if (f.status === 403) return { reason: `access to the bucket ${bucket} was denied (check the credentials and the bucket's policy)`, retryable: false };
  if (f.status === 301) return { reason: `the bucket ${bucket} is in another region than the one configured`, retryable: false };
  if (f.status !== undefined && f.status >= 500) return { reason: `the storage answered HTTP ${f.status}; try again later`, retryable: true };
  const detail = [f.name !== "" && f.name !== "Error" ? f.name : "", f.message].filter((s) => s !== "").join(": ");
  const status = f.status === undefined ? "" : ` (HTTP ${f.status})`;
  return { reason: `the request failed${status}${detail === "" ? "" : `: ${detail.slice(0, 300)}`}`, retryable: false };
}
