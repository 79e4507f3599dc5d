/**
 * The admin console end to end: real headless Chromium against a real Sluice server (built CLI, demo
 * sites, export throttled to 200 rows/s so that an export can be cancelled). One scenario, in order:
 * sign in, start an export on /wiki and watch it complete, open its details, cancel a second one, set
 * and clear the export path (one invalid path first), save a schedule and see its next run, opt a space
 * out and check the next export's files leave it out; then the Jobs page: every job listed, a running
 * export's progress advancing and cancelled from there, a failed sync's error and details, the
 * schedules with their next runs, filters kept in the address. Screenshots of each page go to test-results/,
 * and the data pipeline page to docs/images/data-pipeline.png (when missing, or with
 * SLUICE_UPDATE_DOCS_IMAGES=1). Any browser console error fails it.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { chromiumPath, launchChromium } from "../support/chromium.js";
import { api, startSluice } from "../support/server.js";

const WAIT = { timeout: 30_000 };

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "web"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (package.json beside web/)");
    dir = parent;
  }
  return dir;
}

/** `datetime-local` input value (the browser runs in this process's zone) for `days` ago. */
function localInputDaysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * Browser console errors, except the "Failed to load resource" line Chromium logs for an HTTP error
 * response that the scenario provokes on purpose (wrong token, invalid export path).
 */
class ConsoleWatch {
  readonly errors: string[] = [];
  private readonly expected: { status: number; url: string }[] = [];

  attach(page: Page): void {
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() !== "error") return;
      const text = message.text();
      const url = message.location().url;
      const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(text)?.[1];
      if (status && this.expected.some((e) => e.status === Number(status) && url.includes(e.url))) return;
      this.errors.push(`${text} (${url})`);
    });
    page.on("pageerror", (error) => this.errors.push(`page error: ${error.message}`));
  }

  /** The next requests to `url` may answer `status`. */
  allow(status: number, url: string): void {
    this.expected.push({ status, url });
  }
}

async function csvRows(file: string): Promise<string[][]> {
  const rows: string[][] = parse(await readFile(file, "utf8"), { relax_column_count: false });
  return rows;
}

async function entityFile(dir: string, entity: string): Promise<string> {
  const name = (await readdir(dir)).find((f) => f.startsWith(`${entity}_job`) && f.endsWith(".csv"));
  assert.ok(name, `no ${entity} file in ${dir}`);
  return join(dir, name);
}

/** Space keys in a Confluence spaces file, and in the pages file's space_key column. */
async function spaceKeys(dir: string): Promise<{ spaces: string[]; pageSpaces: string[] }> {
  const [spacesHeader, ...spaces] = await csvRows(await entityFile(dir, "spaces"));
  const [pagesHeader, ...pages] = await csvRows(await entityFile(dir, "pages"));
  const spaceKey = spacesHeader?.indexOf("space_key") ?? -1;
  const pageSpaceKey = pagesHeader?.indexOf("space_key") ?? -1;
  assert.ok(spaceKey >= 0 && pageSpaceKey >= 0, "space_key column missing");
  return { spaces: spaces.map((r) => r[spaceKey] ?? ""), pageSpaces: pages.map((r) => r[pageSpaceKey] ?? "") };
}

async function waitForStatus(page: Page, name: string, timeout = 60_000): Promise<void> {
  await page.getByTestId("export-status").getByText(name, { exact: true }).waitFor({ timeout });
}

/** The text of each cell of job `id`'s row on the Jobs page: job, kind, site, number, status, node, started, duration, progress. */
async function jobCells(page: Page, id: number): Promise<string[]> {
  const row = page.getByTestId("jobs").locator(`tr[data-job-id="${id}"]`);
  await row.waitFor(WAIT);
  return (await row.locator("> th, > td").allTextContents()).map((t) => t.trim());
}

