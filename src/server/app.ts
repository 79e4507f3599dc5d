/**
 * The HTTP server: fastify with the Data pipeline API per site, the admin API, OpenAPI at
 * `/rest/openapi.json` and Swagger UI at `/rest/docs`. Every route but `/ping` (and the static
 * console and docs assets) needs a token of a system administrator.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { AppContext } from "../app/context.js";
import { isSluiceError, SluiceError } from "../core/errors.js";
import type { Account } from "../store/port.js";
import { authenticate, requireSysadmin } from "./auth.js";
import { sqlRoutes } from "./routes/sql.js";
import { badUrl, errorBody, fromFastifyError, fromStoreDataError, sendError } from "./errors.js";
import { adminSiteRoutes } from "./routes/admin-sites.js";
import { exportConfigRoutes } from "./routes/export-config.js";
import { exportRoutes } from "./routes/export.js";
import { historyRoutes } from "./routes/history.js";
import { accessRoutes } from "./routes/access.js";
import { jobRoutes } from "./routes/jobs.js";
import { optOutRoutes } from "./routes/optout.js";
import { isPublicPath, pingRoutes } from "./routes/ping.js";
import { reportRoutes } from "./routes/reports.js";
import { backupRoutes } from "./routes/backup.js";
import { configScheduleRoutes } from "./routes/config-schedule.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { sourcesRoutes } from "./routes/sources.js";
import { savedSqlRoutes } from "./routes/sql-saved.js";

export interface ExtraRoutes {
  /** Feature plugins registered after the core routes (console, connectors, …). */
  (app: FastifyInstance, ctx: AppContext): Promise<void> | void;
}

export async function buildApp(ctx: AppContext, extras: readonly ExtraRoutes[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // Query strings like ?fromDate=…+01:00 keep their '+' readable for our own parser.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors raised before routing (a malformed URL) are answered in the documented shape too.
    frameworkErrors: (_error, _request, reply) => {
      void sendError(reply, badUrl());
    },
  });

  // We validate ourselves (to answer with the Data pipeline's error keys); route schemas are for OpenAPI.
  app.setValidatorCompiler(() => () => true);

  // Lenient JSON: an empty body is "no body" rather than an error.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new SluiceError("sluice.request.body.invalid", `The request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Sluice API",
        description:
          "Data pipeline export API compatible with Jira, Confluence and Bitbucket Data Center (per site, under `<context path>/rest/datapipeline/latest`), and Sluice's admin API.",
        version: "0.1.0",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "A personal access token" },
          basic: { type: "http", scheme: "basic", description: "User name and personal access token" },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/rest/docs" });
  app.get("/rest/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.addHook("onRequest", async (request: FastifyRequest & { account?: Account }) => {
    const path = request.url.split("?", 1)[0]!;
    if (path.includes("%00") || path.includes("\u0000")) {
      throw new SluiceError("sluice.request.url.invalid", "The URL's path holds a NUL character (%00), which no path accepts.");
    }
    if (isPublicPath(request.url)) return;
    // Download links: the signature in the URL is the credential, checked by the route.
    if ((request.routeOptions.config as { signed?: boolean } | undefined)?.signed === true) return;
    const account = await authenticate(ctx.store, request.headers.authorization);
    if ((request.routeOptions.config as { people?: boolean } | undefined)?.people !== true) requireSysadmin(account);
    request.account = account;
  });

  app.setErrorHandler((error, request, reply) => {
    if (isSluiceError(error)) return sendError(reply, error);
    const mapped = fromFastifyError(error as { code?: string; statusCode?: number; message: string }) ?? fromStoreDataError(error);
    if (mapped) return sendError(reply, mapped);
    ctx.logger.error({ err: error, url: request.url, method: request.method }, "unexpected error");
    return reply.code(500).send(errorBody(500, "Internal error: the failure was logged on the server.", [{ key: "sluice.internal", message: "Internal error" }]));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody(404, "Not found", [{ key: "sluice.route.not.found", message: `No API at ${request.method} ${request.url.split("?")[0]?.slice(0, 200)}.` }])),
  );

  pingRoutes(app);
  exportRoutes(app, ctx);
  historyRoutes(app, ctx);
  exportConfigRoutes(app, ctx);
  configScheduleRoutes(app, ctx);
  optOutRoutes(app, ctx);
  adminSiteRoutes(app, ctx);
  jobRoutes(app, ctx);
  accessRoutes(app, ctx);
  scheduleRoutes(app, ctx, ctx.scheduler.targets);
  sqlRoutes(app, ctx, ctx.sql);
  savedSqlRoutes(app, ctx);
  reportRoutes(app, ctx);
  backupRoutes(app, ctx, ctx.backups);
  await app.register(sourcesRoutes, { store: ctx.store, syncs: ctx.syncs });
  for (const extra of extras) await extra(app, ctx);
  return app;
}
