/**
 * The error catalogue. Every error Sluice reports is a `SluiceError` with a stable code (the Data
 * pipeline's message keys where the original has one) and a plain message saying where, what, and what
 * is allowed; the HTTP status is derived from the code here and nowhere else. A request with several
 * problems carries them all in `problems`, each with its own key.
 */
export const ERROR_STATUS = {
  // Data pipeline query parameters [A]
  "data-pipeline.api.rest.queryparam.fromdate.invalid.should.be.iso.offset.datetime": 400,
  "data-pipeline.api.rest.queryparam.fromdate.should.not.be.future": 400,
  "data-pipeline.api.rest.queryparam.forceexport.invalid.should.be.boolean": 400,
  "data-pipeline.api.rest.queryparam.schemaversion.invalid.should.be.supported.integer.schemaversion": 400,
  "data-pipeline.api.rest.queryparam.format.invalid": 400,
  "data-pipeline.api.rest.queryparam.job.id.should.be.numeric": 400,
  "data-pipeline.api.rest.queryparam.job.id.should.be.positive": 400,
  "data-pipeline.api.rest.queryparam.page.offset.should.be.numeric": 400,
  "data-pipeline.api.rest.queryparam.page.offset.should.not.be.negative": 400,
  "data-pipeline.api.rest.queryparam.page.limit.should.be.numeric": 400,
  "data-pipeline.api.rest.queryparam.page.limit.should.be.between.1.and.1000": 400,
  "data-pipeline.api.rest.queryparam.continueifnotfound.invalid.should.be.boolean": 400,
  "data-pipeline.api.rest.declared.parameter.missing.value": 400,
  // Export path [A]
  "data-pipeline.api.rest.config.export.path.missing": 400,
  "data-pipeline.api.rest.config.export.path.should.be.absolute": 400,
  "data-pipeline.api.rest.config.export.path.invalid.characters": 400,
  "data-pipeline.api.rest.config.export.path.not.writable": 400,
  "data-pipeline.api.rest.config.export.path.in.use": 400,
  // Sluice's own: an s3:// export path with no S3 storage of the organisation for its bucket, or one unreachable
  "data-pipeline.api.rest.config.export.path.storage.not.configured": 400,
  "data-pipeline.api.rest.config.export.path.storage.unavailable": 400,
  // Schedule and opt-out
  "data-pipeline.api.rest.config.schedule.invalid": 400,
  "data-pipeline.api.rest.config.optout.invalid": 400,
  "data-pipeline.api.rest.config.optout.not.found": 404,
  "data-pipeline.api.rest.config.optout.limit.exceeded": 400,
  // Jobs
  "data-pipeline.api.rest.job.not.found": 404,
  "export.already.running": 409,
  "export.pre.validation.failed": 422,
  "export.disk.space.insufficient": 422,
  "export.node.lost": 500,
  "export.failed": 500,
  "sluice.job.not.found": 404,
  "sluice.job.kind.unknown": 400,
  "sluice.job.busy": 409,
  "sluice.job.cancelled": 409,
  "sluice.job.failed": 500,
  "sluice.job.node.lost": 500,
  "sluice.job.not.running": 409,
  // Schedules
  "sluice.schedule.invalid": 400,
  "sluice.schedule.not.found": 404,
  // Saved SQL queries and dashboards
  "sluice.sql.saved.invalid": 400,
  "sluice.sql.saved.forbidden": 403,
  "sluice.sql.query.not.found": 404,
  "sluice.sql.dashboard.not.found": 404,
  // Queries, writers and access
  "sluice.query.invalid": 400,
  "sluice.query.column.unknown": 400,
  "sluice.query.value.invalid": 400,
  "sluice.query.entity.unknown": 400,
  "sluice.format.unknown": 400,
  "sluice.access.invalid": 400,
  "sluice.access.scope.not.found": 404,
  "sluice.access.user.not.found": 404,
  "sluice.access.group.not.found": 404,
  // Connectors and syncs
  "sluice.source.not.found": 404,
  "sluice.source.invalid": 400,
  "sluice.source.credentials.missing": 400,
  "sluice.source.credentials.refused": 400,
  "sluice.source.auth.failed": 502,
  "sluice.source.request.failed": 502,
  "sluice.sync.running": 409,
  "sluice.sync.node.lost": 500,
  "sluice.sync.failed": 502,
  // SQL
  "sluice.sql.invalid": 400,
  "sluice.sql.refused": 400,
  "sluice.sql.params.invalid": 400,
  "sluice.sql.too.long": 400,
  "sluice.sql.timeout": 408,
  "sluice.sql.cancelled": 409,
  "sluice.sql.busy": 429,
  "sluice.sql.unavailable": 503,
  "sluice.sql.role.invalid": 400,
  // Reports
  "sluice.report.jql.invalid": 400,
  "sluice.report.schedule.invalid": 400,
  "sluice.report.invalid": 400,
  "sluice.report.delivery.invalid": 400,
  "sluice.report.not.found": 404,
  "sluice.report.schedule.not.found": 404,
  "sluice.report.run.not.found": 404,
  "sluice.report.forbidden": 403,
  "sluice.report.file.gone": 410,
  "sluice.report.link.invalid": 403,
  "sluice.report.access.lost": 403,
  "sluice.report.delivery.failed": 502,
  "sluice.report.failed": 500,
  "sluice.storage.unavailable": 502,
  "sluice.storage.not.found": 404,
  "sluice.storage.invalid": 400,
  "sluice.backup.archive.corrupt": 400,
  "sluice.backup.archive.version": 400,
  "sluice.backup.archive.missing": 404,
  "sluice.backup.invalid": 400,
  "sluice.backup.not.found": 404,
  "sluice.backup.too.soon": 409,
  "sluice.backup.too.large": 413,
  "sluice.backup.failed": 500,
  "sluice.org.not.found": 404,
  "sluice.restore.invalid": 400,
  "sluice.restore.not.found": 404,
  "sluice.restore.not.restorable": 409,
  "sluice.restore.same.site": 400,
  "sluice.restore.wrong.product": 400,
  "sluice.restore.consent.missing": 409,
  "sluice.restore.failed": 500,
  // Sluice's own
  "sluice.request.invalid": 400,
  "sluice.request.body.invalid": 400,
  "sluice.request.body.too.large": 413,
  "sluice.request.unsupported.media.type": 415,
  "sluice.request.not.acceptable": 406,
  "sluice.request.uri.too.long": 414,
  "sluice.request.headers.too.large": 431,
  "sluice.request.url.invalid": 400,
  "sluice.auth.token.missing": 401,
  "sluice.auth.token.invalid": 401,
  "sluice.auth.forbidden": 403,
  "sluice.site.not.found": 404,
  "sluice.site.invalid": 400,
  "sluice.site.exists": 409,
  "sluice.route.not.found": 404,
  "sluice.method.not.allowed": 405,
  "sluice.config.invalid": 400,
  "sluice.cli.usage": 400,
  "sluice.internal": 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One problem of a request or a file, with its own stable key. */
export interface Problem {
  key: string;
  message: string;
  /** Where in a SQL statement the problem is (1-based line and column, 0-based character offset). */
  position?: { line: number; column: number; offset: number };
}

export interface SluiceErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Extra fields for the response body (e.g. the running job on a 409), or facts for the caller. */
  details?: Record<string, unknown>;
  /** Every problem, when there are several (the body's `errors`); default: one, the code and message. */
  problems?: readonly Problem[];
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "SluiceError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    this.problems = options.problems && options.problems.length > 0 ? options.problems : [{ key: code, message }];
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/**
 * Several problems of one request in one error: `title` is the body's `message` (the Data pipeline says
 * "Invalid query parameters"), each problem keeps its own key.
 */
export function invalid(problems: readonly Problem[], title = "Invalid query parameters", code: ErrorCode = "sluice.request.invalid"): SluiceError {
  return new SluiceError(code, title, { problems });
}

/** Stops the work of a job that was cancelled (or whose node shuts down); never shown as a failure. */
export function cancelled(what = "the job"): SluiceError {
  return new SluiceError("sluice.job.cancelled", `${what} was cancelled`);
}

export function isCancelled(error: unknown): boolean {
  return isSluiceError(error) && error.code === "sluice.job.cancelled";
}

/** Messages in job records are limited to 255 characters (as in the original). */
export function jobMessage(message: string): string {
  return message.length <= 255 ? message : `${message.slice(0, 252)}...`;
}
