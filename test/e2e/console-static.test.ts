/**
 * The console's static serving (src/server/routes/console.ts), in process: files, SPA fallback,
 * cache headers, traversal, and the 503 page when there is no build.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { registerConsole } from "../../src/server/routes/console.js";

async function withBuild(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-console-"));
  try {
    await mkdir(join(dir, "dist", "assets"), { recursive: true });
    await writeFile(join(dir, "dist", "index.html"), "<!doctype html><title>console</title>");
    await writeFile(join(dir, "dist", "assets", "index-abc.js"), "console.log(1)");
    await writeFile(join(dir, "secret.txt"), "no");
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const ignoreTrailingSlash of [false, true]) test(`console: serves index.html for /admin/ and client routes, assets with long cache (ignoreTrailingSlash ${ignoreTrailingSlash})`, async () => {
  await withBuild(async (dir) => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash } });
    await registerConsole(app, { webRoot: join(dir, "dist") });
    try {
      const redirect = await app.inject({ url: "/admin" });
      assert.equal(redirect.statusCode, 302);
      assert.equal(redirect.headers.location, "/admin/");

      for (const url of ["/admin/", "/admin/sites/wiki", "/admin/sites/wiki/jobs/3", "/admin/index.html"]) {
        const page = await app.inject({ url });
        assert.equal(page.statusCode, 200, url);
        assert.match(page.body, /<title>console<\/title>/, url);
        assert.equal(page.headers["cache-control"], "no-cache", url);
        assert.match(String(page.headers["content-security-policy"]), /default-src 'self'/, url);
      }

      const asset = await app.inject({ url: "/admin/assets/index-abc.js" });
      assert.equal(asset.statusCode, 200);
      assert.equal(asset.body, "console.log(1)");
      assert.match(String(asset.headers["content-type"]), /javascript/);
      assert.match(String(asset.headers["cache-control"]), /immutable/);

      const site = await app.inject({ url: "/wiki/admin" });
      assert.equal(site.statusCode, 302);
      assert.equal(site.headers.location, "/admin/sites/wiki");

      const missing = await app.inject({ url: "/admin/assets/nope.js" });
      assert.equal(missing.statusCode, 404);

      const traversal = await app.inject({ url: "/admin/..%2fsecret.txt" });
      assert.notEqual(traversal.body, "no");
    } finally {
      await app.close();
    }
  });
});

test("console: accepts the web folder itself as the root, never serving its source index.html", async () => {
  await withBuild(async (dir) => {
    await writeFile(join(dir, "index.html"), "<!doctype html><title>source</title>");
    await writeFile(join(dir, "vite.config.ts"), "export default {}");
    const app = Fastify();
    await registerConsole(app, { webRoot: dir });
    try {
      const page = await app.inject({ url: "/admin/" });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<title>console<\/title>/);
    } finally {
      await app.close();
    }
  });
});

test("console: without a build, /admin answers 503 saying to run npm run build", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-console-"));
  // The source folder alone (index.html + vite.config.ts, no dist/) is not a build.
  await writeFile(join(dir, "index.html"), "<!doctype html><title>source</title>");
  await writeFile(join(dir, "vite.config.ts"), "export default {}");
  const app = Fastify();
  try {
    await registerConsole(app, { webRoot: dir });
    for (const url of ["/admin", "/admin/", "/admin/sites/wiki"]) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 503, url);
      assert.match(response.body, /npm run build/);
    }
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
