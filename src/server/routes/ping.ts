import type { FastifyInstance } from "fastify";

/** Anonymous liveness: `/ping` and the Data pipeline's `…/rest/datapipeline/{latest|1.0}/ping`. */
export function pingRoutes(app: FastifyInstance): void {
  const schema = { tags: ["Data pipeline"], summary: "Liveness (no token needed)", security: [] };
  app.get("/ping", { schema }, async () => ({ ping: "success" }));
  app.get("/rest/datapipeline/:version/ping", { schema: { ...schema, hide: true } }, async () => ({ ping: "success" }));
  app.get("/:site/rest/datapipeline/:version/ping", { schema }, async () => ({ ping: "success" }));
}

export function isPublicPath(url: string): boolean {
  const path = url.split("?", 1)[0] ?? "";
  return (
    path === "/ping" ||
    /^\/([^/]+\/)?rest\/datapipeline\/[^/]+\/ping$/.test(path) ||
    path === "/rest/openapi.json" ||
    path === "/rest/docs" ||
    path.startsWith("/rest/docs/") ||
    path === "/admin" ||
    path.startsWith("/admin/") ||
    /^\/[^/]+\/admin\/?$/.test(path) ||
    path === "/" ||
    path === "/favicon.ico"
  );
}
