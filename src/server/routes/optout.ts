/** `config/optout`: spaces, projects or repositories left out of every export. */
import type { FastifyInstance } from "fastify";
import { PRODUCT_SCOPE } from "../../core/entities/registry.js";
import type { OptedOutEntity } from "../../core/export-job.js";
import type { AppContext } from "../../app/context.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { OPT_OUT_SETTING, optOutEntity, readOptOuts } from "../../export/opt-outs.js";
import { findScopes } from "../../sites/scopes.js";
import type { Site } from "../../store/port.js";
import { invalid } from "../../core/errors.js";
import { parseBoolean } from "../params.js";
import { siteRoute } from "../site-routes.js";

const KEY = "data-pipeline.api.rest.config.optout";

function parseBody(body: unknown, site: Site, limit: number): { keys: string[] } {
  const kind = PRODUCT_SCOPE[site.product];
  const b = body && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
  const problems: string[] = [];
  if (!b) problems.push(`Send {"type": "${kind}", "keys": ["KEY"]}.`);
  else {
    if (b.type !== kind) problems.push(`type must be ${kind} on a ${site.product} site, not '${String(b.type ?? "").slice(0, 30)}'.`);
    if (Array.isArray(b.keys) && b.keys.length > limit) {
      // Checked before anything is looked up: a list this long is refused as it is.
      problems.push(`keys: at most ${limit.toLocaleString("en")} keys (optOutLimit), not ${b.keys.length.toLocaleString("en")}.`);
    } else if (!Array.isArray(b.keys) || b.keys.length === 0 || !b.keys.every((k) => typeof k === "string" && k.trim() !== "" && k.length <= 255)) {
      problems.push("keys must be a non-empty list of keys (strings).");
    }
  }
  if (problems.length) throw invalid(problems.map((message) => ({ key: `${KEY}.invalid`, message })), "Invalid opt-out request");
  return { keys: [...new Set((b!.keys as string[]).map((k) => k.trim()))] };
}

export function optOutRoutes(app: FastifyInstance, ctx: AppContext): void {
  const body = (list: OptedOutEntity[]) => ({ optedOutEntities: list });
  const docBody = { type: "object", properties: { type: { type: "string", enum: ["SPACE", "PROJECT", "REPOSITORY"] }, keys: { type: "array", items: { type: "string" } } } };

  siteRoute(app, ctx, "GET", "/config/optout", { summary: "Opted-out spaces, projects or repositories" }, async (_req, reply, site) =>
    reply.send(body(await readOptOuts(ctx.store, site))),
  );

  siteRoute(
    app,
    ctx,
    "POST",
    "/config/optout",
    { summary: "Opt entities out of exports", body: docBody, querystring: { continueIfNotFound: { type: "string", enum: ["true", "false"] } } },
    async (request, reply, site) => {
      const continueIfNotFound = parseBoolean(
        request.query as Record<string, unknown>,
        "continueIfNotFound",
        "data-pipeline.api.rest.queryparam.continueifnotfound.invalid.should.be.boolean",
        false,
      );
      const { keys } = parseBody(request.body, site, ctx.config.export.optOutLimit);
      const kind = PRODUCT_SCOPE[site.product];
      const found = await findScopes(ctx.store, site, { keys }, keys.length * 2);
      const missing = keys.filter((k) => !found.some((f) => f.key === k || f.identifier === k));
      if (missing.length > 0 && !continueIfNotFound) {
        throw invalid(
          [{ key: `${KEY}.not.found`, message: `No ${kind.toLowerCase()} with key ${missing.join(", ")} on this site (add continueIfNotFound=true to skip unknown keys).` }],
          "Entities not found",
          `${KEY}.not.found` as const,
        );
      }
      const current = await readOptOuts(ctx.store, site);
      const baseUrl = siteBaseUrl(ctx.config, site);
      const merged = [...current];
      for (const f of found) if (!merged.some((m) => m.identifier === f.identifier)) merged.push(optOutEntity(kind, f, baseUrl));
      if (merged.length > ctx.config.export.optOutLimit) {
        throw invalid([
          { key: `${KEY}.limit.exceeded`, message: `At most ${ctx.config.export.optOutLimit} entities can be opted out (optOutLimit); this request would make ${merged.length}.` },
        ]);
      }
      await ctx.store.settings.set(site.id, OPT_OUT_SETTING, merged);
      return reply.send(body(merged));
    },
  );

  siteRoute(
    app,
    ctx,
    "DELETE",
    "/config/optout",
    { summary: "Opt entities back in (all when no body is sent)" },
    async (request, reply, site) => {
      const hasBody = request.body !== undefined && request.body !== null && request.body !== "";
      if (!hasBody) {
        await ctx.store.settings.delete(site.id, OPT_OUT_SETTING);
        return reply.send(body([]));
      }
      const { keys } = parseBody(request.body, site, ctx.config.export.optOutLimit);
      const remaining = (await readOptOuts(ctx.store, site)).filter((o) => !keys.includes(o.key) && !keys.includes(o.identifier));
      await ctx.store.settings.set(site.id, OPT_OUT_SETTING, remaining);
      return reply.send(body(remaining));
    },
  );
}
