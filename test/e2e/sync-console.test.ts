/**
 * A sync's skipped items in the console (issue 17), end to end: real headless Chromium against a real
 * Sluice server (built CLI, SQLite) whose new Bitbucket site syncs from a Bitbucket Data Center API
 * replayed on 127.0.0.1. Its one repository, PLAT/legacy, has only an ssh clone link, so the sync reads
 * its commits through the REST API and records it as skipped; the sites page shows that entry in the
 * site card's Skipped row as a warning, with its count, entity, reason and name — the API's own.
 * A screenshot goes to test-results/sync-console/. Any browser console error fails it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, ConsoleMessage } from "playwright-core";
import { chromiumPath, launchChromium } from "../support/chromium.js";
import { ReplayServer } from "../support/replay-server.js";
import { api, REPO_ROOT, startSluice, type SluiceProcess } from "../support/server.js";

const WAIT = { timeout: 15_000 };
const TIP = "a".repeat(40);

const page = (values: unknown[]) => ({ size: values.length, limit: 100, isLastPage: true, start: 0, values });

/** PLAT/legacy as the Data Center repository listing gives it: an ssh clone link only. */
const legacy = (base: string) => ({
  slug: "legacy",
  id: 3,
  name: "legacy",
  scmId: "git",
  state: "AVAILABLE",
  statusMessage: "Available",
  forkable: true,
  project: { key: "PLAT", id: 1, name: "Platform", type: "NORMAL" },
  public: false,
  links: {
    clone: [{ href: "ssh://git@127.0.0.1:7999/plat/legacy.git", name: "ssh" }],
    self: [{ href: `${base}/projects/PLAT/repos/legacy/browse` }],
  },
});

const commit = {
  id: TIP,
  displayId: TIP.slice(0, 7),
  author: { name: "jo", emailAddress: "jo@acme.com" },
  authorTimestamp: Date.UTC(2026, 0, 10),
  committer: { name: "jo", emailAddress: "jo@acme.com" },
  committerTimestamp: Date.UTC(2026, 0, 10),
  message: "legacy main",
  parents: [],
};

const vendor = new ReplayServer();
let sluice: SluiceProcess | undefined;
let browser: Browser | undefined;

// Installing Debian's chromium (first run on a fresh machine only) can take minutes.
before(() => void chromiumPath(), { timeout: 600_000 });
after(async () => {
  await browser?.close();
  await sluice?.stop();
  await sluice?.cleanup();
  await vendor.stop();
});

test("sync console: a repository the sync could not clone shows as a Skipped warning with its count, reason and name", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(join(REPO_ROOT, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(REPO_ROOT, "test-results", "sync-console");
  await mkdir(shots, { recursive: true });

  const base = await vendor.start();
  vendor.handle((req) => {
    const p = req.path;
    if (p === "/rest/api/1.0/users") return { status: 200, body: page([{ name: "jo", emailAddress: "jo@acme.com", id: 1, displayName: "Jo Park", active: true, slug: "jo", type: "NORMAL" }]) };
    if (p === "/rest/api/1.0/repos") return { status: 200, body: page([legacy(base)]) };
    if (p.endsWith("/pull-requests")) return { status: 200, body: page([]) };
    const repo = "/rest/api/1.0/projects/PLAT/repos/legacy";
    if (p === `${repo}/branches`) return { status: 200, body: page([{ id: "refs/heads/main", displayId: "main", type: "BRANCH", latestCommit: TIP, latestChangeset: TIP, isDefault: true }]) };
    if (p === `${repo}/tags`) return { status: 200, body: page([]) };
    if (p === `${repo}/commits`) return { status: 200, body: page([commit]) };
    return undefined;
  });

  sluice = await startSluice({ env: { SLUICE_SECRET_BB_E2E: "bb-e2e-token" } });
  const created = await api(sluice, "POST", "/rest/admin/v1/sites", { product: "bitbucket", contextPath: "/bb-legacy" });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const site = `/rest/admin/v1/sites/${created.json.key as string}`;
  const source = { kind: "bitbucket-dc", url: base, tokenEnv: "SLUICE_SECRET_BB_E2E", requestsPerSecond: 0 };
  const put = await api(sluice, "PUT", `${site}/source`, source);
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const started = await api(sluice, "POST", `${site}/syncs`);
  assert.equal(started.status, 202, JSON.stringify(started.json));

  // The sync, through the API: it succeeds and records PLAT/legacy as skipped.
  type Run = { status: string; skipped?: { entity: string; reason: string; count: number; names: string[] }[] };
  let run: Run | undefined;
  for (const end = Date.now() + 30_000; !run; ) {
    const status = (await api(sluice, "GET", `${site}/syncs`)).json as { running: boolean; current: Run | null };
    if (!status.running && status.current) run = status.current;
    else {
      assert.ok(Date.now() < end, `the sync did not finish within 30 s: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.equal(run.status, "SUCCEEDED", `${JSON.stringify(run)}\nunanswered: ${vendor.unmatched.join(", ")}`);
  const skipped = run.skipped ?? [];
  assert.equal(skipped.length, 1, JSON.stringify(skipped));
  const entry = skipped[0]!;
  assert.deepEqual([entry.entity, entry.count], ["repositories", 1]);
  assert.match(entry.reason, /^not cloned: it has no http\(s\) clone link; commits were read through the REST API/);
  assert.match(entry.names[0] ?? "", /^PLAT\/legacy \(/);

  // The console: signed in, the site's card shows the entry as a warning, in the API's words.
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error") errors.push(`${message.text()} (${message.location().url})`);
  });
  tab.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  await tab.goto(`${sluice.baseUrl}/admin/`);
  await tab.getByLabel("Personal access token").fill(sluice.token);
  await tab.keyboard.press("Enter");
  await tab.getByRole("heading", { name: "Sites", level: 1 }).waitFor(WAIT);

  const card = tab.getByRole("article", { name: /\/bb-legacy/ });
  const list = card.getByRole("list", { name: "Items the source named but did not give" });
  await list.waitFor(WAIT);
  const row = list.locator("xpath=..");
  assert.equal((await row.locator(".label").textContent())?.trim(), "Skipped");
  const items = list.getByRole("listitem");
  assert.equal(await items.count(), 1);
  assert.equal(await items.first().getAttribute("class"), "warning");
  const text = String(await items.first().textContent());
  assert.ok(text.startsWith(`1 repository: ${entry.reason}`), `the skipped item reads: ${text}`);
  assert.ok(text.includes(`(${entry.names[0]!})`), `the skipped item names PLAT/legacy: ${text}`);
  await card.screenshot({ path: join(shots, "skipped.png") });

  assert.deepEqual(errors, [], "browser console errors");
  await context.close();
});
