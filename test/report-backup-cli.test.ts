/**
 * `sluice report list|run|pause|resume`, `sluice backup run|list` and `sluice restore` from the command line (SQLite; the
 * server's store is closed while the CLI runs, as an administrator would run them on the host).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "./support/app.js";
import { BIN } from "./support/server.js";
import { entity } from "../src/core/entities/registry.js";
import { createSite } from "../src/sites/site-service.js";

const run = promisify(execFile);

describe("sluice report and sluice backup", () => {
  let t: TestApp;
  let scheduleId: number;
  const env = { PATH: process.env.PATH, SLUICE_LOG_LEVEL: "warn", SLUICE_DEMO: "false" };
  const sluice = (...args: string[]) => run(process.execPath, [BIN, "--home", t.home, ...args], { env, timeout: 60_000 });

  before(async () => {
    t = await startTestApp();
    const owner = await t.ctx.store.accounts.ensureAccount("fhassan", "F. Hassan", false);
    const site = (await t.ctx.store.sites.byKey("jira"))!;
    const report = await t.ctx.reports.create(site, owner, { name: "Open bugs", visibility: "private", definition: { entity: "issues", columns: ["key"], filter: [], jql: "project = PLAT", sort: [] } });
    const schedule = await t.ctx.reports.createSchedule(owner, report.id, {
      format: "csv",
      repeat: { type: "weekly", days: ["MONDAY"] },
      startDate: "2026-01-05",
      time: "08:00",
      zoneId: "Europe/Berlin",
      deliveries: [{ type: "api" }],
      fileName: "bugs.{{format}}",
      skipEmpty: false,
      onlyWhenChanged: false,
      addonPermissions: false,
    });
    scheduleId = schedule.record.id;
  });
  after(async () => t?.close());

  it("report list shows the schedule; run executes it here and prints each delivery; pause and resume", async () => {
    const list = (await sluice("report", "list")).stdout;
    assert.match(list, /^SCHEDULE\s+REPORT\s+SITE\s+OWNER\s+FORMAT\s+NEXT RUN\s+LAST RUN\s+STATE/);
    assert.match(list, new RegExp(`\\n${scheduleId}\\s+Open bugs\\s+/jira\\s+fhassan\\s+csv\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+-\\s+active`));
    const ran = (await sluice("report", "run", String(scheduleId))).stdout;
    assert.match(ran, /^run \d+: SUCCEEDED, \d+ rows, [\d,]+ bytes, bugs\.csv\n {2}api: SENT after 1 attempt\(s\)/);
    assert.match((await sluice("report", "pause", String(scheduleId))).stdout, /is paused \(Paused by the command line\)/);
    assert.match((await sluice("report", "list", "--json")).stdout, /"state": "paused: Paused by the command line"/);
    assert.match((await sluice("report", "resume", String(scheduleId))).stdout, /is active; next run \d{4}-/);
    await assert.rejects(sluice("report", "run", "abc"), (e: { code?: number; stderr?: string }) => e.code === 1 && /a schedule id is a positive whole number/.test(e.stderr ?? ""));
    await assert.rejects(sluice("report", "pause", "9999"), (e: { code?: number; stderr?: string }) => e.code === 2 && /no report schedule 9999/.test(e.stderr ?? ""));
  });

  it("backup run backs a site up and prints the counts; list shows the policy and the backup", async () => {
    const ran = (await sluice("backup", "run", "--site", "wiki")).stdout;
    assert.match(ran, /^backup \d+ of \/wiki: COMPLETE, [\d.]+ MB in \d+ parts\n/);
    assert.match(ran, /\n {2}pages: [\d,]+ rows/);
    const list = (await sluice("backup", "list", "--site", "wiki")).stdout;
    assert.match(list, /^policy [0-9a-f-]{36}\s+\/wiki\s+storage built-in\n\s+\d+\s+COMPLETE\s+/);
    await assert.rejects(sluice("backup", "run", "--site", "wiki"), (e: { code?: number; stderr?: string }) => e.code === 2 && /one per 7 days/.test(e.stderr ?? ""));

    // sluice restore: the failing check printed with its consent and nothing written, then restored with it.
    const backupId = /^backup (\d+)/.exec(ran)![1]!;
    await createSite(t.ctx.store, { product: "confluence", contextPath: "/wiki-cli" }, "ready");
    const waiting = await sluice("restore", "--backup", backupId, "--to", "wiki-cli").then(
      () => assert.fail("a restore waiting for consent exits 2"),
      (e: { code?: number; stdout?: string }) => e,
    );
    assert.equal(waiting.code, 2);
    assert.match(waiting.stdout!, /waits for consent; nothing was written:\n {2}CUSTOM_GROUPS: .*\n {4}--consent Accept_Custom_Group_Check or --consent Deny_Custom_Group_Check/);
    const dest = (await t.ctx.store.sites.byKey("wiki-cli"))!;
    assert.equal(await t.ctx.store.data.count(dest.id, entity("confluence", "pages")), 0);
    const dry = (await sluice("restore", "--backup", backupId, "--to", "wiki-cli", "--consent", "Accept_Custom_Group_Check", "--dry-run")).stdout;
    assert.match(dry, /: DRY RUN, nothing written\n[\s\S]* {2}pages: [\d,]+ rows would be written/);
    assert.equal(await t.ctx.store.data.count(dest.id, entity("confluence", "pages")), 0);
    const restored = (await sluice("restore", "--backup", backupId, "--to", "wiki-cli", "--consent", "Accept_Custom_Group_Check")).stdout;
    assert.match(restored, /into \/wiki-cli: COMPLETE\n[\s\S]* {2}pages: [\d,]+ rows/);
    const source = (await t.ctx.store.sites.byKey("wiki"))!;
    assert.equal(await t.ctx.store.data.count(dest.id, entity("confluence", "pages")), await t.ctx.store.data.count(source.id, entity("confluence", "pages")));
    await assert.rejects(sluice("restore", "--backup", backupId, "--to", "jira"), (e: { code?: number; stderr?: string }) => e.code === 2 && /a backup restores into a site of its own product|is CONFLUENCE|is JIRA/.test(e.stderr ?? ""));
  });
});
