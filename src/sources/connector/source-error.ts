/**
 * Errors of a source (a Jira, Confluence or Bitbucket instance): plain messages naming the entity and
 * the URL path where it happened, as `SluiceError`s whose details carry `{entity, path, status}`.
 */
import { isSluiceError, SluiceError, type ErrorCode } from "../../core/errors.js";

export interface SourceErrorWhere {
  entity?: string;
  path?: string;
  status?: number;
  cause?: unknown;
}

export function sourceError(message: string, where: SourceErrorWhere = {}, code: ErrorCode = "sluice.source.request.failed"): SluiceError {
  const details: Record<string, unknown> = {};
  if (where.entity !== undefined) details.entity = where.entity;
  if (where.path !== undefined) details.path = where.path;
  if (where.status !== undefined) details.status = where.status;
  return new SluiceError(code, message, { cause: where.cause, details: { source: details } });
}

/** Where a source error happened (entity, path), when it is one. */
export function sourceErrorWhere(error: unknown): { entity?: string; path?: string; status?: number } {
  if (!isSluiceError(error)) return {};
  return (error.details?.source as { entity?: string; path?: string; status?: number } | undefined) ?? {};
}
