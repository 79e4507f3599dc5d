/**
 * SQL over a site's data: settles a statement's limits (the context's defaults from config; a request
 * may lower them, never raise them), finds who is asking (their `Viewer`: the rows they may browse)
 * and hands the statement to the store, which runs it where it cannot write (src/store/<kind>/sql*.ts).
 */
import type { Viewer } from "../core/access.js";
import { SluiceError } from "../core/errors.js";
import { sqlTables, type SqlParam, type SqlRows, type SqlTable } from "../core/sql-catalog.js";
import type { Config } from "../config.js";
import type { AccessService } from "../access/access-service.js";
import { siteBaseUrl } from "../export/export-paths.js";
import type { Account, Site, Store } from "../store/port.js";
import type { Source } from "../sources/port.js";

export type SqlContext = "console" | "api" | "scheduled";

export interface SqlRequest {
  sql: string;
  params?: readonly SqlParam[];
  maxRows?: number;
  timeoutMs?: number;
  context?: SqlContext;
  /** How the answer is written (lets a store encode rows itself). */
  format?: "json" | "ndjson" | "csv" | "rows";
}

export class SqlService {
  constructor(
    private readonly store: Store,
    private readonly access: AccessService,
    private readonly config: Config,
    /** Sources whose data SQL reads from the store's copy (git commits), refreshed before a statement. */
    private readonly sources: readonly Source[] = [],
  ) {}

  /** The site's tables and their columns, for editors and `GET …/tables`. */
  tables(site: Site): SqlTable[] {
    return sqlTables(site.product).map((t) => ({ name: t.name, columns: t.columns }));
  }

  limits(request: Pick<SqlRequest, "maxRows" | "timeoutMs" | "context">): { maxRows: number; timeoutMs: number } {
    const defaults = this.config.sql[request.context ?? "api"];
    return {
      maxRows: Math.min(request.maxRows ?? defaults.maxRows, defaults.maxRows),
      timeoutMs: Math.min(request.timeoutMs ?? defaults.timeoutMs, defaults.timeoutMs),
    };
  }

  async viewer(site: Site, account: Pick<Account, "username" | "sysadmin">): Promise<Viewer> {
    return this.access.viewerFor(site, account);
  }

  async run(site: Site, viewer: Viewer, request: SqlRequest, signal: AbortSignal): Promise<SqlRows> {
    const sql = request.sql;
    if (sql.length > this.config.sql.maxLength) {
      throw new SluiceError("sluice.sql.too.long", `The statement is ${sql.length} characters long; at most ${this.config.sql.maxLength} are accepted.`);
    }
    if (sql.trim() === "") throw new SluiceError("sluice.sql.invalid", "The statement is empty: send one SELECT.");
    for (const source of this.sources) {
      if (source.refresh && (await source.appliesTo(site))) await source.refresh(site);
    }
    return this.store.sql.run(
      {
        siteId: site.id,
        siteKey: site.key,
        product: site.product,
        instanceUrl: siteBaseUrl(this.config, site),
        sql,
        params: request.params ?? [],
        format: request.format ?? "rows",
        ...this.limits(request),
      },
      viewer,
      signal,
    );
  }
}
