/**
 * Scheduled reports in the console, end to end: real headless Chromium against a real Sluice server
 * (built CLI, demo sites) and a real webhook receiver on 127.0.0.1. Sign in, make a report of /jira
 * issues (the entity picked from the site's own list, columns ticked from its own, a JQL filter; a
 * broken JQL is refused in words), preview its rows — the same as the API's — and save it; schedule it
 * weekly with an API and a download-link delivery (and see whether add-on permissions are allowed) and
 * see its next five Mondays; Execute now and watch the run succeed in the history, the link download the
 * file; add a webhook with an Authorization header, then move it to the top of the list: the header
 * stays saved and is sent; a run whose webhook failed becomes a success when Re-send delivers it; pause
 * and resume from the list, and neither page scrolls sideways in a narrow window; a report of a saved
 * SQL query picked in the editor previews, is scheduled and renamed (the change sends only the name);
 * another person "saves as" a copy of the report. The report page goes to
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
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const WAIT = { timeout: 15_000 };
const NAME = "Open PLAT issues";
const JQL = "project = PLAT ORDER BY key";
/** A demo user of /jira without admin rights. */
const PERSON = "mrossi";
/** A run time as the console shows it: a Monday at 08:00 in Berlin. */
const MONDAY_8 = /^Mon (\d{4}-\d{2}-\d{2}) 08:00 \+0[12]:00$/;
/** The webhook's own header, a secret the server keeps and shows as <set>. */
const AUTHORIZATION = "Bearer reports-console-secret";

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

