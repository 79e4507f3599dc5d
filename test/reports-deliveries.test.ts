/**
 * Scheduled reports end to end through the API (issue 15), each delivery against a real receiver the
 * test starts on 127.0.0.1: an SMTP server (smtp-server) gets the attachment byte-identical and zipped
 * when asked; OpenSSH sshd gets the file over SFTP with key auth and a changed host key is refused; a
 * webhook receiver like the seed's Express example saves the streamed body under the
 * content-disposition name; a download link works before expiry, 410 after, 403 when tampered. Then:
 * five failed runs pause the schedule and the owner is mailed; a resend sends the same bytes; resume;
 * "skip when empty" and "only when changed" over three runs; the owner's permissions.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import yauzl from "yauzl";
import { issueToken } from "../src/access/tokens.js";
import { entity } from "../src/core/entities/registry.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { startSmtpReceiver, type SmtpReceiver } from "./support/smtp-receiver.js";
import { startSshd, type Sshd } from "./support/sshd.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

type Json = any;

describe("scheduled reports: deliveries to real receivers", () => {
  let t: TestApp;
  let smtp: SmtpReceiver;
  let sshd: Sshd;
  let hook: WebhookReceiver;

  const call = async (method: string, url: string, body?: unknown, auth = t.auth): Promise<{ status: number; json: Json; raw: Buffer; headers: Record<string, unknown> }> => {
    const res = await t.app.inject({ method: method as "GET", url, headers: auth, ...(body !== undefined ? { payload: body as object } : {}) });
    let json: Json;
    try {
      json = res.json();
    } catch {
      json = null;
    }
    return { status: res.statusCode, json, raw: res.rawPayload, headers: res.headers };
  };

  /** Waits for a run to end; returns its view. */
  const finished = async (runId: number, auth = t.auth): Promise<Json> => {
    const until = Date.now() + 30_000;
    for (;;) {
      await t.ctx.runner.dispatch();
      const { json } = await call("GET", `/rest/reports/v1/runs/${runId}`, undefined, auth);
      if (json.status === "SUCCEEDED" || json.status === "FAILED") return json;
      if (Date.now() > until) throw new Error(`run ${runId} still ${json.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const execute = async (scheduleId: number, auth = t.auth): Promise<Json> => {
    const res = await call("POST", `/rest/reports/v1/schedules/${scheduleId}/execute`, undefined, auth);
    assert.equal(res.status, 202, JSON.stringify(res.json));
    return finished(res.json.runId, auth);
  };
  const report = async (body: Record<string, unknown>, auth = t.auth): Promise<Json> => {
    const res = await call("POST", "/rest/reports/v1/reports", { name: "Open bugs", site: "/jira", entity: "issues", ...body }, auth);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json;
  };
  const schedule = async (reportId: number, body: Record<string, unknown>, auth = t.auth): Promise<Json> => {
    const res = await call("POST", "/rest/reports/v1/schedules", { reportId, format: "csv", repeat: { type: "daily" }, startDate: "2026-01-01", time: "08:00", zoneId: "Europe/Berlin", ...body }, auth);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json;
  };
  /** The file a run kept on the server. */
  const keptFile = async (runId: number): Promise<Buffer> => {
    const job = await t.ctx.store.jobs.get(runId);
    return readFile((job!.result as Json).file.path);
  };

  before(async () => {
    [smtp, sshd, hook] = await Promise.all([startSmtpReceiver(), startSshd(), startWebhookReceiver()]);
    t = await startTestApp({
      config: {
        delivery: { allowedPrivateHosts: ["127.0.0.1"], smtp: { host: "127.0.0.1", port: smtp.port, from: "Sluice <reports@sluice.test>" }, attempts: 2, backoffMs: 10, timeoutSeconds: 20 },
      },
    });
  });
  after(async () => {
    await t?.close();
    await Promise.all([smtp?.close(), sshd?.close(), hook?.close()]);
  });

  test("webhook: the streamed body is saved under the content-disposition name, byte-identical, with the seed's headers and placeholders URL-encoded", async () => {
    const r = await report({ jql: "project = PLAT ORDER BY created DESC", columns: ["key", "summary", "status", "created_date"] });
    const s = await schedule(r.id, { deliveries: [{ type: "webhook", url: `${hook.url}/upload?name={{exportConfigName}}&rows={{rows}}&format={{format}}&jql={{jql}}`, headers: { Authorization: "Basic dGVzdDp0ZXN0" } }] });
    const run = await execute(s.id);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    assert.deepEqual(run.deliveries.map((d: Json) => [d.type, d.status, d.attempts]), [["webhook", "SENT", 1]]);
    const got = hook.requests.at(-1)!;
    assert.equal(got.headers["user-agent"], `Sluice/${JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")).version}`);
    assert.equal(got.headers["transfer-encoding"], "chunked");
    assert.equal(got.headers["content-type"], "text/csv; charset=utf-8");
    assert.equal(got.headers["x-download-schedule-id"], String(s.id));
    assert.equal(got.headers["x-download-schedule-execution-id"], String(run.runId));
    assert.equal(got.headers.authorization, "Basic dGVzdDp0ZXN0");
    assert.match(String(got.headers["content-disposition"]), /^attachment; filename="Open bugs_\d{4}-\d{2}-\d{2}T\d\d-\d\d-\d\dZ\.csv"$/);
    const url = new URL(got.url, "http://x");
    assert.deepEqual([url.searchParams.get("name"), url.searchParams.get("rows"), url.searchParams.get("format"), url.searchParams.get("jql")], ["Open bugs", String(run.rows), "CSV", "project = PLAT ORDER BY created DESC"]);
    const saved = await readFile(got.path!);
    assert.equal(sha(saved), run.sha256);
    assert.deepEqual(saved, await keptFile(run.runId));
    const lines = saved.toString("utf8").trim().split("\r\n");
    assert.equal(lines[0], "key,summary,status,created_date");
    assert.ok(run.rows > 10 && lines.length === run.rows + 1);
    assert.ok(lines.slice(1).every((l) => l.startsWith("PLAT-")));
  });

  test("webhook JSON: no content-disposition, content-type application/json, and the receiver reads body.columns and body.rows", async () => {
    const r = await report({ name: "json", filter: [{ column: "project_key", op: "=", value: "WEB" }], columns: ["key", "votes"] });
    const s = await schedule(r.id, { format: "json", deliveries: [{ type: "webhook", url: `${hook.url}/upload` }] });
    const run = await execute(s.id);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    const got = hook.requests.at(-1)!;
    assert.equal(got.headers["content-disposition"], undefined);
    assert.equal(got.headers["content-type"], "application/json");
    assert.deepEqual((got.json!.columns as Json[]).map((c) => c.name), ["key", "votes"]);
    assert.equal((got.json!.rows as unknown[]).length, run.rows);
  });

  test("email: the attachment arrives byte-identical, and zipped when asked; subject and body templates filled; site users mailed at their profile address", async () => {
    const r = await report({ name: "Mail me", jql: "project = WEB", columns: ["key", "summary"] });
    const s = await schedule(r.id, {
      format: "xlsx",
      deliveries: [
        { type: "email", users: ["fhassan"], addresses: ["boss@example.org"], subject: "{{exportConfigName}}: {{rows}} rows", body: "Format {{format}}, {{sizeMb}} MB" },
        { type: "email", addresses: ["zip@example.org"], zip: true },
      ],
    });
    const before = smtp.messages.length;
    const run = await execute(s.id);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    const mails = (await smtp.waitFor(before + 2)).slice(before);
    const plain = mails.find((m) => m.to.includes("boss@example.org"))!;
    assert.deepEqual(plain.to.sort(), ["boss@example.org", "fhassan@example.com"]);
    assert.equal(plain.subject, `Mail me: ${run.rows} rows`);
    assert.match(plain.text, /^Format XLSX, \d+\.\d\d MB/);
    const kept = await keptFile(run.runId);
    assert.equal(plain.attachments.length, 1);
    assert.equal(plain.attachments[0]!.filename, run.fileName);
    assert.deepEqual(plain.attachments[0]!.content, kept);
    const zipped = mails.find((m) => m.to.includes("zip@example.org"))!;
    assert.equal(zipped.attachments[0]!.filename, `${run.fileName}.zip`);
    const inner = await unzipOne(zipped.attachments[0]!.content);
    assert.equal(inner.name, run.fileName);
    assert.deepEqual(inner.content, kept);
  });

  test("email over the attachment limit: a clear failure, or a download link instead when the schedule says so", async () => {
    const small = await startTestApp({ config: { delivery: { allowedPrivateHosts: ["127.0.0.1"], smtp: { host: "127.0.0.1", port: smtp.port }, attempts: 1, backoffMs: 0, maxAttachmentMb: 0.001 } } });
    try {
      const saved = t;
      t = small;
      try {
        const r = await report({ name: "big", columns: ["key", "summary", "description"] });
        const failing = await schedule(r.id, { deliveries: [{ type: "email", addresses: ["a@example.org"] }] });
        const failed = await execute(failing.id);
        assert.equal(failed.status, "FAILED");
        assert.match(failed.deliveries[0].error, /over the 0\.001 MB attachment limit/);
        const linked = await schedule(r.id, { deliveries: [{ type: "email", addresses: ["link@example.org"], linkWhenTooLarge: true }] });
        const before = smtp.messages.length;
        const ok = await execute(linked.id);
        assert.equal(ok.status, "SUCCEEDED", JSON.stringify(ok));
        const [mail] = (await smtp.waitFor(before + 1)).slice(before);
        assert.equal(mail!.attachments.length, 0);
        const link = /(http:\/\/localhost:8080\/rest\/reports\/v1\/files\/\S+)/.exec(mail!.text)![1]!;
        const res = await call("GET", link.replace("http://localhost:8080", ""), undefined, {} as never);
        assert.equal(res.status, 200);
        assert.deepEqual(res.raw, await keptFile(ok.runId));
      } finally {
        t = saved;
      }
    } finally {
      await small.close();
    }
  });

  test("SFTP: key auth, the file arrives byte-identical in the remote directory (temporary name, then renamed); a changed host key is refused and nothing is sent", async () => {
    const r = await report({ name: "sftp", jql: "project = PLAT", columns: ["key", "status"] });
    const s = await schedule(r.id, {
      format: "parquet",
      fileName: "plat.{{format}}",
      deliveries: [{ type: "sftp", host: "127.0.0.1", port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, hostKey: sshd.hostKeyFingerprint, directory: join(sshd.uploadDir, "out") }],
    });
    const run = await execute(s.id);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    const uploaded = await readFile(join(sshd.uploadDir, "out", "plat.parquet"));
    assert.deepEqual(uploaded, await keptFile(run.runId));
    assert.equal(uploaded.subarray(0, 4).toString(), "PAR1");
    // The schedule's view never shows the key.
    const view = await call("GET", `/rest/reports/v1/schedules/${s.id}`);
    assert.equal(view.json.deliveries[0].privateKey, "<set>");

    await sshd.rotateHostKey();
    const refused = await execute(s.id);
    assert.equal(refused.status, "FAILED");
    assert.match(refused.deliveries[0].error, /host key of 127\.0\.0\.1:\d+ changed/);
    assert.equal((await stat(join(sshd.uploadDir, "out", "plat.parquet"))).mtimeMs > 0, true);
  });

  test("download link: works before expiry, 410 after, 403 when tampered", async () => {
    const r = await report({ name: "linked", jql: "project = MKTG" });
    const s = await schedule(r.id, { deliveries: [{ type: "link", retentionDays: 2 }] });
    const run = await execute(s.id);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    const link = new URL(run.deliveries[0].detail);
    const path = `${link.pathname}${link.search}`;
    const ok = await call("GET", path, undefined, {} as never);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.raw, await keptFile(run.runId));
    assert.match(String(ok.headers["content-disposition"]), /^attachment; filename=/);
    const tampered = path.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 1000}`);
    const bad = await call("GET", tampered, undefined, {} as never);
    assert.equal(bad.status, 403);
    assert.equal(bad.json.errors[0].key, "sluice.report.link.invalid");
    const otherRun = path.replace(`/files/${run.runId}/`, `/files/${run.runId + 1}/`);
    assert.equal((await call("GET", otherRun, undefined, {} as never)).status, 403);
    // An expired link (signed by the server for a past instant) answers 410.
    const { signedLink } = await import("../src/reports/report-files.js");
    const expired = await signedLink(t.ctx.store, { runId: run.runId, name: run.fileName, expires: Date.now() - 1000 });
    const gone = await call("GET", expired, undefined, {} as never);
    assert.equal(gone.status, 410);
    assert.equal(gone.json.errors[0].key, "sluice.report.file.gone");
    // The API delivery: the latest file over REST.
    const latest = await call("GET", `/rest/reports/v1/schedules/${s.id}/latest`);
    assert.equal(latest.status, 200);
    assert.deepEqual(latest.raw, await keptFile(run.runId));
  });

  test("a receiver failing 5 runs in a row pauses the schedule and the owner is mailed; a resend sends the same bytes; resume works; nothing is lost", async () => {
    const ann = await issueToken(t.ctx.store, { username: "fhassan", sysadmin: false, name: "ann" });
    const auth = { authorization: `Bearer ${ann}` };
    const r = await report({ name: "flaky", jql: "project = PLAT", columns: ["key"] }, auth);
    const s = await schedule(r.id, { deliveries: [{ type: "webhook", url: `${hook.url}/upload` }] }, auth);
    hook.failNext(5 * 2, 503); // two attempts per run
    const runs: Json[] = [];
    const mailsBefore = smtp.messages.length;
    for (let i = 0; i < 5; i++) runs.push(await execute(s.id, auth));
    assert.deepEqual(runs.map((x) => x.status), ["FAILED", "FAILED", "FAILED", "FAILED", "FAILED"]);
    assert.ok(runs.every((x) => x.deliveries[0].attempts === 2 && /HTTP 503/.test(x.deliveries[0].error)));
    const paused = (await call("GET", `/rest/reports/v1/schedules/${s.id}`, undefined, auth)).json;
    assert.equal(paused.paused, true);
    assert.match(paused.pausedReason, /Paused after 5 failed runs in a row; the last: .*HTTP 503/);
    assert.deepEqual(paused.nextRuns, []);
    const notice = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore).find((m) => /is paused/.test(m.subject))!;
    assert.ok(notice.to.includes("fhassan@example.com"), JSON.stringify(notice.to));
    assert.match(notice.text, /Paused after 5 failed runs/);

    // The webhook moves down the list (a new delivery before it): a resend still goes through it, by its id.
    const { id: _i, reportId: _r, reportName: _n, owner: _o, paused: _p, pausedReason: _pr, pausedTime: _pt, failures: _f, nextRunTime: _nr, nextRuns: _ns, lastRun: _l, ...fields } = paused;
    const reordered = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, deliveries: [{ type: "api" }, paused.deliveries[0]] }, auth);
    assert.equal(reordered.status, 200, JSON.stringify(reordered.json));
    assert.equal(reordered.json.paused, true, "a change keeps the schedule paused");

    // Every failed run kept its file; a resend delivers those same bytes.
    const first = runs[0];
    const kept = await keptFile(first.runId);
    const resent = await call("POST", `/rest/reports/v1/runs/${first.runId}/deliveries/0/resend`, undefined, auth);
    assert.equal(resent.status, 202, JSON.stringify(resent.json));
    const resend = await finished(resent.json.runId, auth);
    assert.equal(resend.status, "SUCCEEDED", JSON.stringify(resend));
    assert.deepEqual(await readFile(hook.requests.at(-1)!.path!), kept);
    const original = (await call("GET", `/rest/reports/v1/runs/${first.runId}`, undefined, auth)).json;
    assert.deepEqual([original.status, original.deliveries[0].status, original.deliveries[0].attempts], ["SUCCEEDED", "SENT", 3]);

    const resumed = await call("POST", `/rest/reports/v1/schedules/${s.id}/resume`, undefined, auth);
    assert.equal(resumed.json.paused, false);
    assert.equal(resumed.json.failures, 0);
    assert.equal(resumed.json.nextRuns.length, 5);
    const ok = await execute(s.id, auth);
    assert.equal(ok.status, "SUCCEEDED");

    // Files no run needs go; a failed delivery's file stays until it is re-sent or its retention ends.
    const { sweepFiles } = await import("../src/reports/report-files.js");
    await sweepFiles(t.ctx.config, t.ctx.store, Date.now());
    const exists = async (runId: number) => stat(join(t.ctx.config.home, "reports", String(runId))).then(() => true, () => false);
    assert.equal(await exists(first.runId), false, "the re-sent run's file was kept");
    for (const failed of runs.slice(1)) assert.equal(await exists(failed.runId), true, `run ${failed.runId}'s file went before its delivery succeeded`);
    assert.equal(await exists(ok.runId), true, "the latest file went");
    await sweepFiles(t.ctx.config, t.ctx.store, Date.now() + 8 * 86_400_000);
    for (const failed of runs.slice(1)) assert.equal(await exists(failed.runId), false, "a file outlived its retention");
    assert.equal(await exists(ok.runId), true, "the latest file went");
  });

  test("skip when empty and only when changed hold over three runs (empty, new rows, unchanged)", async () => {
    const jira = (await t.ctx.store.sites.byKey("jira"))!;
    const r = await report({ name: "changes", filter: [{ column: "summary", op: "=", value: "Reported by the test" }], columns: ["key", "summary"] });
    const s = await schedule(r.id, { skipEmpty: true, onlyWhenChanged: true, deliveries: [{ type: "webhook", url: `${hook.url}/upload` }] });
    const before = hook.requests.length;
    const empty = await execute(s.id);
    assert.deepEqual([empty.status, empty.skipped, empty.rows, empty.deliveries.length], ["SUCCEEDED", "empty", 0, 0]);
    assert.equal(hook.requests.length, before);

    const issues = entity("jira", "issues");
    const [row] = await t.ctx.store.data.snapshot(jira.id).then(async (snap) => {
      try {
        for await (const batch of snap.rows({ entity: issues, limit: 1 }, 1)) return batch;
        return [];
      } finally {
        await snap.close();
      }
    });
    const names = issues.columns.filter((c) => c.type !== "instance").map((c) => c.name);
    const copy = [...row!];
    copy[names.indexOf("id")] = 999_001;
    copy[names.indexOf("key")] = "PLAT-99001";
    copy[names.indexOf("summary")] = "Reported by the test";
    await t.ctx.store.data.upsert(jira.id, issues, [copy]);
    const changed = await execute(s.id);
    assert.deepEqual([changed.status, changed.skipped, changed.rows, changed.deliveries[0]?.status], ["SUCCEEDED", null, 1, "SENT"]);
    assert.equal(hook.requests.length, before + 1);

    const same = await execute(s.id);
    assert.deepEqual([same.status, same.skipped, same.rows], ["SUCCEEDED", "unchanged", 1]);
    assert.equal(hook.requests.length, before + 1);
  });

  test("a report of a saved SQL query: the query's columns and rows, as its owner sees them through the SQL API", async () => {
    const token = await issueToken(t.ctx.store, { username: "nmuller", sysadmin: false, name: "sql" });
    const auth = { authorization: `Bearer ${token}` };
    const sql = "SELECT project_key, count(*) AS issues, max(created_date) AS newest FROM issues GROUP BY project_key ORDER BY project_key";
    const saved = await call("POST", "/jira/rest/sql/v1/queries", { name: "per project", sql }, auth);
    assert.equal(saved.status, 201, JSON.stringify(saved.json));
    const r = await report({ name: "sql report", entity: undefined, sqlQueryId: saved.json.id }, auth);
    const s = await schedule(r.id, { format: "json", deliveries: [{ type: "webhook", url: `${hook.url}/upload` }] }, auth);
    const run = await execute(s.id, auth);
    assert.equal(run.status, "SUCCEEDED", JSON.stringify(run));
    const got = hook.requests.at(-1)!;
    const direct = await call("POST", "/jira/rest/sql/v1/query", { sql }, auth);
    // The SQL API's column types, as a file's types (text is a string).
    const types = direct.json.columns.map((c: Json) => [c.name, c.type === "text" ? "string" : c.type]);
    assert.deepEqual((got.json!.columns as Json[]).map((c) => [c.name, c.type]), types);
    assert.deepEqual(types.slice(0, 2), [["project_key", "string"], ["issues", "integer"]]);
    assert.deepEqual(got.json!.rows, direct.json.rows);
    // Someone else's private query cannot be a report's source.
    const other = await call("POST", "/rest/reports/v1/reports", { name: "theirs", site: "/jira", sqlQueryId: saved.json.id }, { authorization: `Bearer ${await issueToken(t.ctx.store, { username: "hjensen", sysadmin: false, name: "h" })}` });
    assert.equal(other.status, 400);
    assert.match(other.json.errors[0].message, /sqlQueryId: there is no saved SQL query \d+ on \/jira that you can see/);
    const both = await call("POST", "/rest/reports/v1/reports", { name: "both", site: "/jira", entity: "issues", sqlQueryId: saved.json.id }, auth);
    assert.equal(both.status, 400);
  });

  test("a running report never blocks an export of its site", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = createServer((req, res) => {
      req.resume();
      req.on("end", () => void held.then(() => res.end("ok")));
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    try {
      const r = await report({ name: "slow", jql: "project = PLAT", columns: ["key"] });
      const s = await schedule(r.id, { deliveries: [{ type: "webhook", url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/in` }] });
      const started = await call("POST", `/rest/reports/v1/schedules/${s.id}/execute`);
      const until = Date.now() + 10_000;
      while ((await call("GET", `/rest/reports/v1/runs/${started.json.runId}`)).json.status !== "RUNNING") {
        await t.ctx.runner.dispatch();
        if (Date.now() > until) throw new Error("the report never started");
        await new Promise((res) => setTimeout(res, 20));
      }
      const exported = await call("POST", "/jira/rest/datapipeline/latest/export?fromDate=2020-01-01T00:00Z");
      assert.equal(exported.status, 202, JSON.stringify(exported.json));
      release();
      assert.equal((await finished(started.json.runId)).status, "SUCCEEDED");
    } finally {
      release();
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  test("runs missed while every node was down run once, and the next run is in the future", async () => {
    const r = await report({ name: "missed", jql: "project = WEB", columns: ["key"] });
    const s = await schedule(r.id, { deliveries: [{ type: "api" }] });
    // Three days of daily runs missed.
    await t.ctx.store.schedules.update(s.id, { nextRunAt: Date.now() - 3 * 86_400_000 }, Date.now());
    assert.equal(await t.ctx.scheduler.tick(), 1);
    assert.equal(await t.ctx.scheduler.tick(), 0);
    const row = (await t.ctx.store.schedules.get(s.id))!;
    assert.ok(row.nextRunAt! > Date.now());
    const runs = (await call("GET", `/rest/reports/v1/schedules/${s.id}/runs`)).json;
    assert.equal(runs.total, 1);
    assert.equal((await finished(runs.values[0].runId)).status, "SUCCEEDED");
  });

  test("a report owned by a user without access to a project contains none of its rows; with add-on permissions allowed it does", async () => {
    const jira = (await t.ctx.store.sites.byKey("jira"))!;
    const members = await t.ctx.store.data.distinct(jira.id, entity("jira", "group_members"), ["group_name", "user_name"], { column: "group_name" }, 10_000);
    const privileged = new Set(members.filter((m) => m.group_name === "support" || m.group_name === "jira-administrators").map((m) => m.user_name));
    const outsider = members.map((m) => String(m.user_name)).find((u) => !privileged.has(u))!;
    const token = await issueToken(t.ctx.store, { username: outsider, sysadmin: false, name: "outsider" });
    const auth = { authorization: `Bearer ${token}` };
    const r = await report({ name: "all issues", columns: ["key", "project_key"] }, auth);
    const s = await schedule(r.id, { deliveries: [{ type: "api" }], addonPermissions: true }, auth);
    const own = await execute(s.id, auth);
    assert.equal(own.status, "SUCCEEDED", JSON.stringify(own));
    const csv = (await keptFile(own.runId)).toString("utf8");
    assert.ok(own.rows > 0);
    assert.ok(/,PLAT\r?\n/.test(csv));
    assert.ok(!/,HELP\r?\n/.test(csv), "a HELP issue is in the outsider's report");

    // Add-on permissions asked but not allowed: still the owner's rows. Allowed by an administrator: every row.
    const allow = await call("PUT", "/rest/reports/v1/settings", { site: "/jira", allowAddonPermissions: true });
    assert.equal(allow.status, 200);
    assert.equal((await call("PUT", "/rest/reports/v1/settings", { site: "/jira", allowAddonPermissions: false }, auth)).status, 403);
    const addon = await execute(s.id, auth);
    assert.ok(/,HELP\r?\n/.test((await keptFile(addon.runId)).toString("utf8")));
    assert.equal(addon.rows, await t.ctx.store.data.count(jira.id, entity("jira", "issues")));

    // A report over HELP only: the owner may see none of its rows, so the run fails saying so.
    await call("PUT", "/rest/reports/v1/settings", { site: "/jira", allowAddonPermissions: false });
    const help = await report({ name: "help only", jql: "project = HELP" }, auth);
    const hs = await schedule(help.id, { deliveries: [{ type: "api" }] }, auth);
    const lost = await execute(hs.id, auth);
    assert.equal(lost.status, "FAILED");
    assert.equal(lost.error.key, "sluice.report.access.lost");
    assert.equal(lost.fileName, null);
  });
});

/** The one entry of a ZIP archive. */
function unzipOne(zip: Buffer): Promise<{ name: string; content: Buffer }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error || !archive) return reject(error ?? new Error("no archive"));
      archive.once("entry", (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error("no stream"));
          const parts: Buffer[] = [];
          stream.on("data", (c: Buffer) => parts.push(c));
          stream.on("end", () => resolve({ name: entry.fileName, content: Buffer.concat(parts) }));
        });
      });
      archive.readEntry();
    });
  });
}
