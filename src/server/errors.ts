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
