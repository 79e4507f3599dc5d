/**
 * Scheduled reports in the console, end to end: real headless Chromium against a real Sluice server
 * (built CLI, demo sites). Sign in, make a report of /jira issues (columns ticked from the entity's
 * own, a JQL filter; a broken JQL is refused in words), preview its rows — the same as the API's —
 * and save it; schedule it weekly with an API and a download-link delivery and see its next five
 * Mondays; Execute now and watch the run succeed in the history, the link download the file; add a
 * webhook that cannot be reached, see that delivery fail and Re-send it; pause and resume from the
 * list, and neither page scrolls sideways in a narrow window; a report of a saved SQL query previews
 * and is renamed; another person "saves as" a copy of the report. The report page goes to
 * docs/images/reports-console.png (when missing, or with SLUICE_UPDATE_DOCS_IMAGES=1), every step to
 * test-results/reports-console/. Any unexpected browser console error fails it.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { chromiumPath, launchChromium } from "../support/chromium.js";
import { api, BIN, REPO_ROOT, startSluice } from "../support/server.js";

const WAIT = { timeout: 15_000 };
const NAME = "Open PLAT issues";
const JQL = "project = PLAT ORDER BY key";
/** A demo user of /jira without admin rights. */
const PERSON = "mrossi";
/** A run time as the console shows it: a Monday at 08:00 in Berlin. */
const MONDAY_8 = /^Mon (\d{4}-\d{2}-\d{2}) 08:00 \+0[12]:00$/;

