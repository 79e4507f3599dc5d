/** The console build (web/dist, made by `npm run build`): small, and every asset served by Sluice. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

function webDist(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "web", "vite.config.ts"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find web/ above the test");
    dir = parent;
  }
  return join(dir, "web", "dist");
}

test("console bundle: under 500 KB gzipped, no asset from another host", async () => {
  const dist = webDist();
  assert.ok(existsSync(join(dist, "index.html")), "web/dist is missing: run `npm run build` first");
  const html = await readFile(join(dist, "index.html"), "utf8");
  for (const match of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
    const url = match[1] ?? "";
    assert.ok(url.startsWith("/admin/") || url.startsWith("data:"), `index.html loads ${url} from outside /admin/`);
    if (url.startsWith("/admin/")) assert.ok(existsSync(join(dist, url.slice("/admin/".length))), `${url} is not in web/dist`);
  }
  let gzipped = 0;
  for (const name of await readdir(join(dist, "assets"))) {
    const body = await readFile(join(dist, "assets", name));
    if (name.endsWith(".css")) assert.doesNotMatch(body.toString("utf8"), /url\(\s*["']?(https?:)?\/\//, `${name} loads from another host`);
    gzipped += gzipSync(body, { level: 9 }).length;
  }
  assert.ok(gzipped < 500 * 1024, `the console's assets are ${Math.round(gzipped / 1024)} KB gzipped (limit 500 KB)`);
});