/** Waits until `read` gives a value that `ok` accepts (a DOM value that changes with polling). */
async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeout = 15_000): Promise<T> {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// Installing Debian's chromium (first run on a fresh machine only) can take minutes.
before(() => void chromiumPath(), { timeout: 600_000 });

test("console: sign in, export, details, cancel, export path, schedule, opt-out, jobs", { timeout: 150_000 }, async (t) => {
  const root = repoRoot();
  assert.ok(existsSync(join(root, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(root, "test-results", "console");
  await mkdir(shots, { recursive: true });
  await mkdir(join(root, "docs", "images"), { recursive: true });
  const customDir = await mkdtemp(join(tmpdir(), "sluice-console-path-"));

  const sluice = await startSluice({ env: { SLUICE_EXPORT_ROWS_PER_SECOND: "200" } });
  let browser: Browser | undefined;
  try {
    const probe = await fetch(`${sluice.baseUrl}/admin/`);
    if (probe.status === 404) {
      // The console route is registered by the CLI's `start`; until it is, there is nothing to drive.
      t.skip("`sluice start` does not serve /admin yet: registerConsole (src/server/routes/console.ts) is not wired in");
      return;
    }
    assert.equal(probe.status, 200, `GET /admin/ answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const watch = new ConsoleWatch();
    watch.attach(page);
    const requestedUrls: string[] = [];
    page.on("request", (request) => requestedUrls.push(request.url()));
    const exportRoot = join(sluice.home, "shared", "data-pipeline", "export");

    // Sign in: a wrong token is refused next to the field, the right one opens the sites overview.
    await page.goto(`${sluice.baseUrl}/admin/`);
    await page.getByLabel("Personal access token").waitFor(WAIT);
    watch.allow(401, "/rest/admin/v1/myself");
    await page.getByLabel("Personal access token").fill("sluice_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#token-error", { hasText: "not accepted" }).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "01-sign-in.png") });
    await page.getByLabel("Personal access token").fill(sluice.token);
    await page.keyboard.press("Enter");

    // Sites overview.
    await page.getByRole("heading", { name: "Sites", level: 1 }).waitFor(WAIT);
    for (const path of ["/jira", "/wiki", "/bitbucket"]) {
      await page.getByRole("heading", { level: 2, name: new RegExp(path) }).waitFor(WAIT);
    }
    await page.getByRole("article", { name: /\/wiki/ }).getByText("pages").waitFor(WAIT);
    await page.screenshot({ path: join(shots, "02-sites.png"), fullPage: true });

    // Data pipeline of /wiki: nothing exported yet.
    await page.getByRole("link", { name: /Confluence \/wiki/ }).click();
    await page.getByRole("heading", { name: "Data pipeline", level: 1 }).waitFor(WAIT);
    await waitForStatus(page, "Not started");
    await page.getByText("No exports yet.").waitFor(WAIT);
    await page.screenshot({ path: join(shots, "03-pipeline-empty.png"), fullPage: true });

    // Export 1: the last week's changes (date picker), watched to completion.
    await page.getByLabel("Export data changed since").fill(localInputDaysAgo(7));
    await page.getByRole("button", { name: "Start export" }).click();
    await waitForStatus(page, "Completed");
    const history = page.getByTestId("history");
    await history.getByRole("link", { name: "Job 1" }).waitFor(WAIT);
    // Its details: files with rows, sizes, sha256, and where they are.
    await page.getByRole("link", { name: "Job 1 details" }).click();
    await page.getByRole("heading", { name: /Export job 1/, level: 1 }).waitFor(WAIT);
    const files = page.getByTestId("job-files");
    await files.waitFor(WAIT);
    // Where the files are, as the page says: <root export path>/<jobId>/, under the Sluice home.
    const job1Dir = String(await page.getByTestId("job-directory").textContent()).replace(/\/$/, "");
    assert.ok(job1Dir.startsWith(`${exportRoot}/`) && job1Dir.endsWith("/1"), `unexpected job directory ${job1Dir}`);
    const job1Spaces = await spaceKeys(job1Dir);
    assert.ok(job1Spaces.spaces.includes("ENG"), "the first export should include the ENG space");
    const onDisk = (await readdir(job1Dir)).filter((f) => f.endsWith(".csv"));
    assert.equal(onDisk.length, 5, `5 CSV files expected in ${job1Dir}`);
    for (const name of onDisk) await files.getByText(name, { exact: true }).waitFor(WAIT);
    assert.equal(await files.locator("tbody tr").count(), 5);
    assert.match(String(await files.locator("td.hash").first().textContent()), /^[0-9a-f]{64}$/);
    await page.screenshot({ path: join(shots, "04-job-details.png"), fullPage: true });

    // Export 2 (the last 365 days, ~20 s at 200 rows/s): live progress, then cancel with confirmation.
    await page.getByRole("link", { name: /data pipeline/ }).click();
    await page.getByRole("heading", { name: "Data pipeline", level: 1 }).waitFor(WAIT);
    await page.getByRole("button", { name: "Start export" }).click();
    await waitForStatus(page, "Started");
    const live = page.getByTestId("live-progress");
    await live.getByText(/rows\/s/).waitFor(WAIT);
    await live.getByRole("cell", { name: /_job2_/ }).first().waitFor(WAIT);
    await page.screenshot({ path: join(shots, "05-export-running.png"), fullPage: true });
    await page.getByRole("button", { name: "Cancel export" }).click();
    const dialog = page.getByRole("dialog", { name: /Cancel export job 2/ });
    await dialog.waitFor(WAIT);
    await page.keyboard.press("Escape"); // Escape keeps it running
    await dialog.waitFor({ state: "hidden", ...WAIT });
    await waitForStatus(page, "Started");
    await page.getByRole("button", { name: "Cancel export" }).click();
    await dialog.waitFor(WAIT);
    await page.screenshot({ path: join(shots, "06-cancel-confirm.png") });
    await dialog.getByRole("button", { name: "Cancel export" }).click();
    await waitForStatus(page, "Cancelled");
    await history.getByRole("link", { name: "Job 2" }).waitFor(WAIT);

    // Export path: a relative path is refused next to the field; a custom one is set, then cleared.
    await page.getByTestId("root-export-path").filter({ hasText: exportRoot }).waitFor(WAIT);
    const defaultRoot = String(await page.getByTestId("root-export-path").textContent());
    assert.equal(defaultRoot, dirname(job1Dir));
    watch.allow(400, "/config/export-path");
    await page.getByLabel("New directory").fill("relative/exports");
    await page.getByRole("button", { name: "Save path" }).click();
    await page.locator("#export-path-error", { hasText: /absolute/ }).waitFor(WAIT);
    assert.equal(await page.getByLabel("New directory").getAttribute("aria-invalid"), "true");
    await page.screenshot({ path: join(shots, "07-export-path-error.png"), fullPage: true });
    await page.getByLabel("New directory").fill(customDir);
    await page.getByRole("button", { name: "Save path" }).click();
    await page.getByTestId("root-export-path").filter({ hasText: customDir }).waitFor(WAIT);
    assert.ok(String(await page.getByTestId("root-export-path").textContent()).startsWith(join(customDir, "data-pipeline", "export")));
    assert.equal(await page.locator("#export-path-error").count(), 0);
    await page.getByRole("button", { name: "Use the default path" }).click();
    await page.getByTestId("root-export-path").filter({ hasText: exportRoot }).waitFor(WAIT);
    assert.equal(await page.getByTestId("root-export-path").textContent(), defaultRoot);

    // Schedule: Monday and Wednesday at 02:30, every week; the next run shows; then removed again.
    const schedule = page.getByRole("region", { name: "Schedule" });
    await schedule.getByText("No schedule").waitFor(WAIT);
    await schedule.getByLabel("Mon").check();
    await schedule.getByLabel("Wed").check();
    await schedule.getByLabel("Every N weeks").fill("1");
    await schedule.getByLabel("Time (server zone)").fill("02:30");
    await schedule.getByRole("button", { name: "Save schedule" }).click();
    await page.getByTestId("next-run").filter({ hasText: /\d{4}-\d{2}-\d{2} 02:30/ }).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "08-schedule.png"), fullPage: true });
    await schedule.getByRole("button", { name: "Remove schedule" }).click();
    await schedule.getByText("No schedule").waitFor(WAIT);

    // Opt-out: find ENG, leave it out.
    const optOut = page.getByRole("region", { name: "Opted-out spaces" });
    await optOut.getByLabel("Find a space").fill("ENG");
    await optOut.getByRole("button", { name: "Opt out ENG" }).click();
    await optOut.getByRole("button", { name: "Include ENG again" }).waitFor(WAIT);

    // Export 3: ENG and its pages are not in the files.
    await page.getByLabel("Export data changed since").fill(localInputDaysAgo(7));
    await page.getByRole("button", { name: "Start export" }).click();
    await waitForStatus(page, "Completed");
    await page.getByRole("link", { name: "Job 3 details" }).click();
    await page.getByRole("heading", { name: /Export job 3/, level: 1 }).waitFor(WAIT);
    await page.getByTestId("job-files").waitFor(WAIT);
    const job3 = await spaceKeys(join(defaultRoot, "3"));
    assert.ok(job3.spaces.length > 0, "the spaces file should keep the other spaces");
    assert.ok(!job3.spaces.includes("ENG"), "ENG was opted out but is in the spaces file");
    assert.ok(!job3.pageSpaces.includes("ENG"), "ENG was opted out but its pages are in the pages file");
    await page.getByRole("region", { name: "Configuration" }).getByText("ENG", { exact: true }).waitFor(WAIT);
    await page.getByRole("link", { name: /data pipeline/ }).click();

    // The page as it looks after a few exports: history, chart, settings (reloaded: session survives).
    await page.reload();
    await page.getByRole("heading", { name: "Data pipeline", level: 1 }).waitFor(WAIT);
    await waitForStatus(page, "Completed");
    await page.getByRole("img", { name: /Rows per entity/ }).waitFor(WAIT);
    await page.getByTestId("history").getByRole("link", { name: "Job 3" }).waitFor(WAIT);
    await page.getByRole("button", { name: "Include ENG again" }).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "09-data-pipeline.png"), fullPage: true });
    // The README's picture: written when missing, or refreshed with SLUICE_UPDATE_DOCS_IMAGES=1.
    const docsImage = join(root, "docs", "images", "data-pipeline.png");
    if (!existsSync(docsImage) || process.env.SLUICE_UPDATE_DOCS_IMAGES === "1") {
      await page.screenshot({ path: docsImage, fullPage: true });
    }

    // A narrow window: everything stacks, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("heading", { name: "Data pipeline", level: 1 }).waitFor(WAIT);
    const fits = await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth");
    assert.equal(fits, true, "the page scrolls sideways at 390 px");
    await page.screenshot({ path: join(shots, "10-data-pipeline-narrow.png"), fullPage: true });

    await page.setViewportSize({ width: 1280, height: 800 });

    // Jobs. The /wiki schedule again (removed above), for the schedules beside the jobs; and a source
    // that cannot sync (its token's variable is not set), giving /jira a failed sync and a sync schedule.
    await schedule.getByLabel("Mon").check();
    await schedule.getByLabel("Wed").check();
    await schedule.getByLabel("Time (server zone)").fill("02:30");
    await schedule.getByRole("button", { name: "Save schedule" }).click();
    await page.getByTestId("next-run").filter({ hasText: /\d{4}-\d{2}-\d{2} 02:30/ }).waitFor(WAIT);
    const source = { kind: "jira-dc", url: "http://127.0.0.1:9", tokenEnv: "SLUICE_SECRET_E2E_UNSET" };
    assert.equal((await api(sluice, "PUT", "/rest/admin/v1/sites/jira/source", source)).status, 200);
    assert.equal((await api(sluice, "POST", "/rest/admin/v1/sites/jira/syncs")).status, 202);
    // Export 4 (the last 365 days, throttled like export 2), to watch and cancel from the Jobs page.
    await page.getByRole("button", { name: "Start export" }).click();
    await waitForStatus(page, "Started");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, "/admin/jobs");
    // Jobs 1–3 are /wiki's exports 1–3, job 4 the sync, job 5 export 4; newest first.
    const jobs = page.getByTestId("jobs");
    for (const [id, status] of [[1, "Completed"], [2, "Cancelled"], [3, "Completed"]] as const) {
      const cells = await jobCells(page, id);
      assert.deepEqual(cells.slice(0, 5), [`Job ${id}`, "export", "/wiki", String(id), status], `job ${id}: ${cells.join(" | ")}`);
    }
    const ids = await jobs.locator("tbody tr[data-job-id]").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-job-id"))));
    assert.deepEqual(ids, [5, 4, 3, 2, 1], "newest first");
    const sync = await until(() => jobCells(page, 4), (c) => c[4] === "Failed", "the sync to fail");
    assert.deepEqual(sync.slice(1, 4), ["sync", "/jira", "1"]);
    assert.match(sync[8] ?? "", /SLUICE_SECRET_E2E_UNSET/, "a failed job shows its first error");
    // The running export: a progress bar that advances, with done/total, rate and ETA.
    const bar = jobs.locator('tr[data-job-id="5"]').getByRole("progressbar", { name: "Progress of job 5" });
    await bar.waitFor(WAIT);
    const first = Number(await bar.getAttribute("value"));
    await until(async () => Number(await bar.getAttribute("value")), (v) => v > first, "the progress bar to advance");
    assert.match((await jobCells(page, 5))[8] ?? "", /[\d,]+\/[\d,]+ rows · [\d.,]+ rows\/s · ETA/);
    assert.match(String(await page.getByTestId("jobs-summary").textContent()), /1 active/);
    await page.screenshot({ path: join(shots, "jobs.png"), fullPage: true });
    // Cancelled from its row, after confirming.
    await jobs.getByRole("button", { name: "Cancel job 5" }).click();
    const cancelDialog = page.getByRole("dialog", { name: "Cancel export job 5?" });
    await cancelDialog.waitFor(WAIT);
    await cancelDialog.getByRole("button", { name: "Cancel job" }).click();
    await until(async () => (await jobCells(page, 5))[4], (s) => s === "Cancelled", "export 4 to be cancelled");
    assert.equal(await jobs.getByRole("button", { name: /Cancel job/ }).count(), 0);
    // A job of another kind opens its details: params, result, errors.
    await jobs.getByRole("button", { name: "Job 4" }).click();
    const details = page.getByRole("region", { name: "Job 4 details" });
    await details.getByRole("heading", { name: "Params" }).waitFor(WAIT);
    assert.match(String(await details.locator("pre.json").first().textContent()), /"full": false/);
    await details.getByText(/SLUICE_SECRET_E2E_UNSET/).first().waitFor(WAIT);
    // Schedules: /wiki's data-pipeline with its next five runs; the sync's Run now makes job 6.
    const schedules = page.getByRole("region", { name: "Schedules" });
    const pipelineSchedule = schedules.locator("tbody tr", { hasText: "data-pipeline" });
    const scheduleCells = (await pipelineSchedule.locator("> th, > td").allTextContents()).map((t) => t.trim());
    assert.deepEqual(scheduleCells.slice(0, 3), ["/wiki", "export", "data-pipeline"]);
    assert.match(scheduleCells[3] ?? "", /Monday and Wednesday at 02:30/);
    await pipelineSchedule.getByText("Next 5 runs").click();
    const runs = await pipelineSchedule.locator(".next-runs li").allTextContents();
    assert.equal(runs.length, 5);
    for (const run of runs) assert.match(run, /^\d{4}-\d{2}-\d{2} 02:30/);
    await schedules.getByRole("button", { name: "Run now sync source of /jira" }).click();
    await schedules.getByText("Schedule source started job 6.").waitFor(WAIT);
    assert.deepEqual((await jobCells(page, 6)).slice(1, 4), ["sync", "/jira", "2"]);
    // Filters: kind export, then status Cancelled; kept in the address, and by a reload.
    await page.getByLabel("Kind").selectOption("export");
    await jobs.locator('tr[data-job-id="6"]').waitFor({ state: "detached", ...WAIT });
    await page.getByLabel("Status").selectOption("CANCELLED");
    await page.getByTestId("jobs-summary").filter({ hasText: "Jobs 1–2 of 2" }).waitFor(WAIT);
    assert.equal(new URL(page.url()).search, "?kind=export&status=CANCELLED");
    await page.reload();
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor(WAIT);
    await page.getByTestId("jobs-summary").filter({ hasText: "Jobs 1–2 of 2" }).waitFor(WAIT);
    assert.equal(await page.getByLabel("Kind").inputValue(), "export");
    assert.equal(await page.getByLabel("Status").inputValue(), "CANCELLED");
    assert.deepEqual(await jobs.locator("tbody tr[data-job-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-job-id"))), ["5", "2"]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, "jobs-narrow.png"), fullPage: true });
    const jobsFit = await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth");
    assert.equal(jobsFit, true, "the Jobs page scrolls sideways at 390 px");
    await page.setViewportSize({ width: 1280, height: 800 });

    // Sign out: back to the sign-in form, and the token was never part of a URL.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Personal access token").waitFor(WAIT);
    assert.equal(await page.evaluate("sessionStorage.length"), 0);
    assert.deepEqual(
      requestedUrls.filter((u) => u.includes(sluice.token)),
      [],
      "the token appeared in a URL",
    );

    assert.deepEqual(watch.errors, [], "browser console errors");
    await context.close();
  } finally {
    await browser?.close();
    await sluice.stop();
    await sluice.cleanup();
    await rm(customDir, { recursive: true, force: true });
  }
});
