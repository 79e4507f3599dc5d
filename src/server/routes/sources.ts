/**
 * Admin API of a site's connector: `GET/PUT/DELETE /rest/admin/v1/sites/:site/source` (where the
 * token is read from, never the token) and `GET/POST /rest/admin/v1/sites/:site/syncs` (status with
 * progress, history, counts, last error; start a sync now, 409 while one runs). The caller is already
 * authenticated as a system administrator by the server's preHandler.
 */
import { hostname } from "node:os";
import { z } from "zod";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Site, Store } from "../../store/port.js";
import { JobRunner } from "../../jobs/runner.js";
import { createLogger } from "../../logger.js";
import type { SyncLogger } from "../../sync/engine.js";
import { CHECKPOINT_KEY, STATE_KEY, syncLock } from "../../sync/run-state.js";
import { syncKind } from "../../sync/sync-kind.js";
import { deleteSourceSchedule, putSourceSchedule } from "../../sync/sync-schedule.js";
import { SyncService } from "../../sync/sync-service.js";
import { describeSource, parseSourceConfig, productOfKind, SOURCE_SETTING, sourceConfigSchema, type SourceConfig } from "../../sources/connector/source-config.js";
import { documented } from "../contract-route.js";
import { errorBody } from "../errors.js";
import type { Problem } from "../../core/errors.js";

export interface SourcesRoutesOptions {
  store: Store;
  /** The node's syncs; default: a job runner of these routes' own, syncing with `env`, `fetch`, `logger`. */
  syncs?: SyncService;
  /** Where `tokenEnv` names are looked up when a sync starts (with the routes' own runner). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `tokenFile` names are looked up (with the routes' own runner). */
  secretsDir?: string;
  logger?: SyncLogger;
  fetch?: typeof fetch;
  /** Called with each sync started here (the server awaits them on shutdown). */
  onSync?: (done: Promise<unknown>) => void;
}

/** A runner of the routes' own (tests, embedding): syncs only, stopped with the server. */
function ownSyncs(app: FastifyInstance, options: SourcesRoutesOptions): SyncService {
  const runner = new JobRunner({
    store: options.store,
    config: { nodeId: hostname(), jobLeaseSeconds: 30, concurrency: 0, pollMs: 60_000 },
    logger: createLogger("silent"),
  }).register(
    syncKind({
      store: options.store,
      env: () => options.env ?? {},
      ...(options.secretsDir !== undefined ? { secretsDir: options.secretsDir } : {}),
      logger: options.logger,
      http: { fetch: options.fetch },
    }),
  );
  runner.startLoops();
  app.addHook("onClose", () => runner.shutdown(10_000));
  return new SyncService({ store: options.store, runner });
}

function send(reply: FastifyReply, statusCode: number, message: string, errors: readonly Problem[]): FastifyReply {
  return reply.code(statusCode).send(errorBody(statusCode, message, errors));
}

/** `POST …/syncs?full=&reconcile=`. */
const syncFlags = z.object({ full: z.enum(["true", "false"]).optional(), reconcile: z.enum(["true", "false"]).optional() });

