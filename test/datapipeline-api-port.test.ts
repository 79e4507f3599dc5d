/**
 * The Data pipeline API's main flow once through a real port and a real server process
 * (`node bin/sluice.js start`): the seed's curl line with the real `curl` binary, progress to
 * COMPLETED, the files on disk as the spec names them with a manifest that matches them, and a
 * graceful shutdown that leaves the running job CANCELLED.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { api, startSluice, type SluiceProcess } from "./support/server.js";

const run = promisify(execFile);

type Json = Record<string, any>;

const CSV_NAME = /^(users|spaces|pages|comments|analytics_events)_job(\d+)_(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3})Z\.csv$/;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function finished(p: SluiceProcess, site: string, jobId: number): Promise<Json> {
  return until(`job ${jobId} of /${site} finished`, 30_000, async () => {
    const res = await api(p, "GET", `/${site}/rest/datapipeline/latest/export`);
    assert.equal(res.status, 200);
    const job = res.json as Json;
    return job.jobId === jobId && !["STARTED", "CANCELLATION_REQUESTED"].includes(job.status) ? job : undefined;
  });
}

describe("Data pipeline API through a real port", () => {
  it("the seed's curl line → 202; GET → COMPLETED; files named as the spec says, manifest matches, mode 0600", async () => {
    const p = await startSluice({ env: { SLUICE_TIME_ZONE: "UTC", SLUICE_DEMO_SCALE: "0.25" } });
    try {
      const url = `${p.baseUrl}/wiki/rest/datapipeline/latest/export?fromDate=2020-12-30T22%3A03%2B01%3A00`;
      // The seed's arguments unchanged; -sS and -w only change what curl prints (the status), not the request.
      const seedArgs = ["-X", "POST", "-H", `Authorization:Bearer ${p.token}`, "-H", "X-Atlassian-Token: no-check", url];
      const { stdout } = await run("curl", [...seedArgs, "-sS", "-w", "\n%{http_code}"]);
      const cut = stdout.lastIndexOf("\n");
      assert.equal(stdout.slice(cut + 1), "202", stdout);
      const started = JSON.parse(stdout.slice(0, cut)) as Json;
      assert.equal(started.jobId, 1);
      assert.equal(started.status, "STARTED");
      assert.deepEqual(started.config, { exportFrom: "2020-12-30T21:03:00Z", forcedExport: false });

      const job = await finished(p, "wiki", 1);
      assert.equal(job.status, "COMPLETED", JSON.stringify(job));
      assert.ok(job.statistics.writtenRows > 0 && job.statistics.exportedEntities > 0, JSON.stringify(job.statistics));
      assert.ok(
        String(job.rootExportPath).startsWith(join(p.home, "shared", "data-pipeline", "export")),
        `${job.rootExportPath} under <home>/shared/data-pipeline/export`,
      );

      const dir = join(job.rootExportPath, "1");
      const names = (await readdir(dir)).sort();
      const csvs = names.filter((n) => n.endsWith(".csv"));
      assert.deepEqual(names, [...csvs, "manifest.json"].sort(), `only complete files and the manifest: ${names.join(", ")}`);
      assert.equal(csvs.length, 5);
      const stamp = String(job.startTime).replace(/:/g, "-").replace(".", "-").replace(/Z$/, "");
      for (const name of csvs) {
        const m = CSV_NAME.exec(name);
        assert.ok(m, `${name} is <prefix>_job<id>_<yyyy-MM-ddTHH-mm-ss-SSS>Z.csv`);
        assert.equal(m[2], "1");
        assert.equal(m[3], stamp, "the timestamp is the job's start");
      }

      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Json;
      assert.equal(manifest.jobId, 1);
      assert.deepEqual(manifest.statistics, job.statistics);
      assert.deepEqual(
        (manifest.files as Json[]).map((f) => f.name).sort(),
        csvs,
      );
      for (const f of manifest.files as Json[]) {
        const path = join(dir, f.name);
        const bytes = await readFile(path);
        assert.equal(bytes.length, f.bytes, `${f.name}: bytes`);
        assert.equal(createHash("sha256").update(bytes).digest("hex"), f.sha256, `${f.name}: sha256`);
        const records = parse(bytes.toString("utf8")) as unknown[];
        assert.equal(records.length - 1, f.rows, `${f.name}: rows`);
        assert.equal((await stat(path)).mode & 0o777, 0o600, `${f.name}: mode 0600`);
        const shown = (job.files as Json[]).find((x) => x.name === f.name);
        assert.deepEqual({ rows: shown?.rows, bytes: shown?.bytes, sha256: shown?.sha256 }, { rows: f.rows, bytes: f.bytes, sha256: f.sha256 });
      }
      assert.equal((await stat(join(dir, "manifest.json"))).mode & 0o777, 0o600, "manifest mode 0600");

      // An unencoded '+' (curl sends it raw; servers read it as a space) still means the offset.
      const { stdout: raw } = await run("curl", [
        "-sS",
        "-w",
        "\n%{http_code}",
        "-X",
        "POST",
        "-H",
        `Authorization:Bearer ${p.token}`,
        `${p.baseUrl}/wiki/rest/datapipeline/1.0/export?fromDate=2020-12-30T22:03+01:00`,
      ]);
      const rawCut = raw.lastIndexOf("\n");
      assert.equal(raw.slice(rawCut + 1), "202", raw);
      const second = JSON.parse(raw.slice(0, rawCut)) as Json;
      assert.equal(second.jobId, 2);
      assert.equal(second.config.exportFrom, "2020-12-30T21:03:00Z");
      assert.equal((await finished(p, "wiki", 2)).status, "COMPLETED");

      const del = await api(p, "DELETE", "/wiki/rest/datapipeline/latest/export");
      assert.equal(del.status, 409);
      assert.equal(del.json.status, "WARNING");

      const anonymous = await fetch(`${p.baseUrl}/wiki/rest/datapipeline/latest/export`);
      assert.equal(anonymous.status, 401);
      const body = (await anonymous.json()) as Json;
      assert.equal(body.statusCode, 401);
      assert.equal(body.errors[0].key, "sluice.auth.token.missing");
      const { stdout: curl401 } = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", url]);
      assert.equal(curl401, "401");
      const ping = await fetch(`${p.baseUrl}/wiki/rest/datapipeline/latest/ping`);
      assert.deepEqual(await ping.json(), { ping: "success" });
    } finally {
      await p.stop();
      await p.cleanup();
    }
  });

  it("graceful shutdown (SIGTERM) during a slow export → after restart the job is CANCELLED and a new one runs", async () => {
    const p = await startSluice({ env: { SLUICE_EXPORT_ROWS_PER_SECOND: "100", SLUICE_DEMO_SCALE: "0.25" } });
    let restarted: SluiceProcess | undefined;
    try {
      const res = await api(p, "POST", "/wiki/rest/datapipeline/latest/export?fromDate=2020-01-01T00:00Z");
      assert.equal(res.status, 202, JSON.stringify(res.json));
      await until("progress", 15_000, async () => {
        const job = (await api(p, "GET", "/wiki/rest/datapipeline/latest/export")).json as Json;
        return job.progress ? job : undefined;
      });
      await p.stop();
      assert.equal(p.child.exitCode, 0, p.output());

      restarted = await startSluice({ home: p.home, token: p.token });
      const job = (await api(restarted, "GET", "/wiki/rest/datapipeline/latest/export")).json as Json;
      assert.equal(job.jobId, 1);
      assert.equal(job.status, "CANCELLED", JSON.stringify(job));
      assert.equal(typeof job.cancelledTime, "string");
      const dir = join(job.rootExportPath, "1");
      const left = await readdir(dir).catch(() => [] as string[]);
      assert.ok(!left.some((n) => n.endsWith(".partial")), `no .partial file left: ${left.join(", ")}`);
      assert.ok(!left.includes("manifest.json"), "no manifest for a cancelled job");

      const again = await api(restarted, "POST", "/wiki/rest/datapipeline/latest/export");
      assert.equal(again.status, 202, JSON.stringify(again.json));
      assert.equal(again.json.jobId, 2);
      assert.equal((await finished(restarted, "wiki", 2)).status, "COMPLETED");
    } finally {
      await p.stop();
      await restarted?.stop();
      await p.cleanup();
    }
  });
});
