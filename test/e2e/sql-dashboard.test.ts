/**
 * SQL and dashboards in the console, end to end: real headless Chromium against a real Sluice server
 * (built CLI, demo sites). Sign in, open the SQL page of /wiki, see its tables; a syntax error shows its
 * line and column and keeps the text; a query that runs too long is stopped and keeps its text; a
 * running one is cancelled; then pages per space runs, is saved as a bar chart onto a new dashboard,
 * and the dashboard draws it (bars counted as uPlot draws them, and their colour found on the canvas),
 * refreshes, copies its link; another person (no admin rights) opens that link, signs in with their own
 * token and sees the chart of their own rows. The dashboard goes to
 * docs/images/sql-dashboard.png (when missing, or with SLUICE_UPDATE_DOCS_IMAGES=1), every page to
 * test-results/sql-dashboard/. Any browser console error fails it.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { chromiumPath, launchChromium } from "../support/chromium.js";
import { api, BIN, REPO_ROOT, startSluice } from "../support/server.js";

const WAIT = { timeout: 30_000 };
const QUERY = "SELECT space_key, count(*) AS pages FROM pages GROUP BY space_key ORDER BY 2 DESC";
const BROKEN = "SELECT space_key,\n  count(*) FORM pages";
const ENDLESS = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c";
/** A demo user of /wiki without admin rights, who may browse some of its spaces. */
const PERSON = "mrossi";
/** The first series colour (web/src/components/bar-chart.tsx PALETTE). */
const BAR_RGB = [0x25, 0x63, 0xeb];

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

/** Pixels of about `rgb` on the canvas of the chart (uPlot draws bars and lines there). */
async function pixelsOf(page: Page, selector: string, rgb: number[]): Promise<number> {
  return page.locator(selector).evaluate((holder, [r, g, b]) => {
    const canvas = holder.querySelector("canvas");
    const context = canvas?.getContext("2d");
    if (!canvas || !context) return -1;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i]! - r!) < 8 && Math.abs(data[i + 1]! - g!) < 8 && Math.abs(data[i + 2]! - b!) < 8 && data[i + 3]! > 200) n++;
    }
    return n;
  }, rgb);
}

// Installing Debian's chromium (first run on a fresh machine only) can take minutes.
before(() => void chromiumPath(), { timeout: 600_000 });