export async function sourcesRoutes(app: FastifyInstance, options: SourcesRoutesOptions): Promise<void> {
  const { store } = options;
  const syncs = options.syncs ?? ownSyncs(app, options);
  const base = "/rest/admin/v1/sites/:site";

  const siteOf = async (params: unknown, reply: FastifyReply): Promise<Site | undefined> => {
    const key = String((params as { site?: string }).site ?? "");
    const site = await store.sites.byKey(key === "-" ? "" : key);
    if (!site) send(reply, 404, `No site is mounted at /${key}.`, [{ key: "sluice.site.not.found", message: `No site is mounted at /${key}.` }]);
    return site;
  };

  // The schemas below are for the document: requests are checked by the same zod schemas in the handlers.
  app.setValidatorCompiler(() => () => true);
  // Documented from the same schemas that check the requests (the body's per-field keys are `source.<field>`).
  const tags = ["Sources"];
  const params = documented(z.object({ site: z.string().max(200).describe("the site's key (jira-acme, …)") }));
  const syncQuery = documented(syncFlags);
  const doc = (summary: string, extra: Record<string, unknown> = {}) => ({ schema: { tags, summary, params, ...extra } });

  app.get(`${base}/source`, doc("The site's source: connector kind, URL and where its token is read from"), async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    const raw = await store.settings.get<unknown>(site.id, SOURCE_SETTING);
    const parsed = raw === undefined ? undefined : parseSourceConfig(raw);
    if (!parsed || !parsed.ok) {
      return send(reply, 404, `Site /${site.key} has no source.`, [{ key: "sluice.source.not.found", message: `Site /${site.key} has no source: PUT one to sync it from Jira, Confluence or Bitbucket.` }]);
    }
    return describeSource(parsed.config);
  });

  app.put(`${base}/source`, doc("Set the site's source (credentials by name only: SLUICE_SECRET_* or a file of <home>/secrets)", { body: documented(sourceConfigSchema) }), async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    if (request.body === null || typeof request.body !== "object" || Array.isArray(request.body)) {
      return send(reply, 400, "Invalid source", [
        { key: "source.invalid", message: 'Send the source as a JSON object, such as {"kind": "jira-dc", "url": "https://jira.acme.io", "tokenEnv": "SLUICE_SECRET_ACME"}.' },
      ]);
    }
    const body = request.body as Record<string, unknown>;
    for (const secret of ["token", "apiToken", "password", "secret"]) {
      if (Object.hasOwn(body, secret)) {
        return send(reply, 400, "Invalid source", [
          { key: "source.token", message: `${secret}: credentials are never stored; name the SLUICE_SECRET_<NAME> variable (tokenEnv) or the file of <home>/secrets (tokenFile) that holds the token.` },
        ]);
      }
    }
    const parsed = parseSourceConfig(body);
    if (!parsed.ok) return send(reply, 400, "Invalid source", parsed.errors);
    if (productOfKind(parsed.config.kind) !== site.product) {
      return send(reply, 400, "Invalid source", [{ key: "source.kind", message: `kind: a ${parsed.config.kind} source cannot feed the ${site.product} site /${site.key}.` }]);
    }
    const previous = await store.settings.get<SourceConfig>(site.id, SOURCE_SETTING);
    await store.settings.set(site.id, SOURCE_SETTING, parsed.config);
    // Another instance or kind means another data set: the next sync starts over.
    if (previous && (previous.url !== parsed.config.url || previous.kind !== parsed.config.kind)) {
      await store.settings.delete(site.id, CHECKPOINT_KEY);
      await store.settings.delete(site.id, STATE_KEY);
    }
    await putSourceSchedule(store, site, parsed.config, Date.now());
    return describeSource(parsed.config);
  });

  app.delete(`${base}/source`, doc("Remove the site's source, its checkpoints and its sync schedule"), async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    if (await store.jobs.holder(syncLock(site.id))) {
      return send(reply, 409, "A sync is running", [{ key: "sluice.sync.running", message: `A sync of /${site.key} is running: wait for it to finish before removing the source.` }]);
    }
    await store.settings.delete(site.id, SOURCE_SETTING);
    await store.settings.delete(site.id, CHECKPOINT_KEY);
    await store.settings.delete(site.id, STATE_KEY);
    await deleteSourceSchedule(store, site);
    return reply.code(204).send();
  });

  app.get(`${base}/syncs`, doc("The site's sync status: the running or last sync, per entity"), async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    return syncs.status(site);
  });

  app.post(`${base}/syncs`, doc("Start a sync of the site now", { querystring: syncQuery }), async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    if ((await store.settings.get(site.id, SOURCE_SETTING)) === undefined) {
      return send(reply, 400, "No source", [{ key: "sluice.source.not.found", message: `Site /${site.key} has no source: PUT /rest/admin/v1/sites/${site.key}/source first.` }]);
    }
    const parsed = syncFlags.safeParse(request.query ?? {});
    if (!parsed.success) {
      return send(reply, 400, "Invalid query parameters", parsed.error.issues.map((i) => ({ key: "sluice.request.invalid", message: `${i.path.join(".") || "query"}: ${i.message}` })));
    }
    const query = parsed.data;
    const started = await syncs.start(site, { full: query.full === "true", reconcile: query.reconcile === "true" }, "api");
    if (started.outcome === "busy") {
      const message = `a sync of this site is already running (started ${started.run.startedAt})`;
      return send(reply, 409, "A sync is already running", [{ key: "sluice.sync.running", message }]);
    }
    options.onSync?.(started.done);
    return reply.code(202).send(started.run);
  });
}
