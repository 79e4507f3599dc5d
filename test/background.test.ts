/**
 * Background work yields to people: a thread that yields runs at the lowest priority, nice 19 and
 * SCHED_IDLE (the main thread, which answers the API, keeps its priority); an export's worker lanes yield by default
 * (`jobs.background: yield`) and not when the config says `flat-out`, and so does the git an export runs;
 * a bad value is a config error.
 * The latency it buys is measured by bench/export-impact.ts, not here.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { loadConfig } from "../src/config.js";
import { isSluiceError } from "../src/core/errors.js";
import { spawnGit } from "../src/sources/git/git-process.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";

const linux = process.platform === "linux";

/** Nice values of this process's threads, by thread id. */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the parenthesised name: state is field 3; nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}

/** The scheduling policy of a thread or process (stat field 41): 0 normal, 5 SCHED_IDLE. */
function policyOf(path: string): number {
  const stat = readFileSync(`${path}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
}

const SCHED_IDLE = 5;

describe("background work yields to people", { skip: !linux && "thread priorities are read from /proc (Linux)" }, () => {
  it("a thread that yields runs at nice 19 in the idle scheduling class; the main thread keeps its priority", async () => {
    const base = getPriority();
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       import(${JSON.stringify(new URL("../src/jobs/background.js", import.meta.url).href)}).then((m) => {
         const yielded = m.yieldThisThread();
         const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
         // Read here: once the message is sent, the thread may be gone.
         const stat = require("node:fs").readFileSync("/proc/thread-self/stat", "utf8");
         const policy = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[38]);
         parentPort.postMessage({ yielded, policy, nice: require("node:os").getPriority(tid) });
       });`,
      { eval: true },
    );
    const answer = await new Promise<{ yielded: boolean; policy: number; nice: number }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    assert.equal(answer.yielded, true);
    assert.equal(answer.nice, 19);
    assert.equal(answer.policy, SCHED_IDLE);
    assert.equal(policyOf("/proc/thread-self"), 0, "the main thread keeps the normal class");
    assert.equal(getPriority(), base, "the main thread is untouched");
  });

  for (const mode of ["yield", "flat-out"] as const) {
    describe(`an export's worker lanes with jobs.background: ${mode}`, () => {
      let t: TestApp;
      after(async () => t?.close());

      it(mode === "yield" ? "run at a lower priority" : "run at the normal priority", async () => {
        t = await startTestApp({
          scale: 3,
          config: {
            jobs: { background: mode },
            export: { minimumUsableDiskSpaceAfterExport: 0, exportThreads: 2, parallelExportMinRows: 0, splitExportMinRows: 2 },
          },
        });
        const base = getPriority();
        const before = new Set(threadNice().keys());
        const seen = new Map<number, number>();
        let watching = true;
        const watch = (async () => {
          while (watching) {
            for (const [tid, nice] of threadNice()) if (!before.has(tid)) seen.set(tid, Math.max(seen.get(tid) ?? -20, nice));
            await new Promise((r) => setImmediate(r));
          }
        })();
        const res = await t.app.inject({ method: "POST", url: "/wiki/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z", headers: t.auth });
        assert.equal(res.statusCode, 202, res.body);
        const job = await waitForJob(t, "wiki", res.json<{ jobId: number }>().jobId);
        watching = false;
        await watch;
        assert.equal(job.status, "COMPLETED");
        const lowered = [...seen.values()].filter((n) => n > base);
        if (mode === "yield") assert.ok(lowered.includes(19), `a lane thread at nice 19: ${JSON.stringify([...seen])}`);
        else {
          assert.ok(seen.size >= 2, "the lanes' threads were seen");
          assert.deepEqual(lowered, [], "no thread below the normal priority");
        }
        assert.equal(getPriority(), base, "the main thread keeps its priority");
      });
    });
  }

  for (const threads of [1, 2]) {
    describe(`an export with ${threads} thread(s), or throttled, writes in a worker lane, never on the API's thread`, () => {
      let t: TestApp;
      after(async () => t?.close());

      it(threads === 1 ? "one thread is one lane" : "a throttled export is one lane, paced at its rate", async () => {
        const rate = threads === 1 ? 0 : 20_000;
        t = await startTestApp({
          scale: 3,
          config: { export: { minimumUsableDiskSpaceAfterExport: 0, exportThreads: threads, exportRowsPerSecond: rate, parallelExportMinRows: 0 } },
        });
        const before = new Set(threadNice().keys());
        const lanes = new Set<number>();
        let watching = true;
        const watch = (async () => {
          while (watching) {
            for (const [tid, nice] of threadNice()) if (!before.has(tid) && nice === 19) lanes.add(tid);
            await new Promise((r) => setImmediate(r));
          }
        })();
        const started = Date.now();
        const res = await t.app.inject({ method: "POST", url: "/wiki/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z", headers: t.auth });
        assert.equal(res.statusCode, 202, res.body);
        const job = await waitForJob(t, "wiki", res.json<{ jobId: number }>().jobId);
        const seconds = (Date.now() - started) / 1000;
        watching = false;
        await watch;
        assert.equal(job.status, "COMPLETED");
        assert.ok(lanes.size >= 1, "a worker lane (at nice 19) wrote the files");
        if (rate > 0) {
          const rows = (job.statistics as { writtenRows: number }).writtenRows;
          assert.ok(seconds >= (rows / rate) * 0.9, `${rows} rows at ${rate}/s took ${seconds.toFixed(2)} s: the pace holds`);
        }
      });
    });
  }

  it("git run for an export yields too; a git for the CLI or a check does not", async () => {
    const base = getPriority();
    for (const yieldCpu of [true, false]) {
      // `git cat-file --batch` waits for its input: its priority can be read while it runs.
      const child = spawnGit(["cat-file", "--batch"], { stdin: true, yieldCpu });
      const nice = getPriority(child.pid);
      // The idle class is set by a helper process, without holding up the caller: wait for it.
      let policy = policyOf(`/proc/${child.pid}`);
      for (let i = 0; yieldCpu && policy !== SCHED_IDLE && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        policy = policyOf(`/proc/${child.pid}`);
      }
      child.stdin!.end();
      await new Promise((r) => child.once("close", r));
      assert.equal(nice, yieldCpu ? 19 : base, `yieldCpu ${yieldCpu}`);
      assert.equal(policy, yieldCpu ? SCHED_IDLE : 0, `yieldCpu ${yieldCpu}`);
    }
  });

  it("jobs.background accepts yield or flat-out only", () => {
    assert.equal(loadConfig({ env: {}, overrides: { home: "/tmp/x" } }).jobs.background, "yield");
    assert.throws(
      () => loadConfig({ env: {}, overrides: { home: "/tmp/x", jobs: { background: "fast" } } }),
      (e: unknown) => isSluiceError(e) && /jobs\.background/.test(e.message) && /yield/.test(e.message),
    );
  });
});
