/**
 * The admin web console: the Vite build in `web/dist`, served at `/admin` as a single-page app.
 * Assets are public; the console itself calls the HTTP API with the user's token. Any `/admin/…` path
 * that is not a file answers with `index.html` (client-side routes); a missing `/admin/assets/…` file is a
 * 404. `<context path>/admin` redirects to that site's page. Without a build, `/admin` explains how to
 * make one.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

export interface ConsoleOptions {
  /** The console build (`web/dist`); `web/` is accepted too and means its `dist/`. */
  webRoot: string;
}

const PREFIX = "/admin";

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice admin: not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The admin console is not built</h1>
<p>This server has no console build (web/dist). Run <code>npm run build</code> in the Sluice folder, then restart the server.</p>
<p>The HTTP API works without it.</p>
</body></html>
`;

/** The folder holding the built console's `index.html`, or null when there is no build. */
export function consoleBuildDir(webRoot: string): string | null {
  for (const dir of [join(webRoot, "dist"), webRoot]) {
    // web/ itself holds the Vite source index.html: never serve that.
    if (existsSync(join(dir, "index.html")) && !existsSync(join(dir, "vite.config.ts"))) return resolve(dir);
  }
  return null;
}

/** A file inside `root` named by a URL path, or null (missing, a folder, or outside the root). */
function fileIn(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const full = resolve(root, `.${sep}${decoded}`);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? full.slice(root.length + 1) : null;
  } catch {
    return null;
  }
}

function sendIndex(reply: FastifyReply): FastifyReply {
  reply.headers({ ...SECURITY_HEADERS, "cache-control": "no-cache" });
  return reply.sendFile("index.html");
}

export async function registerConsole(app: FastifyInstance, opts: ConsoleOptions): Promise<void> {
  const root = consoleBuildDir(opts.webRoot);
  const routeOpts = { schema: { hide: true } };

  // Each site's own console address, `<context path>/admin`, opens its Data pipeline page.
  const toSite = async (request: { params: unknown }, reply: FastifyReply) => {
    const site = (request.params as { site: string }).site;
    return reply.redirect(`${PREFIX}/sites/${encodeURIComponent(site)}`, 302);
  };
  app.get("/:site/admin", routeOpts, toSite);

  if (!root) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.code(503).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-store").send(NOT_BUILT);
    app.get(PREFIX, routeOpts, notBuilt);
    app.get(`${PREFIX}/*`, routeOpts, notBuilt);
    return;
  }

  await app.register(async (scope) => {
    // `serve: false`: only `reply.sendFile` (scoped to this plugin); the routes below decide what to send.
    await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, index: false });

    // With `ignoreTrailingSlash` this route also answers `/admin/`: only the bare `/admin` redirects.
    scope.get(PREFIX, routeOpts, async (request, reply) => {
      const path = request.url.split("?", 1)[0] ?? "";
      return path.endsWith("/") ? sendIndex(reply) : reply.redirect(`${PREFIX}/`, 302);
    });

    scope.get(`${PREFIX}/*`, routeOpts, async (request, reply) => {
      const rest = (request.params as { "*": string })["*"];
      const path = rest.split("?")[0] ?? "";
      const file = path === "" ? null : fileIn(root, path);
      if (file === "index.html") return sendIndex(reply);
      if (file) {
        // Vite names built assets by content hash: cache them for good.
        const immutable = file.startsWith(`assets${sep}`);
        reply.header("x-content-type-options", "nosniff");
        reply.header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
        return reply.sendFile(file);
      }
      if (path.startsWith("assets/")) return reply.callNotFound();
      return sendIndex(reply);
    });
  });
}
