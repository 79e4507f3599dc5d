/** A sync failure with a plain message naming the entity and the URL path where it happened. */
export class SyncError extends Error {
  readonly entity: string | undefined;
  readonly path: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, options: { entity?: string; path?: string; status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "SyncError";
    this.entity = options.entity;
    this.path = options.path;
    this.status = options.status;
  }
}
