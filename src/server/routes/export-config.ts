/** `config/export-path` and `config/schema`. */
import { isAbsolute, normalize, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import { productSchemas } from "../../core/entities/registry.js";
import type { AppContext } from "../../app/context.js";
import { EXPORT_PATH_SETTING, rootExportPath } from "../../export/export-paths.js";
import { invalid as problemsOf, isSluiceError } from "../../core/errors.js";
import { findExportStorage, openExportStorage } from "../../export/export-storage.js";
import { isS3Path, parseS3Path, s3Url } from "../../export/s3-path.js";
import type { Site } from "../../store/port.js";
import { confineUserFolder, UserPathError } from "../../files/user-paths.js";
import { siteRoute } from "../site-routes.js";

const P = "data-pipeline.api.rest.config.export.path";

function invalid(key: string, message: string): never {
  throw problemsOf([{ key, message }], "Invalid export path");
}

/**
 * Cleans and checks a custom export path; creates `<path>/data-pipeline/export` to prove it is writable.
 * The path is checked by its real path (symlinks resolved: no way out of an allowed root, none into a
 * system folder), each file-system call within seconds; the real path is what is kept. An
 * `s3://<bucket>[/<prefix>]` path is only parsed here (kept in its canonical spelling); its storage is
 * checked by `checkExportStorage`.
 */
export async function validateExportPath(body: unknown, allowedRoots: readonly string[]): Promise<string> {
  const raw = body && typeof body === "object" ? (body as { path?: unknown }).path : undefined;
  if (typeof raw !== "string" || raw.trim() === "") invalid(`${P}.missing`, 'Send {"path": "/absolute/directory"} or {"path": "s3://bucket/prefix"}.');
  let path = raw.replace(/[\r\n]/g, "").trim();
  if (/^(["']).*\1$/.test(path)) path = path.slice(1, -1).trim();
  if (path.includes("\0")) invalid(`${P}.invalid.characters`, "The path contains a NUL character.");
  if (isS3Path(path)) {
    const location = parseS3Path(path);
    if ("problem" in location) invalid(`${P}.invalid.characters`, location.problem);
    return s3Url(location);
  }
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

/**
 * An `s3://` export path needs an S3 storage of the site's organisation with that bucket, reachable
 * with its credentials now (not at the first export).
 */
async function checkExportStorage(ctx: AppContext, site: Site, path: string): Promise<void> {
  const location = parseS3Path(path);
  if ("problem" in location) invalid(`${P}.invalid.characters`, location.problem);
  let storage;
  try {
    storage = await findExportStorage(ctx.store, site, location);
  } catch (error) {
    if (isSluiceError(error)) invalid(`${P}.storage.not.configured`, error.message);
    throw error;
  }
  let opened;
  try {
    opened = openExportStorage(ctx.config, storage, location);
  } catch (error) {
    if (isSluiceError(error)) invalid(`${P}.storage.unavailable`, error.message);
    throw error;
  }
  try {
    await opened.blobs.check();
  } catch (error) {
    if (isSluiceError(error)) invalid(`${P}.storage.unavailable`, `${path} is not usable through the ${opened.label}: ${error.message}`);
    throw error;
  } finally {
    opened.close();
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
      summary: "Set a custom export path (absolute, writable, or s3://<bucket>[/<prefix>] of a configured S3 storage); files go to <path>/data-pipeline/export",
      body: { type: "object", properties: { path: { type: "string" } } },
    },
    async (request, reply, site) => {
      const path = await validateExportPath(request.body, ctx.config.allowedExportPathRoots);
      if (isS3Path(path)) await checkExportStorage(ctx, site, path);
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
