/**
 * Two nodes on one PostgreSQL database (issue 15): both schedulers tick at once over several due
 * slots of a report schedule, and each scheduled run happens exactly once, on whichever node claimed
 * it; every run succeeds with its deliveries (a download link signed by the key both nodes share, and
 * the API delivery), a link made on one node is accepted by the other, and a run whose node died is
 * FAILED by the other node without keeping the schedule locked.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { seedDemo } from "../src/app/bootstrap.js";
import { createContext, type AppContext } from "../src/app/context.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { buildApp } from "../src/server/app.js";
import { DEMO_NOW } from "./support/app.js";
import { newExportJob } from "./support/jobs.js";
import { emptyPostgresDatabase } from "./support/stores.js";

describe("scheduled reports on two PostgreSQL nodes", () => {
  let db: { url: string; drop(): Promise<void> };
  let shared: string;
  const nodes: AppContext[] = [];
  let appB: FastifyInstance;

  before(async () => {
    db = await emptyPostgresDatabase();
    shared = await mkdtemp(join(tmpdir(), "sluice-reports-shared-"));
    for (const nodeId of ["node-a", "node-b"]) {
      const home = await mkdtemp(join(tmpdir(), `sluice-${nodeId}-`));
      const config = loadConfig({
        env: {},
        cwd: home,
        overrides: { home, nodeId, baseUrl: "http://localhost:8080", timeZone: "UTC", logLevel: "silent", demo: { enabled: false }, store: { kind: "postgres", url: db.url }, reports: { directory: shared } },
      });
      nodes.push(await createContext(config, { logger: createLogger("silent") }));
    }
    await seedDemo(nodes[0]!, { scale: 1, seed: 7, now: DEMO_NOW });
    appB = await buildApp(nodes[1]!);
    await appB.ready();
  });
  after(async () => {
    await appB?.close();
    for (const n of nodes) await n.close();
    await db?.drop();
    if (shared) await rm(shared, { recursive: true, force: true });
  });

  test("each scheduled run happens exactly once though both nodes tick together", async () => {
    const [a, b] = nodes as [AppContext, AppContext];
    const owner = await a.store.accounts.ensureAccount("fhassan", "F. Hassan", false);
    const site = (await a.store.sites.byKey("jira"))!;
    const report = await a.reports.create(site, owner, { name: "cluster", visibility: "private", definition: { entity: "issues", columns: ["key", "status"], filter: [], jql: "project = PLAT", sort: [] } });
    const schedule = await a.reports.createSchedule(owner, report.id, {
      format: "csv",
      repeat: { type: "daily" },
      startDate: "2026-01-01",
      time: "08:00",
      zoneId: "Europe/Berlin",
      deliveries: [{ type: "link", retentionDays: 1 }, { type: "api" }],
      fileName: "cluster.{{format}}",
      skipEmpty: false,
      onlyWhenChanged: false,
      addonPermissions: false,
    });
    const SLOTS = 4;
    for (let slot = 0; slot < SLOTS; slot++) {
      // The slot is due now (as if its time had come): both nodes' schedulers tick at the same moment.
      const current = (await a.store.schedules.get(schedule.record.id))!;
      await a.store.schedules.update(current.id, { nextRunAt: Date.now() - 1000 }, Date.now());
      const fired = await Promise.all([a.scheduler.tick(), b.scheduler.tick(), a.scheduler.tick(), b.scheduler.tick()]);
      assert.equal(fired.reduce((x, y) => x + y, 0), 1, `slot ${slot}: fired ${JSON.stringify(fired)}`);
      // Whichever node is free takes the queued run; wait for it to end.
      const until = Date.now() + 30_000;
      for (;;) {
        for (const n of slot % 2 === 0 ? [a, b] : [b, a]) await n.runner.dispatch();
        const { jobs } = await a.store.jobs.list({ kind: "report", scheduleId: schedule.record.id }, 0, 100);
        if (jobs.length === slot + 1 && jobs.every((j) => j.status === "COMPLETED" || j.status === "FAILED")) break;
        if (Date.now() > until) throw new Error(`slot ${slot}: runs ${JSON.stringify(jobs.map((j) => [j.id, j.status]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const { jobs, total } = await a.store.jobs.list({ kind: "report", scheduleId: schedule.record.id }, 0, 100);
    assert.equal(total, SLOTS);
    assert.ok(jobs.every((j) => j.status === "COMPLETED" && j.trigger === "schedule"), JSON.stringify(jobs.map((j) => [j.status, j.errors])));
    assert.ok(jobs.every((j) => j.nodeId === "node-a" || j.nodeId === "node-b"));

    // A link made by whichever node ran is good on node B too (one signing key for the cluster).
    const newest = jobs[0]!;
    const link = new URL((newest.result as { deliveries: { detail: string }[] }).deliveries[0]!.detail);
    const res = await appB.inject({ method: "GET", url: `${link.pathname}${link.search}` });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(res.body, /^key,status\r\nPLAT-/);

    // A run whose node died mid-run is FAILED by the other node and holds no lock: the next run starts.
    const dead = await a.store.jobs.create({
      ...newExportJob({ siteId: site.id, nodeId: "node-gone", instanceId: "node-gone:1:0:x", leaseExpiresAt: Date.now() - 1000 }),
      kind: "report",
      lockKey: `report:${schedule.record.id}`,
      params: { scheduleId: schedule.record.id, reportId: report.id, manual: false },
      scheduleId: schedule.record.id,
    });
    assert.ok(dead.ok);
    const lost = await b.runner.recoverLost();
    assert.deepEqual(lost.map((j) => j.id), [dead.job.id]);
    const failed = (await a.store.jobs.get(dead.job.id))!;
    assert.deepEqual([failed.status, failed.errors[0]?.key], ["FAILED", "report.node.lost"]);
    const next = await a.reports.execute(owner, schedule.record.id);
    await a.runner.dispatch();
    await a.runner.waitFor(next.id);
    assert.equal((await a.store.jobs.get(next.id))!.status, "COMPLETED");
  });
});
