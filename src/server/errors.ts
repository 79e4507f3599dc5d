/** The error body of every 4xx/5xx: `{statusCode, message, errors:[{key, message}], timestamp}`. */
import type { FastifyReply } from "fastify";
import { ERROR_STATUS, SluiceError, type ErrorCode } from "../core/errors.js";

export interface ErrorItem {
  key: string;
  message: string;
}

/** Several validation problems reported in one response. */
export class ValidationErrors extends Error {
  constructor(
    readonly items: ErrorItem[],
    readonly title = "Invalid query parameters",
    readonly statusCode = 400,
  ) {
    super(items.map((i) => i.message).join("; "));
    this.name = "ValidationErrors";
  }
}

export function errorBody(statusCode: number, message: string, errors: ErrorItem[]): Record<string, unknown> {
  return { statusCode, message, errors, timestamp: new Date().toISOString() };
}

export function sendError(reply: FastifyReply, error: SluiceError | ValidationErrors): FastifyReply {
  if (error instanceof ValidationErrors) {
    return reply.code(error.statusCode).send(errorBody(error.statusCode, error.title, error.items));
  }
  const status = error.status;
  return reply.code(status).send({
    ...errorBody(status, error.message, [{ key: error.code, message: error.message }]),
    ...(error.details ?? {}),
  });
}

export function fail(code: ErrorCode, message: string): never {
  throw new SluiceError(code, message);
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
      return undefined;
  }
}

export { ERROR_STATUS };