/** Browser console errors, except "Failed to load resource" for the HTTP errors the scenario provokes. */
function watchConsole(page: Page, allowed: { status: number; url: string }[]): string[] {
  const errors: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() !== "error") return;
    const text = message.text();
    const url = message.location().url;
    const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(text)?.[1];
    if (status && allowed.some((a) => a.status === Number(status) && url.includes(a.url))) return;
    errors.push(`${text} (${url})`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

async function signIn(page: Page, baseUrl: string, token: string, heading: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/`);
  await page.getByLabel("Personal access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor(WAIT);
}

// Installing Debian's chromium (first run on a fresh machine only) can take minutes.
before(() => void chromiumPath(), { timeout: 600_000 });

test("reports: make, preview, schedule, execute, re-send, pause and resume, save as", { timeout: 120_000 }, async () => {
  const root = REPO_ROOT;
  assert.ok(existsSync(join(root, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(root, "test-results", "reports-console");
  await mkdir(shots, { recursive: true });
  await mkdir(join(root, "docs", "images"), { recursive: true });

  // One attempt per delivery: the unreachable webhook fails at once instead of after two back-offs.
  const home = await mkdtemp(join(tmpdir(), "sluice-reports-"));
  await writeFile(join(home, "sluice.config.json"), JSON.stringify({ delivery: { attempts: 1 } }));
  const sluice = await startSluice({ home });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The broken JQL is refused on purpose.
    const errors = watchConsole(page, [{ status: 400, url: "/rest/reports/v1/preview" }]);
    await signIn(page, sluice.baseUrl, sluice.token, "Sites");

    // The reports list, through the main navigation: nothing yet.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor(WAIT);
    await page.getByText("No reports yet.").waitFor(WAIT);

    // A new report of /jira issues: three columns ticked from the entity's own, in the order ticked.
    await page.getByRole("link", { name: "New report" }).click();
    await page.getByRole("heading", { name: "New report", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, "/admin/reports/new");
    await page.getByLabel("Name", { exact: true }).fill(NAME);
    await page.getByLabel("Site", { exact: true }).selectOption("/jira");
    await page.getByLabel("Entity", { exact: true }).fill("issues");
    for (const column of ["key", "summary", "status"]) await page.getByRole("checkbox", { name: `${column} string`, exact: true }).check(WAIT);
    assert.equal(await page.getByLabel("Columns", { exact: true }).inputValue(), "key, summary, status");

    // A broken JQL: the preview is refused, the message names the field, the text stays.
    const jql = page.getByLabel("JQL", { exact: true });
    await jql.fill("project = PLAT AND");
    await page.getByRole("button", { name: "Preview" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "The preview was refused:" });
    await refused.waitFor(WAIT);
    assert.match(String(await refused.textContent()), /JQL: /);
    assert.equal(await jql.getAttribute("aria-invalid"), "true");
    assert.equal(await jql.inputValue(), "project = PLAT AND");

    // The preview: the first rows, the same as the API's own answer.
    await jql.fill(JQL);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByTestId("preview-status").getByText("The first 20 rows.").waitFor(WAIT);
    const preview = page.getByRole("table", { name: "Report preview" });
    assert.deepEqual((await preview.locator("thead th").allTextContents()).map((t) => t.trim()), ["key string", "summary string", "status string"]);
    const expected = await api(sluice, "POST", "/rest/reports/v1/preview", { site: "/jira", entity: "issues", columns: ["key", "summary", "status"], jql: JQL, limit: 20 });
    assert.equal(expected.status, 200, JSON.stringify(expected.json));
    const keys = (expected.json.rows as string[][]).map((r) => r[0]);
    assert.ok(keys.length === 20 && keys.every((k) => k?.startsWith("PLAT-")), keys.join(", "));
    assert.deepEqual(await preview.locator("tbody tr td:first-child").allTextContents(), keys);
    await page.screenshot({ path: join(shots, "01-preview.png"), fullPage: true });

    // Saved: the report's own page.
    await page.getByRole("button", { name: "Save report" }).click();
    await page.getByRole("heading", { name: NAME, level: 1 }).waitFor(WAIT);
    const reportPath = new URL(page.url()).pathname;
    assert.match(reportPath, /^\/admin\/reports\/\d+$/);
    assert.equal(await page.getByLabel("Columns", { exact: true }).inputValue(), "key, summary, status");

    // Made public: the rest of its definition stays as it was.
    await page.getByLabel("Who sees it").selectOption("public");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Report saved.").waitFor(WAIT);
    const saved = await api(sluice, "GET", `/rest/reports/v1/reports/${reportPath.split("/").pop()}`);
    assert.deepEqual([saved.json.visibility, saved.json.entity, saved.json.columns, saved.json.jql], ["public", "issues", ["key", "summary", "status"], JQL]);

    // A schedule: weekly on Monday at 08:00 in Berlin. Without a delivery it is refused before sending.
    await page.getByRole("button", { name: "New schedule" }).click();
    const editor = page.getByRole("region", { name: "New schedule" });
    await editor.waitFor(WAIT);
    await editor.getByLabel("Time zone").fill("Europe/Berlin");
    await editor.getByLabel("Time", { exact: true }).fill("08:00");
    assert.equal(await editor.getByRole("checkbox", { name: "Monday" }).isChecked(), true);
    await editor.getByRole("button", { name: "Save schedule" }).click();
    await editor.getByRole("alert").getByText("add at least one delivery").waitFor(WAIT);
    await editor.getByRole("button", { name: "Add API" }).click();
    await editor.getByRole("button", { name: "Add download link" }).click();
    await page.screenshot({ path: join(shots, "02-schedule-editor.png"), fullPage: true });
    await editor.getByRole("button", { name: "Save schedule" }).click();

    // Saved: its next five runs, as the server computed them, each a Monday at 08:00 a week apart.
    const panel = page.getByRole("region", { name: /^Schedule \d+: Weekly on Monday at 08:00 \(Europe\/Berlin\), CSV$/ });
    await panel.waitFor(WAIT);
    await panel.getByRole("status").getByText("Schedule saved.").waitFor(WAIT);
    const scheduleId = Number(/^Schedule (\d+):/.exec(String(await panel.getByRole("heading", { level: 2 }).first().textContent()))?.[1]);
    assert.equal(new URL(page.url()).pathname, `${reportPath}/schedules/${scheduleId}`);
    const nextRuns = (await panel.getByTestId("next-runs").locator("li").allTextContents()).map((t) => t.trim());
    assert.equal(nextRuns.length, 5, nextRuns.join(" | "));
    const days = nextRuns.map((t) => MONDAY_8.exec(t)?.[1]);
    assert.ok(days.every(Boolean), nextRuns.join(" | "));
    for (let i = 1; i < days.length; i++) assert.equal(Date.parse(days[i]!) - Date.parse(days[i - 1]!), 7 * 86_400_000, nextRuns.join(" | "));

    // Execute now: the run succeeds; both deliveries sent; the download link serves the file.
    await panel.getByRole("button", { name: /^Execute now/ }).click();
    await panel.getByRole("status").getByText(/^Run \d+ queued\.$/).waitFor(WAIT);
    const runs = panel.getByTestId("runs");
    const succeeded = runs.locator('tbody tr[data-status="SUCCEEDED"]');
    await succeeded.waitFor(WAIT);
    assert.match(String(await succeeded.locator("td").nth(2).textContent()), /^\d{2,}$/, "the run has rows");
    assert.equal(await succeeded.locator('[data-delivery-type="api"]').getByText("Sent").count(), 1);
    const download = succeeded.locator('[data-delivery-type="link"]').getByRole("link", { name: /^Download Open PLAT issues_.*\.csv$/ });
    const href = String(await download.getAttribute("href"));
    assert.match(href, /\/rest\/reports\/v1\/files\/\d+\/.+\?expires=\d+&signature=/);
    const file = await fetch(href);
    assert.equal(file.status, 200);
    assert.equal((await file.text()).split("\r\n")[0], "key,summary,status");
    await page.screenshot({ path: join(shots, "03-executed.png"), fullPage: true });

    // A webhook nobody answers: that delivery fails; Re-send tries it again as a run of its own.
    await panel.getByRole("button", { name: "Edit schedule" }).click();
    const edit = panel.getByRole("region", { name: `Edit schedule ${scheduleId}` });
    await edit.getByRole("button", { name: "Add webhook" }).click();
    await edit.getByLabel("URL").fill("https://sluice-test.invalid/upload?name={{exportConfigName}}");
    await edit.getByRole("button", { name: "Save schedule" }).click();
    await edit.waitFor({ state: "hidden", ...WAIT });
    await panel.getByRole("button", { name: /^Execute now/ }).click();
    const failed = runs.locator('tbody tr[data-status="FAILED"]').first();
    await failed.waitFor(WAIT);
    const webhook = failed.locator('[data-delivery-type="webhook"]');
    await webhook.getByText("does not resolve").waitFor(WAIT);
    assert.equal(await failed.locator('[data-delivery-type="api"]').getByText("Sent").count(), 1);
    const failedRun = Number(await failed.getAttribute("data-run-id"));
    await webhook.getByRole("button", { name: `Re-send the Webhook delivery of run ${failedRun}` }).click();
    await runs.getByText(`re-send of run ${failedRun}`).waitFor(WAIT);
    await runs.locator(`tr[data-run-id="${failedRun}"] [data-delivery-type="webhook"]`).getByText("2 attempts").waitFor(WAIT);
    await page.getByRole("heading", { name: NAME, level: 1 }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "04-report.png"), fullPage: true });
    const docsImage = join(root, "docs", "images", "reports-console.png");
    if (!existsSync(docsImage) || process.env.SLUICE_UPDATE_DOCS_IMAGES === "1") {
      await page.screenshot({ path: docsImage, fullPage: true });
    }

    // The list: the schedule's last outcome and next run; pause (with why) and resume.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor(WAIT);
    const row = page.getByRole("article", { name: NAME }).locator(`tr[data-schedule-id="${scheduleId}"]`);
    await row.getByTestId("last-outcome").getByText("Failed").waitFor(WAIT);
    assert.match(String(await row.getByTestId("next-run").textContent()), MONDAY_8);
    const label = `schedule ${scheduleId} of ${NAME}`;
    await row.getByRole("button", { name: `Pause ${label}` }).click();
    await row.getByTestId("state").getByText("Paused by admin").waitFor(WAIT);
    assert.equal(String(await row.getByTestId("next-run").textContent()).trim(), "–");
    await page.screenshot({ path: join(shots, "05-list-paused.png"), fullPage: true });
    await row.getByRole("button", { name: `Resume ${label}` }).click();
    await row.getByTestId("state").getByText("Active").waitFor(WAIT);
    assert.match(String(await row.getByTestId("next-run").textContent()), MONDAY_8);
    const stored = await api(sluice, "GET", `/rest/reports/v1/schedules/${scheduleId}`);
    assert.equal(stored.json.paused, false);

    // A narrow window: the list and the report page do not scroll sideways (wide tables scroll in place).
    await page.setViewportSize({ width: 390, height: 844 });
    const fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert.equal(await page.evaluate(fits), true, "the reports list scrolls sideways at 390 px");
    await page.getByRole("article", { name: NAME }).getByRole("link", { name: /^Weekly on Monday/ }).click();
    await panel.getByTestId("runs").waitFor(WAIT);
    assert.equal(await page.evaluate(fits), true, "the report page scrolls sideways at 390 px");
    await page.screenshot({ path: join(shots, "06-report-narrow.png"), fullPage: true });

    // A report of a saved SQL query (made through the API): it opens, previews the query's rows, and is renamed.
    const query = await api(sluice, "POST", "/jira/rest/sql/v1/queries", { name: "Issues per status", sql: "SELECT status, count(*) AS issues FROM issues GROUP BY status ORDER BY status", chart: { type: "table", y: [] }, visibility: "private" });
    assert.equal(query.status, 201, JSON.stringify(query.json));
    const ofQuery = await api(sluice, "POST", "/rest/reports/v1/reports", { name: "Issues per status", site: "/jira", sqlQueryId: query.json.id });
    assert.equal(ofQuery.status, 201, JSON.stringify(ofQuery.json));
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${sluice.baseUrl}/admin/reports/${ofQuery.json.id}`);
    await page.getByRole("heading", { name: "Issues per status", level: 1 }).waitFor(WAIT);
    await page.getByText(`This report runs the saved SQL query ${query.json.id} of its site`).waitFor(WAIT);
    await page.getByRole("button", { name: "Preview" }).click();
    const statuses = page.getByRole("table", { name: "Report preview" });
    await statuses.waitFor(WAIT);
    assert.deepEqual((await statuses.locator("thead th").allTextContents()).map((t) => t.split(" ")[0]), ["status", "issues"]);
    await page.getByLabel("Name", { exact: true }).fill("Issues by status");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Report saved.").waitFor(WAIT);
    const renamed = await api(sluice, "GET", `/rest/reports/v1/reports/${ofQuery.json.id}`);
    assert.deepEqual([renamed.json.name, renamed.json.sqlQueryId], ["Issues by status", query.json.id]);

    // Another person sees the public report, not its schedules, and "saves as" a copy of their own.
    const person = spawnSync(process.execPath, [BIN, "token", "create", "--user", PERSON, "--no-sysadmin"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SLUICE_HOME: sluice.home, SLUICE_LOG_LEVEL: "warn" },
      encoding: "utf8",
    });
    assert.equal(person.status, 0, person.stderr);
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const second = await other.newPage();
    const secondErrors = watchConsole(second, []);
    await second.goto(`${sluice.baseUrl}/admin/reports`);
    await second.getByLabel("Personal access token").fill(person.stdout.trim());
    await second.getByRole("button", { name: "Sign in" }).click();
    const theirs = second.getByRole("article", { name: NAME });
    await theirs.getByText("No schedules of it that you can see.").waitFor(WAIT);
    await theirs.getByRole("button", { name: `Save as… a copy of ${NAME}` }).click();
    const dialog = second.getByRole("dialog", { name: `Save “${NAME}” as…` });
    await dialog.getByLabel("Name of the copy").fill("My PLAT issues");
    await dialog.getByRole("button", { name: "Save copy" }).click();
    await second.getByRole("heading", { name: "My PLAT issues", level: 1 }).waitFor(WAIT);
    await second.screenshot({ path: join(shots, "07-saved-as.png"), fullPage: true });
    assert.equal(await second.getByLabel("Columns", { exact: true }).inputValue(), "key, summary, status");
    assert.equal(await second.getByRole("button", { name: "New schedule" }).isEnabled(), true, "the copy is theirs to schedule");
    await other.close();

    assert.deepEqual([...errors, ...secondErrors], [], "browser console errors");
    await context.close();
  } finally {
    await browser?.close();
    await sluice.stop();
    await sluice.cleanup();
  }
});
