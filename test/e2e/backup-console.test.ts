/**
 * Backup and restore in the console, end to end: real headless Chromium against a real Sluice server
 * (built CLI, demo sites). Add a folder storage (a system folder is refused in words, under its field),
 * make a backup policy of the demo Confluence site, start a backup and see it COMPLETE with its size and
 * rows — the API's own; a second start within the cadence shows the server's 409 beside the button;
 * verify it; connect the policy to the storage (the change sends only that field) and export the backup
 * to it. Then the restore wizard: the backup into a new empty Confluence site (made through the admin
 * API), the CUSTOM_GROUPS check shown with its groups, consent given with its radio, and the
 * post-operation report's rows per entity — the API's own. Every step goes to
 * test-results/backup-console/. Any unexpected browser console error fails it.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, ConsoleMessage, Page } from "playwright-core";
import { chromiumPath, launchChromium } from "../support/chromium.js";
import { api, REPO_ROOT, startSluice } from "../support/server.js";

const WAIT = { timeout: 15_000 };
const WIKI = "/wiki (Confluence)";
const COPY = "/wiki-copy (Confluence)";

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

// Installing Debian's chromium (first run on a fresh machine only) can take minutes.
before(() => void chromiumPath(), { timeout: 600_000 });

test("backups: storage, policy, backup with size, 409 within the cadence, verify, export; restore wizard with consent and report", { timeout: 120_000 }, async () => {
  const root = REPO_ROOT;
  assert.ok(existsSync(join(root, "web", "dist", "index.html")), "web/dist is missing: run `npm run build` first");
  const shots = join(root, "test-results", "backup-console");
  await mkdir(shots, { recursive: true });

  const sluice = await startSluice();
  let browser: Browser | undefined;
  try {
    // The empty site the backup is restored into.
    const created = await api(sluice, "POST", "/rest/admin/v1/sites", { product: "confluence", contextPath: "/wiki-copy" });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const org = (await api(sluice, "GET", "/rest/backup/v1/orgs")).json.values[0].orgId as string;
    const backupApi = (path: string) => `/rest/backup/v1/orgs/${org}${path}`;

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    // The system folder and the second backup within the cadence are refused on purpose.
    const errors = watchConsole(page, [
      { status: 400, url: "/storages" },
      { status: 409, url: "/backups" },
    ]);
    await page.goto(`${sluice.baseUrl}/admin/`);
    await page.getByLabel("Personal access token").fill(sluice.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sites", level: 1 }).waitFor(WAIT);

    // The backup section, through the main navigation: no policies yet.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups" }).click();
    await page.getByRole("heading", { name: "Backup policies", level: 1 }).waitFor(WAIT);
    await page.getByText("No backup policies yet.").waitFor(WAIT);
    const section = page.getByRole("navigation", { name: "Backups" });

    // A folder storage: a system folder is refused under its field; one in the server's home is added.
    await section.getByRole("link", { name: "Storages" }).click();
    await page.getByRole("heading", { name: "Storages", level: 1 }).waitFor(WAIT);
    await page.getByText("No storages yet.").waitFor(WAIT);
    const storageForm = page.getByRole("region", { name: "New storage" });
    await storageForm.getByRole("radio", { name: "Folder on this server" }).check();
    await storageForm.getByLabel("Name", { exact: true }).fill("nightly");
    const folder = storageForm.getByLabel("Folder", { exact: true });
    await folder.fill("/etc");
    await storageForm.getByRole("button", { name: "Add storage" }).click();
    await storageForm.getByRole("alert").getByText("The storage was not added:").waitFor(WAIT);
    assert.equal(await folder.getAttribute("aria-invalid"), "true");
    assert.ok((await storageForm.locator("#storage-path-problem").textContent())?.length, "the folder's problem is shown under it");
    await folder.fill(join(sluice.home, "external-backups"));
    await storageForm.getByRole("button", { name: "Add storage" }).click();
    await page.getByRole("status").getByText("Storage nightly added.").waitFor(WAIT);
    await page.getByRole("table", { name: "Storages" }).getByRole("rowheader", { name: "nightly" }).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "01-storages.png"), fullPage: true });

    // A policy of the demo Confluence site, in the built-in storage, with attachments.
    await section.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("heading", { name: "Backup policies", level: 1 }).waitFor(WAIT);
    const newPolicy = page.getByRole("region", { name: "New policy" });
    await newPolicy.getByLabel("Site").selectOption({ label: WIKI });
    assert.equal(await newPolicy.getByLabel("Storage").inputValue(), "", "the built-in storage");
    assert.equal(await newPolicy.getByRole("checkbox", { name: "Include attachments" }).isChecked(), true);
    await newPolicy.getByRole("button", { name: "Create policy" }).click();
    await page.getByRole("status").getByText(`Policy created for ${WIKI}.`).waitFor(WAIT);
    const policies = (await api(sluice, "GET", backupApi("/policies"))).json.values as { policyId: string; product: string; includeAttachments: boolean; storageId: string | null }[];
    assert.deepEqual(policies.map((p) => [p.product, p.includeAttachments, p.storageId]), [["CONFLUENCE", true, null]]);
    const policyId = policies[0]!.policyId;

    // Its backups: start one; it completes with the size and rows the API gives.
    await page.getByRole("link", { name: `Backups of ${WIKI}` }).click();
    await page.getByRole("heading", { name: `Backups of ${WIKI}`, level: 1 }).waitFor(WAIT);
    assert.equal(new URL(page.url()).pathname, `/admin/backups/policies/${policyId}`);
    await page.getByText("No backups of this policy yet.").waitFor(WAIT);
    await page.getByRole("button", { name: "Start backup" }).click();
    await page.getByRole("status").getByText(new RegExp(`^Backup \\d+ of ${WIKI.replace(/[()]/g, "\\$&")} started\\.$`)).waitFor(WAIT);
    const complete = page.getByRole("table", { name: "Backups" }).locator('tbody tr[data-status="COMPLETE"]');
    await complete.waitFor(WAIT);
    const backupId = String(await complete.getAttribute("data-backup-id"));
    const backup = (await api(sluice, "GET", backupApi(`/backups/${backupId}`))).json;
    assert.equal(backup.status, "COMPLETE", JSON.stringify(backup));
    assert.ok(backup.size > 0);
    assert.match(String(await complete.getByTestId("size").textContent()), /^\d+(\.\d)? (KB|MB)$/);
    const rows = Object.values(backup.counts as Record<string, number>).reduce((a, b) => a + b, 0);
    await complete.getByText(`${rows.toLocaleString("en")} rows`).waitFor(WAIT);
    await complete.getByText(`${rows.toLocaleString("en")} rows`).click();
    await complete.getByRole("definition").filter({ hasText: new RegExp(`^${backup.counts.pages}$`) }).first().waitFor(WAIT);

    // Again within the cadence: the server's 409, in its words, beside the button.
    await page.getByRole("button", { name: "Start backup" }).click();
    const refused = page.getByRole("alert").filter({ hasText: "The backup was not started:" });
    await refused.waitFor(WAIT);
    assert.match(String(await refused.textContent()), /the next may run from .* \(one per 7 days\)/);

    // Verify: every part good.
    await complete.getByRole("button", { name: `Verify backup ${backupId}` }).click();
    await complete.getByTestId("verified").getByText("Good").waitFor(WAIT);
    assert.equal((await api(sluice, "GET", backupApi(`/backups/${backupId}`))).json.verified.ok, true);
    await page.screenshot({ path: join(shots, "02-backups.png"), fullPage: true });

    // The policy connected to the storage: only that field is sent; then the backup is exported to it.
    await section.getByRole("link", { name: "Policies" }).click();
    await page.getByRole("button", { name: `Edit the policy of ${WIKI}` }).click();
    const edit = page.getByRole("region", { name: `Edit the policy of ${WIKI}` });
    await edit.getByLabel("Storage").selectOption({ label: "nightly (filesystem)" });
    const put = page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith(backupApi(`/policies/${policyId}`)));
    await edit.getByRole("button", { name: "Save policy" }).click();
    const storageId = (await api(sluice, "GET", backupApi("/storages"))).json.values[0].storageId as string;
    assert.deepEqual((await put).postDataJSON(), { storageId });
    await page.getByRole("status").getByText(`Policy saved for ${WIKI}.`).waitFor(WAIT);
    await page.getByRole("table", { name: "Backup policies" }).getByText("nightly (filesystem)").waitFor(WAIT);
    if ("retention" in policies[0]!) {
      // A server with retention per policy: keep the last 3 (only that is sent), shown in the list.
      await page.getByRole("button", { name: `Edit the policy of ${WIKI}` }).click();
      await edit.getByLabel("Keep the last").fill("3");
      const kept = page.waitForRequest((r) => r.method() === "PUT" && r.url().endsWith(backupApi(`/policies/${policyId}`)));
      await edit.getByRole("button", { name: "Save policy" }).click();
      assert.deepEqual((await kept).postDataJSON(), { retention: { keepLast: 3 } });
      await page.getByRole("table", { name: "Backup policies" }).getByText("the last 3").waitFor(WAIT);
    }
    await page.screenshot({ path: join(shots, "03-policies.png"), fullPage: true });
    await page.getByRole("link", { name: `Backups of ${WIKI}` }).click();
    await complete.getByRole("button", { name: `Export backup ${backupId} to nightly (filesystem)` }).click();
    await complete.getByTestId("export-status").getByText("Complete").waitFor(WAIT);
    const copies = (await api(sluice, "GET", backupApi(`/backups/${backupId}`))).json.copies as string[] | undefined;
    if (copies) {
      assert.deepEqual(copies, [storageId]);
      await complete.getByText("Exported to nightly (filesystem).").waitFor(WAIT);
    }

    // The restore wizard from the backup's row: into the new empty site, with attachments, users and groups.
    await complete.getByRole("link", { name: `Restore… backup ${backupId}` }).click();
    await page.getByRole("heading", { name: "New restore", level: 1 }).waitFor(WAIT);
    await page.getByRole("heading", { name: "Step 1 of 3: Backup" }).waitFor(WAIT);
    assert.equal(await page.getByLabel("Backup", { exact: true }).inputValue(), backupId);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Step 2 of 3: Destination" }).waitFor(WAIT);
    const destination = page.getByLabel("Restore into");
    // Only Confluence sites; the backed-up one for a partial restore only.
    assert.deepEqual(await destination.locator("option:not([value=''])").allTextContents(), [`${WIKI} (the backed-up site: chosen parts only)`, COPY]);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("alert").getByText("choose the site to restore into").waitFor(WAIT);
    await destination.selectOption({ label: COPY });
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Step 3 of 3: Options" }).waitFor(WAIT);
    assert.equal(await page.getByRole("checkbox", { name: "Restore attachments" }).isChecked(), true);
    assert.equal(await page.getByRole("checkbox", { name: "Restore users and groups" }).isChecked(), true);
    assert.equal(await page.getByRole("radio", { name: "Everything" }).isChecked(), true);
    await page.screenshot({ path: join(shots, "04-wizard-options.png"), fullPage: true });
    await page.getByRole("button", { name: "Validate restore" }).click();

    // Validated: it waits for a consent to the groups the empty site lacks, and names them.
    await page.getByRole("heading", { name: `Restore into ${COPY}`, level: 1 }).waitFor(WAIT);
    const restoreId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    const waiting = (await api(sluice, "GET", backupApi(`/restores/${restoreId}`))).json;
    assert.equal(waiting.status, "AWAITING_CONSENT");
    assert.deepEqual(waiting.checks.map((c: { code: string }) => c.code), ["CUSTOM_GROUPS"]);
    const groups = page.getByRole("group", { name: "Groups new to the destination" });
    await groups.getByText(waiting.checks[0].message).waitFor(WAIT);
    assert.deepEqual(await groups.getByRole("list", { name: "Items" }).getByRole("listitem").allTextContents(), waiting.checks[0].items);
    // Unanswered: refused before sending; then accepted.
    await page.getByRole("button", { name: "Consent and restore" }).click();
    await page.getByRole("alert").getByText("Groups new to the destination: give your answer.").waitFor(WAIT);
    await page.screenshot({ path: join(shots, "05-consent.png"), fullPage: true });
    await groups.getByRole("radio", { name: /^Accept: create them/ }).check();
    const consent = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/restores/revalidate"));
    await page.getByRole("button", { name: "Consent and restore" }).click();
    assert.deepEqual((await consent).postDataJSON(), { restoreId, consent: ["Accept_Custom_Group_Check"] });

    // The post-operation report: rows restored per entity, the API's own.
    const report = page.getByTestId("restore-report");
    await report.waitFor(WAIT);
    const done = (await api(sluice, "GET", backupApi(`/cloud/${created.json.cloudId}/migration/${restoreId}/postOpReport`))).json;
    assert.equal(done.status, "COMPLETE");
    const restored = report.getByRole("table", { name: "Rows restored per entity" });
    const shown = await restored.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-entity"), tr.querySelector("td")?.textContent]));
    assert.deepEqual(
      shown,
      Object.entries(done.report.restored as Record<string, { rows: number }>).map(([entity, l]) => [entity, l.rows.toLocaleString("en")]),
    );
    assert.ok((done.report.restored.pages?.rows ?? 0) > 0, "pages restored");
    await report.getByText(`${done.report.attachments.copied} copied`).waitFor(WAIT);
    await page.getByRole("heading", { name: `Restore into ${COPY}`, level: 1 }).getByText("Complete").waitFor(WAIT);
    await page.screenshot({ path: join(shots, "06-report.png"), fullPage: true });

    // The restores list: this one, complete, with its rows.
    await section.getByRole("link", { name: "Restores" }).click();
    const row = page.getByRole("table", { name: "Restores" }).locator(`tr[data-restore-id="${restoreId}"]`);
    await row.getByText("Complete").waitFor(WAIT);
    assert.equal((await row.locator("td.num").textContent())?.trim(), Number(done.rows).toLocaleString("en"));

    // A narrow window: the report does not scroll sideways (its tables scroll in place).
    await row.getByRole("link", { name: COPY }).click();
    await report.waitFor(WAIT);
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), true, "the restore page scrolls sideways at 390 px");
    await page.screenshot({ path: join(shots, "07-report-narrow.png"), fullPage: true });

    // A dry run of one space into the backed-up site itself: "Everything" cannot go there; the space is
    // found by name and added; nothing is written, and the space (which the site has) is listed as skipped.
    await page.setViewportSize({ width: 1280, height: 800 });
    await section.getByRole("link", { name: "Restores" }).click();
    await page.getByRole("link", { name: "New restore" }).click();
    await page.getByLabel("Backup", { exact: true }).selectOption(backupId);
    await page.getByRole("button", { name: "Next" }).click();
    await destination.selectOption({ label: `${WIKI} (the backed-up site: chosen parts only)` });
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("heading", { name: "Step 3 of 3: Options" }).waitFor(WAIT);
    assert.equal(await page.getByRole("radio", { name: "Everything" }).isDisabled(), true);
    assert.equal(await page.getByRole("radio", { name: "Chosen spaces" }).isChecked(), true);
    const spaces = (await api(sluice, "GET", "/rest/admin/v1/sites/wiki/scopes?type=SPACE&query=")).json.values as { key: string; displayName: string }[];
    const space = spaces[0]!;
    await page.getByLabel("Find spaces of /wiki").fill(space.displayName);
    await page.getByRole("button", { name: `Add space ${space.key}` }).click();
    assert.equal(await page.getByLabel("Space keys").inputValue(), space.key);
    await page.getByRole("checkbox", { name: "Dry run" }).check();
    await page.getByRole("button", { name: "Validate and start the dry run" }).click();
    await report.getByRole("heading", { name: "Post-operation report (dry run: nothing was written)" }).waitFor(WAIT);
    const dryId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
    const wikiCloudId = (await api(sluice, "GET", backupApi("/sites"))).json.values.find((s: { contextPath: string }) => s.contextPath === "/wiki").cloudId as string;
    const dry = (await api(sluice, "GET", backupApi(`/cloud/${wikiCloudId}/migration/${dryId}/postOpReport`))).json;
    assert.deepEqual([dry.dryRun, dry.scopes, dry.report.skipped.scopes], [true, [space.key], [space.key]]);
    await report.getByRole("list", { name: "Skipped" }).getByText(space.key).waitFor(WAIT);
    await page.screenshot({ path: join(shots, "08-dry-run.png"), fullPage: true });

    assert.deepEqual(errors, [], "browser console errors");
    await context.close();
  } finally {
    await browser?.close();
    await sluice.stop();
    await sluice.cleanup();
  }
});
