/**
 * The error catalogue. Every error Sluice reports carries a stable code (the Data pipeline's message
 * keys where the original has one) and a plain message; the HTTP status is derived from the code here
 * and nowhere else.
 */
export const ERROR_STATUS = {
  // Data pipeline query parameters [A]
  "data-pipeline.api.rest.queryparam.fromdate.invalid.should.be.iso.offset.datetime": 400,
  "data-pipeline.api.rest.queryparam.fromdate.should.not.be.future": 400,
  "data-pipeline.api.rest.queryparam.forceexport.invalid.should.be.boolean": 400,
  "data-pipeline.api.rest.queryparam.schemaversion.invalid.should.be.supported.integer.schemaversion": 400,
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
  // Sluice's own
  "sluice.request.body.invalid": 400,
  "sluice.request.body.too.large": 413,
  "sluice.request.unsupported.media.type": 415,
  "sluice.auth.token.missing": 401,
  "sluice.auth.token.invalid": 401,
  "sluice.auth.forbidden": 403,
  "sluice.site.not.found": 404,
  "sluice.site.invalid": 400,
  "sluice.site.exists": 409,
  "sluice.route.not.found": 404,
  "sluice.method.not.allowed": 405,
  "sluice.config.invalid": 400,
  "sluice.source.not.found": 404,
  "sluice.sync.running": 409,
  "sluice.internal": 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Extra fields for the response body (e.g. the running job on a 409). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "SluiceError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}

/** Messages in job records are limited to 255 characters (as in the original). */
export function jobMessage(message: string): string {
  return message.length <= 255 ? message : `${message.slice(0, 252)}...`;
}
