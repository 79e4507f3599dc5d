/** `config/export-path` and `config/schema`. */
import { isAbsolute, normalize, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import { productSchemas } from "../../core/entities/registry.js";
import type { AppContext } from "../../app/context.js";
import { EXPORT_PATH_SETTING, rootExportPath } from "../../export/export-paths.js";
import { invalid as problemsOf } from "../../core/errors.js";
import { confineUserFolder, UserPathError } from "../../files/user-paths.js";
import { siteRoute } from "../site-routes.js";

const P = "data-pipeline.api.rest.config.export.path";

function invalid(key: string, message: string): never {
  throw problemsOf([{ key, message }], "Invalid export path");
}

/**
 * Cleans and checks a custom export path; creates `<path>/data-pipeline/export` to prove it is writable.
 * The path is checked by its real path (symlinks resolved: no way out of an allowed root, none into a
 * system folder), each file-system call within seconds; the real path is what is kept.
 */
export async function validateExportPath(body: unknown, allowedRoots: readonly string[]): Promise<string> {
  const raw = body && typeof body === "object" ? (body as { path?: unknown }).path : undefined;
  if (typeof raw !== "string" || raw.trim() === "") invalid(`${P}.missing`, 'Send {"path": "/absolute/directory"}.');
  let path = raw.replace(/[\r\n]/g, "").trim();
  if (/^(["']).*\1$/.test(path)) path = path.slice(1, -1).trim();
  if (path.includes("\0")) invalid(`${P}.invalid.characters`, "The path contains a NUL character.");
  if (!isAbsolute(path)) invalid(`${P}.should.be.absolute`, `The path '${path.slice(0, 200)}' is relative; give an absolute path such as /var/sluice/exports.`);
  if (path.split(/[\\/]+/).includes("..")) invalid(`${P}.invalid.characters`, "The path must not contain '..' segments.");
  path = normalize(path).replace(/(.)\/+$/, "$1");
  try {
    const real = await confineUserFolder(path, ["data-pipeline", "export"], { allowedRoots });
    return real.split(sep).join("/");
  } catch (error) {
    if (error instanceof UserPathError) invalid(`${P}.not.writable`, error.message);
    throw error;
  }
}

export function exportConfigRoutes(app: FastifyInstance, ctx: AppContext): void {
  const current = async (siteId: number) => {
    const site = (await ctx.store.sites.byId(siteId))!;
    return rootExportPath(ctx.config, ctx.store.settings, site);
  };
  siteRoute(app, ctx, "GET", "/config/export-path", { summary: "The export root path" }, async (_req, reply, site) =>
    reply.send(await current(site.id)),
  );
  siteRoute(
    app,
    ctx,
    "PUT",
    "/config/export-path",
    {
      summary: "Set a custom export path (absolute, writable); files go to <path>/data-pipeline/export",
      body: { type: "object", properties: { path: { type: "string" } } },
    },
    async (request, reply, site) => {
      const path = await validateExportPath(request.body, ctx.config.allowedExportPathRoots);
      for (const other of await ctx.store.sites.list()) {
        if (other.id !== site.id && (await ctx.store.settings.get<string>(other.id, EXPORT_PATH_SETTING)) === path) {
          invalid(`${P}.in.use`, `The path ${path} is already the export path of site ${other.contextPath}; job folders would collide. Choose another.`);
        }
      }
      await ctx.store.settings.set(site.id, EXPORT_PATH_SETTING, path);
      return reply.send(await current(site.id));
    },
  );
  siteRoute(app, ctx, "DELETE", "/config/export-path", { summary: "Back to the default export path" }, async (_req, reply, site) => {
    await ctx.store.settings.delete(site.id, EXPORT_PATH_SETTING);
    return reply.send(await current(site.id));
  });
  siteRoute(app, ctx, "GET", "/config/schema", { summary: "Schema versions, newest first" }, async (_req, reply, site) =>
    reply.send(productSchemas(site.product).versions),
  );
}
