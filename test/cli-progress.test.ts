/**
 * The CLI shows one progress for any job kind, on a real terminal (a pseudo-terminal from `script`):
 * `sluice export` draws its bar with a real ETA (never a literal placeholder such as `ETA {eta_s}`), and
 * `sluice jobs watch` follows a sync running on another node in the same words — label, done/total, unit,
 * rate, ETA — until it ends.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { NewJob } from "../src/core/job.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { BIN } from "./support/server.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Runs the CLI under a pseudo-terminal; resolves with everything it drew, escape codes removed. */
function inTerminal(args: string[], env: Record<string, string>, onOutput?: (text: string) => void): Promise<{ code: number | null; text: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], { env: { PATH: process.env.PATH!, TERM: "xterm", COLUMNS: "160", ...env } });
  let text = "";
  const take = (d: Buffer) => {
    text += d.toString("utf8");
    onOutput?.(text);
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      // eslint-disable-next-line no-control-regex
      resolve({ code, text: text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") });
    });
  });
}

describe("one progress view on the terminal for every kind", { skip: !hasScript && "needs script(1) for a pseudo-terminal" }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportThreads: 1 } } });
  });
  after(async () => t?.close());

  it("sluice export draws a bar with a real ETA", async () => {
    const run = await inTerminal(["--home", t.home, "export", "--site", "wiki", "--from", "2000-01-01", "--rows-per-second", "3000"], { SLUICE_LOG_LEVEL: "warn" });
    assert.equal(run.code, 0, run.text);
    assert.doesNotMatch(run.text, /\{[a-z_]+\}/, "no placeholder left in the output");
    assert.match(run.text, /\d[\d,]*\/[\d,]+ rows \| [\d,.]+ rows\/s \| ETA (\d+s|\d+m\d\ds)/, run.text.slice(-600));
    assert.match(run.text, /Export job \d+ COMPLETED/);
  });

  it("sluice jobs watch follows a sync running on another node, in the same words, until it ends", async () => {
    const site = (await t.ctx.store.sites.byKey("jira"))!;
    const now = Date.now();
    const job: NewJob = {
      siteId: site.id,
      kind: "sync",
      status: "STARTED",
      trigger: "schedule",
      lockKey: `sync:${site.id}`,
      params: { full: false },
      result: null,
      progress: { label: "issues", done: 1200, total: 5000, unit: "items", rate: 400, etaSeconds: 10 },
      warnings: [],
      errors: [],
      nodeId: "node-elsewhere",
      instanceId: "node-elsewhere:1:0:test",
      pid: 1,
      createdAt: now,
      startTime: now,
      completedTime: null,
      cancelledTime: null,
      leaseExpiresAt: now + 120_000,
      notBefore: 0,
      scheduleId: null,
      parentId: null,
    };
    const created = await t.ctx.store.jobs.create(job);
    assert.ok(created.ok);
    const id = created.job.id;
    let moved = false;
    const run = inTerminal(["--home", t.home, "jobs", "watch", String(id)], { SLUICE_LOG_LEVEL: "warn" }, (text) => {
      if (moved || !/1,200\/5,000 items/.test(text)) return;
      moved = true;
      // The other node goes on, then finishes.
      void (async () => {
        await t.ctx.store.jobs.update(id, job.instanceId, { progress: { label: "worklogs", done: 4900, total: 5000, unit: "items", rate: 450, etaSeconds: 1 } });
        await new Promise((r) => setTimeout(r, 1500));
        await t.ctx.store.jobs.update(id, job.instanceId, { status: "COMPLETED", completedTime: Date.now(), result: { status: "SUCCEEDED" } });
      })();
    });
    const { code, text } = await run;
    assert.equal(code, 0, text);
    assert.match(text, /issues\s*\|.*\| 1,200\/5,000 items \| 400 items\/s \| ETA 10s/);
    assert.match(text, /worklogs\s*\|.*\| 4,900\/5,000 items \| 450 items\/s \| ETA 1s/);
    assert.match(text, /COMPLETED/);
    assert.doesNotMatch(text, /\{[a-z_]+\}/);
  });
});