test("reports: make, preview, schedule, execute, move a delivery, re-send, pause and resume, save as", { timeout: 120_000 }, async () => {
  const root = REPO_ROOT;
  assert.ok(existsSync(join(root, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(root, "test-results", "reports-console");
  await mkdir(shots, { recursive: true });
  await mkdir(join(root, "docs", "images"), { recursive: true });

  // One attempt per delivery: a failing webhook fails at once instead of after two back-offs. The
  // receiver is on 127.0.0.1, which deliveries reach only when allowed.
  const receiver = await startWebhookReceiver();
  const home = await mkdtemp(join(tmpdir(), "sluice-reports-"));
  await writeFile(join(home, "sluice.config.json"), JSON.stringify({ delivery: { attempts: 1, allowedPrivateHosts: ["127.0.0.1"] } }));
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

    // A new report of /jira: the entities and their columns are the site's own (GET /entities).
    await page.getByRole("link", { name: "New report" }).click();
    await page.getByRole("heading", { name: "New report", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, "/admin/reports/new");
    await page.getByLabel("Name", { exact: true }).fill(NAME);
    await page.getByLabel("Site", { exact: true }).selectOption("/jira");
    const entities = await api(sluice, "GET", "/rest/reports/v1/entities?site=/jira");
    assert.equal(entities.status, 200, JSON.stringify(entities.json));
    const entityList = entities.json.values as { name: string; jql: boolean; columns: { name: string; type: string }[] }[];
    const entityPicker = page.getByRole("combobox", { name: "Entity" });
    await entityPicker.locator('option[value="issues"]').waitFor({ state: "attached", ...WAIT });
    assert.deepEqual(await entityPicker.locator("option:not([value=''])").allTextContents(), entityList.map((e) => e.name));
    const boxes = page.getByRole("group", { name: "Pick columns" }).getByRole("checkbox");
    const sprints = entityList.find((e) => e.name === "sprints")!;
    await entityPicker.selectOption("sprints");
    assert.deepEqual(await boxes.evaluateAll((all) => all.map((b) => b.parentElement?.textContent?.trim())), sprints.columns.map((c) => `${c.name} ${c.type}`));
    assert.equal(await page.getByLabel("JQL", { exact: true }).count(), 0, "sprints take no JQL");

    // Issues: three columns ticked from the entity's own, in the order ticked; it takes JQL.
    await entityPicker.selectOption("issues");
    assert.equal(await boxes.count(), entityList.find((e) => e.name === "issues")!.columns.length);
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
    // Add-on permissions: an administrator has not allowed them on /jira (GET /settings, anyone may read it).
    await editor.getByTestId("addon-permissions").getByText("Not allowed on /jira by an administrator: the owner's permissions apply.").waitFor(WAIT);
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

    // A webhook with an Authorization header: saved, the header shows as <set>.
    await panel.getByRole("button", { name: "Edit schedule" }).click();
    const edit = panel.getByRole("region", { name: `Edit schedule ${scheduleId}` });
    await edit.getByRole("button", { name: "Add webhook" }).click();
    await edit.getByLabel("URL").fill(`${receiver.url}/upload?name={{exportConfigName}}`);
    await edit.getByLabel("Headers").fill(`Authorization: ${AUTHORIZATION}`);
    await edit.getByRole("button", { name: "Save schedule" }).click();
    await edit.waitFor({ state: "hidden", ...WAIT });
    const withWebhook = await api(sluice, "GET", `/rest/reports/v1/schedules/${scheduleId}`);
    const hook = withWebhook.json.deliveries[2] as { type: string; id: string; headers: Record<string, string> };
    assert.deepEqual([hook.type, hook.headers], ["webhook", { Authorization: "<set>" }]);

    // Moved to the top of the list and saved with its header untouched: the secret stays with it.
    await panel.getByRole("button", { name: "Edit schedule" }).click();
    assert.equal(await edit.getByLabel("Headers").inputValue(), "Authorization: <set>");
    await edit.getByRole("button", { name: "Move up delivery 3 (Webhook)" }).click();
    await edit.getByRole("button", { name: "Move up delivery 2 (Webhook)" }).click();
    assert.equal(await edit.getByLabel("Type").first().evaluate((e) => e === e.ownerDocument.activeElement), true, "the moved delivery keeps the focus");
    assert.deepEqual(await edit.locator("fieldset.delivery").evaluateAll((all) => all.map((f) => f.getAttribute("data-delivery-type"))), ["webhook", "api", "link"]);
    await page.screenshot({ path: join(shots, "04-moved-webhook.png"), fullPage: true });
    await edit.getByRole("button", { name: "Save schedule" }).click();
    await edit.waitFor({ state: "hidden", ...WAIT });
    const moved = await api(sluice, "GET", `/rest/reports/v1/schedules/${scheduleId}`);
    assert.deepEqual(
      (moved.json.deliveries as { type: string; id: string; headers?: unknown }[]).map((d) => [d.type, d.id, d.headers]),
      [["webhook", hook.id, { Authorization: "<set>" }], ["api", withWebhook.json.deliveries[0].id, undefined], ["link", withWebhook.json.deliveries[1].id, undefined]],
    );

    // The receiver fails the next request: the run fails on its webhook (which still sent the header).
    receiver.failNext(1);
    await panel.getByRole("button", { name: /^Execute now/ }).click();
    const failed = runs.locator('tbody tr[data-status="FAILED"]').first();
    await failed.waitFor(WAIT);
    const webhook = failed.locator('[data-delivery-type="webhook"]');
    await webhook.getByText("HTTP 500").waitFor(WAIT);
    assert.equal(await failed.locator('[data-delivery-type="api"]').getByText("Sent").count(), 1);
    const [refusedPost] = await receiver.waitFor(1);
    assert.deepEqual([refusedPost?.status, refusedPost?.headers.authorization], [500, AUTHORIZATION]);

    // Re-send: delivered this time, with the header; the failed run becomes a success, every delivery sent.
    const failedRun = Number(await failed.getAttribute("data-run-id"));
    await webhook.getByRole("button", { name: `Re-send the Webhook delivery of run ${failedRun}` }).click();
    await runs.getByText(`re-send of run ${failedRun}`).waitFor(WAIT);
    const original = runs.locator(`tr[data-run-id="${failedRun}"][data-status="SUCCEEDED"]`);
    await original.waitFor(WAIT);
    await original.locator('[data-delivery-type="webhook"]').getByText("Sent").waitFor(WAIT);
    await original.locator('[data-delivery-type="webhook"]').getByText("2 attempts").waitFor(WAIT);
    const [, delivered] = await receiver.waitFor(2);
    assert.deepEqual([delivered?.status, delivered?.headers.authorization], [200, AUTHORIZATION]);
    assert.match(delivered?.filename ?? "", /^Open PLAT issues_.+\.csv$/);
    const run = await api(sluice, "GET", `/rest/reports/v1/runs/${failedRun}`);
    assert.deepEqual([run.json.status, ...(run.json.deliveries as { status: string }[]).map((d) => d.status)], ["SUCCEEDED", "SENT", "SENT", "SENT"]);
    await page.getByRole("heading", { name: NAME, level: 1 }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "05-report.png"), fullPage: true });
    const docsImage = join(root, "docs", "images", "reports-console.png");
    if (!existsSync(docsImage) || process.env.SLUICE_UPDATE_DOCS_IMAGES === "1") {
      await page.screenshot({ path: docsImage, fullPage: true });
    }

    // The list: the schedule's last outcome and next run; pause (with why) and resume.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor(WAIT);
    const row = page.getByRole("article", { name: NAME }).locator(`tr[data-schedule-id="${scheduleId}"]`);
    await row.getByTestId("last-outcome").getByText("Succeeded").waitFor(WAIT);
    assert.match(String(await row.getByTestId("next-run").textContent()), MONDAY_8);
    const label = `schedule ${scheduleId} of ${NAME}`;
    await row.getByRole("button", { name: `Pause ${label}` }).click();
    await row.getByTestId("state").getByText("Paused by admin").waitFor(WAIT);
    assert.equal(String(await row.getByTestId("next-run").textContent()).trim(), "–");
    await page.screenshot({ path: join(shots, "06-list-paused.png"), fullPage: true });
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
    await page.screenshot({ path: join(shots, "07-report-narrow.png"), fullPage: true });

    // A report of a saved SQL query (the query made through the API), picked in the editor: it previews
    // the query's rows, is saved and scheduled, and a rename sends only the name.
    const query = await api(sluice, "POST", "/jira/rest/sql/v1/queries", { name: "Issues per status", sql: "SELECT status, count(*) AS issues FROM issues GROUP BY status ORDER BY status", chart: { type: "table", y: [] }, visibility: "private" });
    assert.equal(query.status, 201, JSON.stringify(query.json));
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await page.getByRole("link", { name: "New report" }).click();
    await page.getByRole("heading", { name: "New report", level: 1 }).waitFor(WAIT);
    await page.getByLabel("Name", { exact: true }).fill("Issues per status");
    await page.getByLabel("Site", { exact: true }).selectOption("/jira");
    await page.getByRole("radio", { name: "Saved SQL query" }).check();
    const queryPicker = page.getByRole("combobox", { name: "Saved SQL query" });
    await queryPicker.locator(`option[value="${query.json.id}"]`).waitFor({ state: "attached", ...WAIT });
    await queryPicker.selectOption({ label: "Issues per status" });
    await page.getByTestId("query-sql").getByText(/GROUP BY status/).waitFor(WAIT);
    await page.getByRole("button", { name: "Preview" }).click();
    const statuses = page.getByRole("table", { name: "Report preview" });
    await statuses.waitFor(WAIT);
    assert.deepEqual((await statuses.locator("thead th").allTextContents()).map((t) => t.split(" ")[0]), ["status", "issues"]);
    await page.screenshot({ path: join(shots, "08-sql-report.png"), fullPage: true });
    await page.getByRole("button", { name: "Save report" }).click();
    await page.getByRole("heading", { name: "Issues per status", level: 1 }).waitFor(WAIT);
    const ofQueryId = Number(new URL(page.url()).pathname.split("/").pop());
    const ofQuery = await api(sluice, "GET", `/rest/reports/v1/reports/${ofQueryId}`);
    assert.deepEqual([ofQuery.json.sqlQueryId, ofQuery.json.entity ?? null], [query.json.id, null]);
    await queryPicker.locator("option:checked").getByText("Issues per status").waitFor({ state: "attached", ...WAIT });
    await page.getByRole("button", { name: "New schedule" }).click();
    const sqlEditor = page.getByRole("region", { name: "New schedule" });
    await sqlEditor.getByRole("button", { name: "Add API" }).click();
    await sqlEditor.getByRole("button", { name: "Save schedule" }).click();
    await page.getByRole("region", { name: /^Schedule \d+: Weekly on Monday/ }).getByRole("status").getByText("Schedule saved.").waitFor(WAIT);
    const sqlSchedules = await api(sluice, "GET", `/rest/reports/v1/schedules?reportId=${ofQueryId}`);
    assert.deepEqual((sqlSchedules.json.values as { reportName: string }[]).map((v) => v.reportName), ["Issues per status"]);
    await page.getByLabel("Name", { exact: true }).fill("Issues by status");
    const put = page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith(`/rest/reports/v1/reports/${ofQueryId}`));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    assert.deepEqual((await put).postDataJSON(), { name: "Issues by status" });
    await page.getByRole("status").getByText("Report saved.").waitFor(WAIT);
    const renamed = await api(sluice, "GET", `/rest/reports/v1/reports/${ofQueryId}`);
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
    await second.screenshot({ path: join(shots, "09-saved-as.png"), fullPage: true });
    assert.equal(await second.getByLabel("Columns", { exact: true }).inputValue(), "key, summary, status");
    assert.equal(await second.getByRole("button", { name: "New schedule" }).isEnabled(), true, "the copy is theirs to schedule");
    await other.close();

    assert.deepEqual([...errors, ...secondErrors], [], "browser console errors");
    await context.close();
  } finally {
    await browser?.close();
    await sluice.stop();
    await sluice.cleanup();
    await receiver.close();
  }
});
