/**
 * Admin API of a site's connector: `GET/PUT/DELETE /rest/admin/v1/sites/:site/source` (where the
 * token is read from, never the token) and `GET/POST /rest/admin/v1/sites/:site/syncs` (status with
 * progress, history, counts, last error; start a sync now, 409 while one runs). The caller is already
 * authenticated as a system administrator by the server's preHandler.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Site, Store } from "../../store/port.js";
import { isSluiceError } from "../../core/errors.js";
import { runSync, type SyncLogger } from "../../sync/engine.js";
import { CHECKPOINT_KEY, STATE_KEY, type SyncRun } from "../../sync/run-state.js";
import { describeSource, parseSourceConfig, productOfKind, SOURCE_SETTING, type SourceConfig } from "../../sources/connector/source-config.js";
import { holdsSite } from "../../sync/sync-lock.js";
import { syncStatus } from "../../sync/sync-status.js";
import { CURRENT_KEY } from "../../sync/run-state.js";

export interface SourcesRoutesOptions {
  store: Store;
  /** Where `tokenEnv` names are looked up when a sync starts (the entry point passes the process env). */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: SyncLogger;
  fetch?: typeof fetch;
  /** Called with each sync started here (the server awaits them on shutdown). */
  onSync?: (done: Promise<unknown>) => void;
}

interface Problem {
  key: string;
  message: string;
}

function send(reply: FastifyReply, statusCode: number, message: string, errors: Problem[]): FastifyReply {
  return reply.code(statusCode).send({ statusCode, message, errors, timestamp: new Date().toISOString() });
}

export async function sourcesRoutes(app: FastifyInstance, options: SourcesRoutesOptions): Promise<void> {
  const { store } = options;
  const base = "/rest/admin/v1/sites/:site";

  const siteOf = async (params: unknown, reply: FastifyReply): Promise<Site | undefined> => {
    const key = String((params as { site?: string }).site ?? "");
    const site = await store.sites.byKey(key === "-" ? "" : key);
    if (!site) send(reply, 404, `No site is mounted at /${key}.`, [{ key: "sluice.site.not.found", message: `No site is mounted at /${key}.` }]);
    return site;
  };

  app.get(`${base}/source`, async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    const raw = await store.settings.get<unknown>(site.id, SOURCE_SETTING);
    const parsed = raw === undefined ? undefined : parseSourceConfig(raw);
    if (!parsed || !parsed.ok) {
      return send(reply, 404, `Site /${site.key} has no source.`, [{ key: "sluice.source.not.found", message: `Site /${site.key} has no source: PUT one to sync it from Jira, Confluence or Bitbucket.` }]);
    }
    return describeSource(parsed.config);
  });

  app.put(`${base}/source`, async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    const body = request.body as Record<string, unknown> | undefined;
    for (const secret of ["token", "apiToken", "password", "secret"]) {
      if (body && secret in body) {
        return send(reply, 400, "Invalid source", [
          { key: "source.token", message: `${secret}: credentials are never stored; name the environment variable (tokenEnv) or the secrets file (tokenFile) that holds the token.` },
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
    return describeSource(parsed.config);
  });

  app.delete(`${base}/source`, async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    const current = await store.settings.get<SyncRun>(site.id, CURRENT_KEY);
    if (holdsSite(current, Date.now())) {
      return send(reply, 409, "A sync is running", [{ key: "sluice.sync.running", message: `A sync of /${site.key} is running: wait for it to finish before removing the source.` }]);
    }
    await store.settings.delete(site.id, SOURCE_SETTING);
    await store.settings.delete(site.id, CHECKPOINT_KEY);
    await store.settings.delete(site.id, STATE_KEY);
    return reply.code(204).send();
  });

  app.get(`${base}/syncs`, async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    return syncStatus(store, site, Date.now());
  });

  app.post(`${base}/syncs`, async (request, reply) => {
    const site = await siteOf(request.params, reply);
    if (!site) return reply;
    if ((await store.settings.get(site.id, SOURCE_SETTING)) === undefined) {
      return send(reply, 400, "No source", [{ key: "sluice.source.not.found", message: `Site /${site.key} has no source: PUT /rest/admin/v1/sites/${site.key}/source first.` }]);
    }
    const query = request.query as { full?: string; reconcile?: string };
    let started: (run: SyncRun) => void = () => {};
    const first = new Promise<SyncRun>((resolve) => (started = resolve));
    const done = runSync({
      store,
      site,
      env: options.env ?? {},
      full: query.full === "true",
      reconcile: query.reconcile === "true",
      logger: options.logger,
      fetch: options.fetch,
      onProgress: (run) => started(structuredClone(run)),
    });
    const outcome = await Promise.race([first.then((run) => ({ run })), done.then((run) => ({ run }), (error: unknown) => ({ error }))]);
    if ("error" in outcome) {
      if (isSluiceError(outcome.error) && outcome.error.code === "sluice.sync.running") {
        return send(reply, 409, "A sync is already running", [{ key: "sluice.sync.running", message: outcome.error.message }]);
      }
      const status = await syncStatus(store, site, Date.now());
      return reply.code(202).send(status.current);
    }
    const settled = done.catch((error: unknown) => {
      if (!(isSluiceError(error) && error.code === "sluice.sync.running")) options.logger?.warn({ site: site.key, error: String(error) }, "sync failed");
    });
    options.onSync?.(settled);
    return reply.code(202).send(outcome.run);
  });
}