test("SQL and dashboards: query, errors, cancel, save as a bar chart, see it on a dashboard", { timeout: 150_000 }, async () => {
  const root = REPO_ROOT;
  assert.ok(existsSync(join(root, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(root, "test-results", "sql-dashboard");
  await mkdir(shots, { recursive: true });
  await mkdir(join(root, "docs", "images"), { recursive: true });

  const sluice = await startSluice();
  let browser: Browser | undefined;
  try {
    // What the page must show: the server's own answer to the query.
    const expected = await api(sluice, "POST", "/wiki/rest/sql/v1/query", { sql: QUERY });
    assert.equal(expected.status, 200, JSON.stringify(expected.json));
    const spaces = (expected.json.rows as [string, number][]).map(([key]) => key);
    assert.ok(spaces.length >= 2 && spaces.includes("ENG"), `spaces: ${spaces.join(", ")}`);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: sluice.baseUrl });
    const page = await context.newPage();
    // The syntax error (400) and the timeout (408) are provoked on purpose.
    const errors = watchConsole(page, [
      { status: 400, url: "/rest/sql/v1/query" },
      { status: 408, url: "/rest/sql/v1/query" },
    ]);

    await page.goto(`${sluice.baseUrl}/admin/`);
    await page.getByLabel("Personal access token").fill(sluice.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sites", level: 1 }).waitFor(WAIT);

    // The SQL page of /wiki, through the main navigation; its tables and columns beside the editor.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "SQL" }).click();
    await page.getByRole("link", { name: "SQL editor of /wiki" }).click();
    await page.getByRole("heading", { name: "SQL", level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, "/admin/sql/wiki");
    const tables = page.getByRole("navigation", { name: "Tables" });
    await tables.getByText("pages", { exact: true }).click();
    await tables.getByRole("button", { name: "Insert column pages.space_key" }).waitFor(WAIT);
    const editor = page.getByLabel("SQL", { exact: true });

    // A syntax error: its line and column, a caret under it, and the text kept.
    await editor.fill(BROKEN);
    await editor.press("Control+Enter");
    const position = page.getByTestId("sql-error-position");
    await position.waitFor(WAIT);
    assert.match(String(await position.textContent()), /^At line 2, column \d+:$/);
    assert.equal(await editor.inputValue(), BROKEN, "the text is kept after a syntax error");
    assert.equal(await editor.getAttribute("aria-invalid"), "true");
    await page.getByRole("button", { name: "Show in the editor" }).click();
    const column = Number(/column (\d+)/.exec(String(await position.textContent()))?.[1]);
    const caret = await editor.evaluate((el) => (el as unknown as { selectionStart: number }).selectionStart);
    assert.equal(caret, "SELECT space_key,\n".length + column - 1, "the editor selects the error's position");
    await page.screenshot({ path: join(shots, "01-syntax-error.png"), fullPage: true });

    // A query that never ends: stopped at the console's limit, its text kept.
    await editor.fill(ENDLESS);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByTestId("sql-error").getByText("The query took too long.").waitFor(WAIT);
    assert.equal(await editor.inputValue(), ENDLESS, "the text is kept after a timeout");
    // The same, cancelled while it runs.
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByTestId("sql-status").getByText(/^Cancelled after \d+ ms/).waitFor(WAIT);
    assert.equal(await page.getByRole("button", { name: "Cancel" }).count(), 0);
    assert.equal(await editor.inputValue(), ENDLESS);

    // Pages per space: the rows, their count and the time taken.
    await editor.fill(QUERY);
    await editor.press("Control+Enter");
    await page.getByTestId("sql-status").getByText(new RegExp(`^${spaces.length} rows in \\d+(\\.\\d)? m?s$`)).waitFor(WAIT);
    const results = page.getByRole("table", { name: "Query results" });
    assert.deepEqual(await results.locator("tbody tr td:first-child").allTextContents(), spaces);
    await page.screenshot({ path: join(shots, "02-results.png"), fullPage: true });

    // Save as a bar chart, public, onto a new dashboard.
    await page.getByRole("button", { name: "Save as chart…" }).click();
    const dialog = page.getByRole("dialog", { name: "Save as chart" });
    await dialog.waitFor(WAIT);
    // Each kind of chart in the preview: a pie (SVG, a slice per space), lines, a table, then bars.
    await dialog.getByRole("radio", { name: "Pie" }).check();
    await dialog.locator('.save-chart-preview svg[data-chart="pie"] path').nth(spaces.length - 1).waitFor(WAIT);
    assert.equal(await dialog.locator('.save-chart-preview svg[data-chart="pie"] path').count(), spaces.length);
    await dialog.getByRole("radio", { name: "Line" }).check();
    await dialog.locator('.save-chart-preview [data-chart="line"] canvas').first().waitFor(WAIT);
    await dialog.getByRole("radio", { name: "Table" }).check();
    assert.equal(await dialog.locator(".save-chart-preview tbody tr").count(), spaces.length);
    await dialog.getByLabel("Name", { exact: true }).fill("Pages per space");
    await dialog.getByRole("radio", { name: "Bar" }).check();
    assert.equal(await dialog.getByLabel("X axis (labels)").inputValue(), "space_key");
    assert.equal(await dialog.getByRole("checkbox", { name: "pages integer" }).isChecked(), true);
    await dialog.getByLabel("Who sees it").selectOption("public");
    await dialog.getByLabel("Add to a dashboard").selectOption("new");
    await dialog.getByLabel("New dashboard name").fill("Spaces");
    await dialog.locator(".save-chart-preview [data-bars-drawn]").waitFor(WAIT);
    await page.screenshot({ path: join(shots, "03-save-as-chart.png") });
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await dialog.waitFor({ state: "hidden", ...WAIT });
    await page.getByTestId("saved-queries").getByRole("link", { name: "Pages per space" }).waitFor(WAIT);

    // The dashboard: the chart drawn with one bar per space, in the first series colour.
    await page.getByRole("link", { name: "Open the dashboard “Spaces”" }).click();
    await page.getByRole("heading", { name: /^Spaces/, level: 1 }).waitFor(WAIT);
    const chart = page.getByRole("article", { name: "Pages per space" });
    await chart.locator(`[data-chart="bar"][data-bars-drawn="${spaces.length}"]`).waitFor(WAIT);
    assert.ok((await pixelsOf(page, '[data-chart="bar"]', BAR_RGB)) > 500, "no bars of the series colour on the canvas");
    await chart.getByRole("img", { name: /^bar chart of Pages per space\. ENG: \d+/ }).waitFor(WAIT);
    await chart.getByTestId("sql-status").getByText(new RegExp(`^${spaces.length} rows in`)).waitFor(WAIT);

    // Refresh runs it again; Copy link copies this page's address.
    const queries: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/wiki/rest/sql/v1/query")) queries.push(request.postData() ?? "");
    });
    await page.getByRole("button", { name: "Refresh" }).click();
    await chart.locator(`[data-bars-drawn="${spaces.length}"]`).waitFor(WAIT);
    await page.waitForTimeout(200);
    assert.equal(queries.length, 1, "Refresh runs the chart's query once");
    assert.deepEqual(JSON.parse(queries[0]!), { sql: QUERY, format: "json", context: "console" });
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByText(/^Link copied/).waitFor(WAIT);
    const link = page.url();
    assert.match(new URL(link).pathname, /^\/admin\/sql\/wiki\/dashboards\/\d+$/);
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), link);
    assert.equal(await page.getByLabel("Shareable link").inputValue(), link);
    // Its owner widens the chart: the layout is kept with the dashboard.
    await chart.getByRole("button", { name: "Full width" }).click();
    await chart.getByRole("button", { name: "Half width" }).waitFor(WAIT);
    assert.match(String(await chart.getAttribute("class")), /\bfull\b/);
    await chart.locator(`[data-bars-drawn="${spaces.length}"]`).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "04-dashboard.png"), fullPage: true });
    const docsImage = join(root, "docs", "images", "sql-dashboard.png");
    if (!existsSync(docsImage) || process.env.SLUICE_UPDATE_DOCS_IMAGES === "1") {
      await page.screenshot({ path: docsImage, fullPage: true });
    }

    // The link opened by another person (no admin rights, fewer spaces): they sign in with their own
    // token and see the same dashboard drawn from their own rows.
    const person = spawnSync(process.execPath, [BIN, "token", "create", "--user", PERSON, "--no-sysadmin"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SLUICE_HOME: sluice.home, SLUICE_LOG_LEVEL: "warn" },
      encoding: "utf8",
    });
    assert.equal(person.status, 0, person.stderr);
    const theirs = await api({ ...sluice, token: person.stdout.trim() }, "POST", "/wiki/rest/sql/v1/query", { sql: QUERY });
    const theirSpaces = (theirs.json.rows as [string, number][]).map(([key]) => key);
    assert.ok(theirSpaces.length > 0 && theirSpaces.length < spaces.length, `${PERSON} should see some spaces, not all: ${theirSpaces.join(", ")}`);
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const second = await other.newPage();
    const secondErrors = watchConsole(second, []);
    await second.goto(link);
    await second.getByLabel("Personal access token").fill(person.stdout.trim());
    await second.getByRole("button", { name: "Sign in" }).click();
    await second.getByRole("heading", { name: /^Spaces/, level: 1 }).waitFor(WAIT);
    const theirChart = second.getByRole("article", { name: "Pages per space" });
    await theirChart.locator(`[data-bars-drawn="${theirSpaces.length}"]`).waitFor(WAIT);
    await theirChart.getByTestId("sql-status").getByText(new RegExp(`^${theirSpaces.length} rows in`)).waitFor(WAIT);
    assert.deepEqual(await second.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents(), ["SQL", "Reports"], "a person's console has the SQL and report pages only");
    assert.equal(await second.getByRole("button", { name: "Delete dashboard" }).count(), 0, "only the owner changes a dashboard");
    await second.screenshot({ path: join(shots, "05-dashboard-as-a-person.png"), fullPage: true });
    await other.close();

    // A narrow window: the charts stack, nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await chart.locator(`[data-bars-drawn="${spaces.length}"]`).waitFor(WAIT);
    assert.equal(await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), true, "the dashboard scrolls sideways at 390 px");
    await page.screenshot({ path: join(shots, "06-dashboard-narrow.png"), fullPage: true });

    assert.deepEqual([...errors, ...secondErrors], [], "browser console errors");
    await context.close();
  } finally {
    await browser?.close();
    await sluice.stop();
    await sluice.cleanup();
  }
});
