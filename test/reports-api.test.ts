/**
 * The reports API's contract (issue 15): bad input gets a 4xx naming the field (unknown columns or
 * JQL, a 30th of February, an unknown zone, a delivery without a target, an SFTP key that does not
 * parse, a webhook to a metadata address), who may see, change, copy, schedule and run what, secrets
 * never shown back, and the routes in the OpenAPI document.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { issueToken } from "../src/access/tokens.js";
import { startTestApp, type TestApp } from "./support/app.js";

type Json = any;

describe("reports API: bad input and permissions", () => {
  let t: TestApp;
  let ann: { authorization: string };
  let bob: { authorization: string };

  const call = async (method: string, url: string, body?: unknown, auth = t.auth): Promise<{ status: number; json: Json }> => {
    const res = await t.app.inject({ method: method as "GET", url, headers: auth, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, json: res.body ? res.json() : null };
  };
  const messages = (json: Json): string => (json.errors as { key: string; message: string }[]).map((e) => `${e.key}: ${e.message}`).join("\n");
  const schedule = (reportId: number, over: Record<string, unknown> = {}) => ({
    reportId,
    format: "csv",
    repeat: { type: "weekly", days: ["MONDAY"] },
    startDate: "2026-12-07",
    time: "08:00",
    zoneId: "Europe/Berlin",
    deliveries: [{ type: "api" }],
    ...over,
  });

  before(async () => {
    t = await startTestApp({ config: { delivery: { allowedPrivateHosts: ["10.1.2.3"] } } });
    ann = { authorization: `Bearer ${await issueToken(t.ctx.store, { username: "fhassan", sysadmin: false, name: "ann" })}` };
    bob = { authorization: `Bearer ${await issueToken(t.ctx.store, { username: "vvanderberg", sysadmin: false, name: "bob" })}` };
  });
  after(async () => {
    await t?.close();
  });

  const badReports: [string, Record<string, unknown>, RegExp][] = [
    ["an unknown column", { entity: "issues", columns: ["key", "nope"] }, /sluice\.report\.invalid: columns\[1\]: jira\.issues has no column 'nope'; its columns are id, instance_url/],
    ["an unknown entity", { entity: "tickets" }, /entity: jira has no entity 'tickets'; its entities are issues/],
    ["an unknown JQL field", { entity: "issues", jql: "colour = red" }, /jql: .*colour/],
    ["unsupported JQL (OR)", { entity: "issues", jql: "project = PLAT OR project = WEB" }, /jql: .*OR/],
    ["JQL on another entity", { entity: "sprints", jql: "project = PLAT" }, /jql: a JQL filter is for reports of Jira issues/],
    ["a filter on an unknown column", { entity: "issues", filter: [{ column: "colour", op: "=", value: "red" }] }, /filter\[0\]\.column: jira\.issues has no column 'colour'/],
    ["a filter value of the wrong type", { entity: "issues", filter: [{ column: "votes", op: ">", value: "many" }] }, /filter\[0\]\.value/],
    ["a sort on an unknown column", { entity: "issues", sort: [{ column: "colour" }] }, /sort\[0\]\.column/],
    ["an unknown operator", { entity: "issues", filter: [{ column: "key", op: "~", value: "x" }] }, /filter/],
    ["a blank name", { entity: "issues", name: "  " }, /name: must not be blank/],
    ["an unknown site", { entity: "issues", site: "/nowhere" }, /no site is mounted at \/nowhere/],
  ];
  for (const [what, body, expected] of badReports) {
    test(`a report with ${what} is refused with a 4xx naming the field`, async () => {
      const res = await call("POST", "/rest/reports/v1/reports", { name: "r", site: "/jira", ...body }, ann);
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${JSON.stringify(res.json)}`);
      assert.match(messages(res.json), expected);
    });
  }

  const badSchedules: [string, Record<string, unknown>, RegExp][] = [
    ["a 30th of February", { startDate: "2027-02-30" }, /startDate: "2027-02-30" is not a calendar date/],
    ["an unknown zone", { zoneId: "Mars/Olympus" }, /zoneId: "Mars\/Olympus" is not an IANA time zone/],
    ["a time that is not one", { time: "25:00" }, /time: "25:00" is not a time of day/],
    ["weekdays that are not", { repeat: { type: "weekly", days: ["FUNDAY"] } }, /repeat\.days/],
    ["an unknown format", { format: "pdf" }, /format/],
    ["no delivery", { deliveries: [] }, /deliveries: give at least one delivery/],
    ["a webhook without a URL", { deliveries: [{ type: "webhook" }] }, /deliveries\.0\.url/],
    ["an email without a recipient", { deliveries: [{ type: "email" }] }, /deliveries\.0\.addresses: give at least one recipient/],
    ["an SFTP delivery without a host", { deliveries: [{ type: "sftp", user: "u", password: "p", hostKey: "SHA256:" + "A".repeat(43) }] }, /deliveries\.0\.host/],
    ["an SFTP key that does not parse", { deliveries: [{ type: "sftp", host: "sftp.example.org", user: "u", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n-----END OPENSSH PRIVATE KEY-----\n", hostKey: "SHA256:" + "A".repeat(43) }] }, /deliveries\.0\.privateKey: the key does not parse/],
    ["an SFTP host key that is not one", { deliveries: [{ type: "sftp", host: "sftp.example.org", user: "u", password: "p", hostKey: "trust me" }] }, /deliveries\.0\.hostKey/],
    ["a webhook to the metadata address", { deliveries: [{ type: "webhook", url: "http://169.254.169.254/latest/meta-data/" }] }, /deliveries\.0\.url: 169\.254\.169\.254 is 169\.254\.169\.254, a link-local, metadata or reserved address/],
    ["a webhook to a metadata name", { deliveries: [{ type: "webhook", url: "http://metadata.google.internal/x" }] }, /deliveries\.0\.url: metadata\.google\.internal is a cloud metadata service/],
    ["a webhook to loopback not allowed", { deliveries: [{ type: "webhook", url: "http://127.0.0.1:9/x" }] }, /deliveries\.0\.url: 127\.0\.0\.1 is 127\.0\.0\.1, a private or loopback address: add it to delivery\.allowedPrivateHosts/],
    ["a webhook to a mapped IPv6 metadata address", { deliveries: [{ type: "webhook", url: "http://[::ffff:169.254.169.254]/" }] }, /deliveries\.0\.url: .*link-local, metadata or reserved/],
    ["an SFTP target on a private address not allowed", { deliveries: [{ type: "sftp", host: "192.168.1.5", user: "u", password: "p", hostKey: "SHA256:" + "A".repeat(43) }] }, /deliveries\.0\.host: 192\.168\.1\.5 is 192\.168\.1\.5, a private or loopback address/],
    ["a webhook URL with an unknown placeholder", { deliveries: [{ type: "webhook", url: "https://example.org/{{nope}}" }] }, /deliveries\.0\.url: unknown placeholder\(s\) \{\{nope\}\}/],
    ["a reserved webhook header", { deliveries: [{ type: "webhook", url: "https://example.org/", headers: { "Content-Type": "x" } }] }, /deliveries\.0\.headers/],
    ["email without an SMTP server configured", { deliveries: [{ type: "email", addresses: ["a@example.org"] }] }, /deliveries\.0\.type: this server has no SMTP server configured/],
  ];
  for (const [what, over, expected] of badSchedules) {
    test(`a schedule with ${what} is refused with a 400 naming the field`, async () => {
      const report = await call("POST", "/rest/reports/v1/reports", { name: `for ${what}`, site: "/jira", entity: "issues" }, ann);
      const res = await call("POST", "/rest/reports/v1/schedules", schedule(report.json.id, over), ann);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(messages(res.json), expected);
    });
  }

  test("a private target in the allow-list is accepted", async () => {
    const report = await call("POST", "/rest/reports/v1/reports", { name: "allowed", site: "/jira", entity: "issues" }, ann);
    const res = await call("POST", "/rest/reports/v1/schedules", schedule(report.json.id, { deliveries: [{ type: "webhook", url: "http://10.1.2.3:8080/in" }] }), ann);
    assert.equal(res.status, 201, JSON.stringify(res.json));
  });

  test("visibility: others do not see a private report; a public one they see and copy but neither change nor schedule", async () => {
    const priv = (await call("POST", "/rest/reports/v1/reports", { name: "mine", site: "/jira", entity: "issues" }, ann)).json;
    const pub = (await call("POST", "/rest/reports/v1/reports", { name: "ours", site: "/jira", entity: "issues", visibility: "public", jql: "assignee = currentUser()" }, ann)).json;
    assert.equal((await call("GET", `/rest/reports/v1/reports/${priv.id}`, undefined, bob)).status, 404);
    assert.equal((await call("GET", `/rest/reports/v1/reports/${pub.id}`, undefined, bob)).status, 200);
    const names = (await call("GET", "/rest/reports/v1/reports?site=/jira", undefined, bob)).json.values.map((r: Json) => r.name);
    assert.ok(names.includes("ours") && !names.includes("mine"));
    const put = await call("PUT", `/rest/reports/v1/reports/${pub.id}`, { name: "taken" }, bob);
    assert.equal(put.status, 403);
    assert.match(messages(put.json), /only they may change it; "save as" a copy/);
    const sched = await call("POST", "/rest/reports/v1/schedules", schedule(pub.id), bob);
    assert.equal(sched.status, 403);
    assert.match(messages(sched.json), /only its owner may schedule it/);
    const copy = await call("POST", `/rest/reports/v1/reports/${pub.id}/copy`, {}, bob);
    assert.equal(copy.status, 201);
    assert.deepEqual([copy.json.name, copy.json.owner, copy.json.visibility, copy.json.jql], ["Copy of ours", "vvanderberg", "private", "assignee = currentUser()"]);
    assert.equal((await call("POST", "/rest/reports/v1/schedules", schedule(copy.json.id), bob)).status, 201);
    // An administrator sees every report, and deletes any.
    assert.equal((await call("GET", `/rest/reports/v1/reports/${priv.id}`)).status, 200);
    assert.equal((await call("DELETE", `/rest/reports/v1/reports/${priv.id}`, undefined, bob)).status, 404);
    assert.equal((await call("DELETE", `/rest/reports/v1/reports/${priv.id}`)).status, 204);
  });

  test("a change of a report changes only what it sends; switching to a saved SQL query drops the entity's fields", async () => {
    const r = (await call("POST", "/rest/reports/v1/reports", { name: "patch me", site: "/jira", entity: "issues", columns: ["key", "status"], jql: "project = PLAT", sort: [{ column: "key" }] }, ann)).json;
    const pub = await call("PUT", `/rest/reports/v1/reports/${r.id}`, { visibility: "public" }, ann);
    assert.equal(pub.status, 200, JSON.stringify(pub.json));
    assert.deepEqual([pub.json.visibility, pub.json.columns, pub.json.jql, pub.json.sort], ["public", ["key", "status"], "project = PLAT", [{ column: "key", desc: false }]]);
    const cols = await call("PUT", `/rest/reports/v1/reports/${r.id}`, { columns: ["key"] }, ann);
    assert.deepEqual([cols.json.columns, cols.json.jql], [["key"], "project = PLAT"]);
    const saved = (await call("POST", "/jira/rest/sql/v1/queries", { name: "q", sql: "SELECT key FROM issues" }, ann)).json;
    const sql = await call("PUT", `/rest/reports/v1/reports/${r.id}`, { sqlQueryId: saved.id }, ann);
    assert.equal(sql.status, 200, JSON.stringify(sql.json));
    assert.deepEqual([sql.json.entity, sql.json.sqlQueryId, sql.json.sqlQueryName, sql.json.columns, sql.json.jql], [undefined, saved.id, "q", [], null]);
    const renamed = await call("PUT", `/rest/reports/v1/reports/${r.id}`, { name: "renamed" }, ann);
    assert.deepEqual([renamed.status, renamed.json.name, renamed.json.sqlQueryId], [200, "renamed", saved.id]);
    const back = await call("PUT", `/rest/reports/v1/reports/${r.id}`, { entity: "sprints" }, ann);
    assert.deepEqual([back.status, back.json.entity, back.json.sqlQueryId], [200, "sprints", null]);
  });

  test("the entities a report may be of, with their columns", async () => {
    const res = await call("GET", "/rest/reports/v1/entities?site=/jira", undefined, ann);
    assert.equal(res.status, 200);
    const issues = res.json.values.find((e: Json) => e.name === "issues");
    assert.equal(issues.jql, true);
    assert.deepEqual(issues.columns.slice(0, 4).map((c: Json) => c.name), ["id", "instance_url", "url", "key"]);
    assert.ok(!res.json.values.some((e: Json) => e.name === "grants"));
  });

  test("schedules: the owner sees five next runs; others see no schedule or run of it; secrets come back as <set> and stay when sent back", async () => {
    const report = (await call("POST", "/rest/reports/v1/reports", { name: "secrets", site: "/jira", entity: "issues" }, ann)).json;
    const created = await call(
      "POST",
      "/rest/reports/v1/schedules",
      schedule(report.id, { deliveries: [{ type: "webhook", url: "https://example.org/in", headers: { Authorization: "Bearer s3cret" } }] }),
      ann,
    );
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const s = created.json;
    assert.deepEqual(s.deliveries[0].headers, { Authorization: "<set>" });
    assert.equal(s.nextRuns.length, 5);
    assert.ok(s.nextRuns.every((r: string) => /T08:00:00\.000\+01:00$/.test(r)), JSON.stringify(s.nextRuns));
    assert.equal((await call("GET", `/rest/reports/v1/schedules/${s.id}`, undefined, bob)).status, 404);
    assert.equal((await call("POST", `/rest/reports/v1/schedules/${s.id}/execute`, undefined, bob)).status, 404);
    const { id: _id, reportId: _r, reportName: _rn, owner: _o, paused: _p, pausedReason: _pr, pausedTime: _pt, failures: _f, nextRunTime: _n, nextRuns: _ns, lastRun: _l, ...fields } = s;
    const put = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, time: "09:30" }, ann);
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const stored = await t.ctx.store.schedules.get(s.id);
    assert.deepEqual((stored!.params as Json).deliveries[0].headers, { Authorization: "Bearer s3cret" });
    // Moved in the list, a delivery keeps its secret by its id; a <set> with nothing behind it is refused.
    const moved = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, deliveries: [{ type: "api" }, put.json.deliveries[0]] }, ann);
    assert.equal(moved.status, 200, JSON.stringify(moved.json));
    assert.deepEqual(((await t.ctx.store.schedules.get(s.id))!.params as Json).deliveries[1].headers, { Authorization: "Bearer s3cret" });
    const orphan = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, deliveries: [{ type: "webhook", url: "https://example.org/in", headers: { Authorization: "<set>" } }] }, ann);
    assert.equal(orphan.status, 400);
    assert.match(messages(orphan.json), /deliveries\.0\.headers\.Authorization: <set> stands for a stored secret, but this delivery has none stored/);
    const restored = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields }, ann);
    assert.equal(restored.status, 200, JSON.stringify(restored.json));
    // A stored secret stays with its target: pointed elsewhere, the delivery needs the value again.
    const elsewhere = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, deliveries: [{ ...restored.json.deliveries[0], url: "https://attacker.example.net/in" }] }, ann);
    assert.equal(elsewhere.status, 400);
    assert.match(messages(elsewhere.json), /deliveries\.0\.headers\.Authorization: <set> stands for a stored secret, but the delivery now goes elsewhere/);
    const samePlace = await call("PUT", `/rest/reports/v1/schedules/${s.id}`, { ...fields, deliveries: [{ ...restored.json.deliveries[0], url: "https://example.org/other/{{rows}}" }] }, ann);
    assert.equal(samePlace.status, 200, JSON.stringify(samePlace.json));
    assert.ok(put.json.nextRuns.every((r: string) => r.includes("T09:30:00")));
    // The generic schedules API shows report schedules with secrets hidden and does not make them.
    const generic = await call("GET", "/rest/admin/v1/schedules?kind=report");
    assert.ok(!JSON.stringify(generic.json).includes("s3cret"));
    const made = await call("POST", "/rest/admin/v1/schedules", { site: "jira", kind: "report", params: {}, recurrence: { unit: "day", interval: 1, time: "08:00", zone: "UTC" } });
    assert.equal(made.status, 400);
    assert.match(messages(made.json), /report schedules are made with POST \/rest\/reports\/v1\/schedules/);
    // Pause by hand, then resume.
    const paused = await call("POST", `/rest/reports/v1/schedules/${s.id}/pause`, undefined, ann);
    assert.deepEqual([paused.json.paused, paused.json.pausedReason, paused.json.nextRuns.length], [true, "Paused by fhassan", 0]);
    const resumed = await call("POST", `/rest/reports/v1/schedules/${s.id}/resume`, undefined, ann);
    assert.deepEqual([resumed.json.paused, resumed.json.nextRuns.length], [false, 5]);
  });

  test("settings are changed by administrators only; runs of unknown ids are 404s; download links without a signature are refused", async () => {
    assert.deepEqual((await call("GET", "/rest/reports/v1/settings?site=/jira", undefined, ann)).json, { site: "/jira", allowAddonPermissions: false });
    assert.equal((await call("PUT", "/rest/reports/v1/settings", { site: "/jira", allowAddonPermissions: true }, ann)).status, 403);
    assert.equal((await call("GET", "/rest/reports/v1/runs/987654")).status, 404);
    const unsigned = await call("GET", "/rest/reports/v1/files/1/x.csv", undefined, {} as never);
    assert.equal(unsigned.status, 400);
    const forged = await call("GET", "/rest/reports/v1/files/1/x.csv?expires=99999999999999&signature=abc", undefined, {} as never);
    assert.equal(forged.status, 403);
    // Every other reports route needs a token.
    assert.equal((await call("GET", "/rest/reports/v1/reports", undefined, {} as never)).status, 401);
  });

  test("the reports API is in the OpenAPI document", async () => {
    const doc = (await call("GET", "/rest/openapi.json")).json;
    for (const path of ["/rest/reports/v1/reports", "/rest/reports/v1/reports/{id}", "/rest/reports/v1/reports/{id}/copy", "/rest/reports/v1/schedules", "/rest/reports/v1/schedules/{id}", "/rest/reports/v1/schedules/{id}/execute", "/rest/reports/v1/schedules/{id}/pause", "/rest/reports/v1/schedules/{id}/resume", "/rest/reports/v1/schedules/{id}/runs", "/rest/reports/v1/schedules/{id}/latest", "/rest/reports/v1/runs/{id}", "/rest/reports/v1/dashboard"]) {
      assert.ok(doc.paths[path], `${path} is not documented`);
    }
  });
});
