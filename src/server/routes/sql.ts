/**
 * SQL over a site's data: `POST <site>/rest/sql/v1/query` runs one read-only statement as the caller
 * (their rows only) and streams the answer; `GET <site>/rest/sql/v1/tables` lists what it may read.
 * Open to every token, not only sysadmins: what a person sees is decided by their access rules.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import type { Account } from "../../store/port.js";
import { SluiceError } from "../../core/errors.js";
import { CONTENT_TYPES, renderRows } from "../../sql/result-stream.js";
import type { SqlService } from "../../sql/sql-service.js";
import { contractRoute } from "../contract-route.js";

const siteParams = z.object({ site: z.string().max(200).optional() }).strict();

const param = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

export const queryBody = z
  .object({
    sql: z.string().max(2_000_000).describe("One SELECT over the site's tables (see GET …/tables); parameters as $1, $2, …"),
    params: z.array(param).max(1000).optional().describe("Values of $1, $2, … in order"),
    format: z.enum(["json", "ndjson", "csv"]).optional().describe("json (default): {columns, rows, rowCount, truncated, elapsedMs}; ndjson: one JSON line per row; csv"),
    maxRows: z.number().int().min(1).max(1_000_000_000).optional().describe("At most this many rows (never more than the server's limit)"),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional().describe("Stop the statement after this long (never longer than the server's limit)"),
    context: z.enum(["console", "api"]).optional().describe("Which defaults apply: console (about 1 s) or api (about 30 s)"),
  })
  .strict();

async function siteOf(ctx: AppContext, key: string | undefined) {
  const site = await ctx.store.sites.byKey(key ?? "");
  if (!site) throw new SluiceError("sluice.site.not.found", `No site is mounted at /${key ?? ""}.`);
  return site;
}

export function sqlRoutes(app: FastifyInstance, ctx: AppContext, sql: SqlService): void {
  for (const prefix of ["/:site", ""]) {
    contractRoute(
      app,
      "POST",
      `${prefix}/rest/sql/v1/query`,
      {
        tags: ["SQL"],
        summary: "Run one read-only SQL statement over the site's data",
        description:
          "Streams the rows the caller may browse. Errors before the first row are 4xx with a key (`sluice.sql.invalid` with the position, `sluice.sql.refused`, `sluice.sql.params.invalid`, `sluice.sql.too.long`) or 408 `sluice.sql.timeout`; a failure after the first rows ends the JSON with `error`.",
        params: siteParams,
        body: queryBody,
        bodyName: "query",
        code: "sluice.sql.invalid",
        people: true,
      },
      async ({ params, body }, request: FastifyRequest & { account?: Account }, reply) => {
        const site = await siteOf(ctx, params.site);
        const viewer = await sql.viewer(site, request.account!);
        const controller = new AbortController();
        const abort = () => controller.abort();
        request.raw.once("close", () => {
          if (!reply.raw.writableFinished) abort();
        });
        const startedAt = Date.now();
        const rows = await sql.run(site, viewer, { ...body, format: body.format ?? "json" }, controller.signal);
        const format = body.format ?? "json";
        const onError = (error: unknown) => ctx.logger.warn({ err: error, site: site.key }, "SQL statement failed after its first rows");
        if (format === "csv") {
          reply.trailer("x-sluice-truncated", async () => String(rows.summary().truncated));
          reply.trailer("x-sluice-row-count", async () => String(rows.summary().rowCount));
        }
        return reply
          .header("content-type", CONTENT_TYPES[format])
          .header("cache-control", "no-store")
          .send(Readable.from(renderRows(rows, format, startedAt, onError), { objectMode: false }));
      },
    );
    contractRoute(
      app,
      "GET",
      `${prefix}/rest/sql/v1/tables`,
      { tags: ["SQL"], summary: "The tables and columns SQL may read on the site", params: siteParams, people: true },
      async ({ params }) => ({ tables: sql.tables(await siteOf(ctx, params.site)) }),
    );
  }
}
