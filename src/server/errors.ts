/**
 * The error body of every 4xx/5xx, `{statusCode, message, errors:[{key, message}], timestamp}`, and the
 * mapping of fastify's own errors onto the catalogue.
 */
import type { FastifyReply } from "fastify";
import { SluiceError, type Problem } from "../core/errors.js";

export function errorBody(statusCode: number, message: string, errors: readonly Problem[]): Record<string, unknown> {
  return { statusCode, message, errors, timestamp: new Date().toISOString() };
}

export function sendError(reply: FastifyReply, error: SluiceError): FastifyReply {
  const status = error.status;
  return reply.code(status).send({ ...errorBody(status, error.message, error.problems), ...(error.details ?? {}) });
}

/** Any other 4xx of fastify or a plugin (a static file refused, a header too large…), in our shape. */
function byStatus(status: number | undefined, message: string): SluiceError | undefined {
  if (status === undefined || status < 400 || status > 499) return undefined;
  const said = message.slice(0, 200);
  switch (status) {
    case 401:
      return new SluiceError("sluice.auth.token.invalid", said);
    case 403:
      return new SluiceError("sluice.auth.forbidden", `Not allowed: ${said}`);
    case 404:
      return new SluiceError("sluice.route.not.found", `Not found: ${said}`);
    case 405:
      return new SluiceError("sluice.method.not.allowed", said);
    case 406:
      return new SluiceError("sluice.request.not.acceptable", said);
    case 414:
      return new SluiceError("sluice.request.uri.too.long", "The URL is too long.");
    case 431:
      return new SluiceError("sluice.request.headers.too.large", "The request headers are too large.");
    default:
      return new SluiceError("sluice.request.invalid", `Invalid request: ${said}`);
  }
}

/**
 * A value of the request the store could not keep (PostgreSQL's data exceptions: a NUL character in
 * text or JSON, a number out of a column's range): the request's fault, a 400, not a 500.
 */
export function fromStoreDataError(error: unknown): SluiceError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === "22021" || code === "22P05") {
    return new SluiceError("sluice.request.invalid", "A value of the request holds a NUL character (\\u0000), which the store cannot keep.");
  }
  if (code === "22003") return new SluiceError("sluice.request.invalid", "A number of the request is out of the range the store keeps.");
  return undefined;
}

/** A URL fastify cannot route (a malformed %-escape): 400 in our shape. */
export function badUrl(): SluiceError {
  return new SluiceError("sluice.request.url.invalid", "The URL is not valid: it has a malformed %-escape (a % must be followed by two hexadecimal digits).");
}

/** Fastify's own errors (body parsing, size) mapped to our catalogue. */
export function fromFastifyError(error: { code?: string; statusCode?: number; message: string }): SluiceError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new SluiceError("sluice.request.body.too.large", "The request body is too large (the limit is 1 MB).");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new SluiceError("sluice.request.unsupported.media.type", "Send the request body as application/json.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new SluiceError("sluice.request.body.invalid", `The request body is not valid JSON: ${error.message}`);
    default:
      if (error.statusCode === 400 && /JSON/i.test(error.message)) {
        return new SluiceError("sluice.request.body.invalid", `The request body is not valid JSON: ${error.message}`);
      }
      if (error.statusCode === 413) return new SluiceError("sluice.request.body.too.large", "The request body is too large (the limit is 1 MB).");
      if (error.statusCode === 415) return new SluiceError("sluice.request.unsupported.media.type", "Send the request body as application/json.");
      return byStatus(error.statusCode, error.message);
  }
}
