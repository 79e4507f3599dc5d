/**
 * Findings of the security sweep (issue 13, finding 4): each request below used to be answered 500 (or
 * outside the documented error shape). Each is now a 4xx with `{statusCode, message, errors:[{key,
 * message}], timestamp}`, and the server goes on answering.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "./support/app.js";

interface Answer {
  statusCode: number;
  body: string;
}

function documented4xx(res: Answer, what: string, status?: number): { key: string; message: string }[] {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (status !== undefined) assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  const body = JSON.parse(res.body) as { statusCode: number; message: string; errors: { key: string; message: string }[]; timestamp: string };
  assert.equal(body.statusCode, res.statusCode, what);
  assert.equal(typeof body.message, "string", what);
  assert.ok(Array.isArray(body.errors) && body.errors.length > 0, what);
  for (const e of body.errors) assert.ok(typeof e.key === "string" && typeof e.message === "string", what);
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)), what);
  return body.errors;
}

describe("bad input is a 4xx in the documented shape", () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ seed_demo: true });
  });
  after(async () => {
    await t?.close();
  });

  const send = (method: "GET" | "PUT" | "POST" | "DELETE", url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { ...t.auth, "x-atlassian-token": "no-check", ...(payload !== undefined ? { "content-type": "application/json" } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });

  it("a source body that is not an object", async () => {
    for (const payload of ["[]", '"x"', "1", "null", "true"]) {
      const res = await t.app.inject({ method: "PUT", url: "/rest/admin/v1/sites/jira/source", headers: { ...t.auth, "content-type": "application/json", "x-atlassian-token": "no-check" }, payload });
      documented4xx(res, `PUT source ${payload}`, 400);
    }
  });

  it("an object where a string is expected: schedule, new site, opt-out", async () => {
    const schedule = { days: ["mon"], repeatIntervalInWeeks: "1", time: "02:00", zoneId: "UTC", schemaVersion: "1" };
    for (const field of ["days", "repeatIntervalInWeeks", "zoneId", "schemaVersion", "time", "fromDate"]) {
      for (const value of [{ a: 1 }, [{}], 3.5e300, true]) {
        documented4xx(await send("PUT", "/jira/rest/datapipeline/latest/config/schedule", { ...schedule, [field]: value }), `schedule ${field}=${JSON.stringify(value)}`, 400);
      }
    }
    for (const field of ["product", "contextPath", "plan", "region", "baseUrl"]) {
      documented4xx(await send("POST", "/rest/admin/v1/sites", { product: "jira", contextPath: "/new-one", [field]: { nested: { deep: [1] } } }), `site ${field}`, 400);
    }
    for (const payload of [{ type: { a: 1 }, keys: ["DEMO"] }, { keys: [{ a: 1 }] }, { keys: "DEMO" }, [], "x"]) {
      documented4xx(await send("POST", "/wiki/rest/datapipeline/latest/config/optout", payload), `opt-out ${JSON.stringify(payload)}`, 400);
    }
  });

  it("numbers are bounded before they reach the store", async () => {
    for (const q of ["offset=9223372036854775807", "offset=1e400", "limit=9223372036854775807", "offset=99999999999999999999999"]) {
      documented4xx(await send("GET", `/wiki/rest/datapipeline/latest/history?${q}`), `history ?${q}`, 400);
    }
    documented4xx(await send("GET", "/rest/admin/v1/jobs?offset=9223372036854775807"), "jobs offset", 400);
  });

  it("an opt-out of 32,800 keys is refused by the 1,000-key limit before any lookup", async () => {
    const keys = Array.from({ length: 32_800 }, (_, i) => `K${i}`);
    const started = Date.now();
    const errors = documented4xx(await send("POST", "/wiki/rest/datapipeline/latest/config/optout", { type: "SPACE", keys }), "32,800 keys", 400);
    assert.match(errors[0]!.message, /at most 1,000 keys \(optOutLimit\), not 32,800/);
    assert.ok(Date.now() - started < 2000);
  });

  it("fastify's own 4xx (static files, malformed URLs) keep their status and the documented shape", async () => {
    for (const url of ["/rest/docs/static/../../../../etc/passwd", "/rest/docs/static/%2e%2e/%2e%2e/etc/passwd", "/rest/docs/static/..%2f..%2fpackage.json"]) {
      const res = await t.app.inject({ method: "GET", url, headers: t.auth });
      assert.notEqual(res.statusCode, 200, url);
      if (res.statusCode >= 400) documented4xx(res, url);
    }
    documented4xx(await t.app.inject({ method: "GET", url: "/admin/%zz", headers: t.auth }), "/admin/%zz", 400);
    documented4xx(await t.app.inject({ method: "GET", url: "/rest/admin/v1/sites/%zz", headers: t.auth }), "/rest/admin/v1/sites/%zz", 400);
    // NUL in a path is refused for both stores (PostgreSQL cannot keep it: it was a 500 there); in a
    // body it is the route's 4xx (or, past the checks, the store's data error mapped to a 400).
    const nulUrl = documented4xx(await t.app.inject({ method: "DELETE", url: "/%00/rest/datapipeline/latest/export", headers: t.auth }), "NUL in the path", 400);
    assert.equal(nulUrl[0]!.key, "sluice.request.url.invalid");
    documented4xx(await send("POST", "/wiki/rest/datapipeline/latest/config/optout", { type: "SPACE", keys: ["A\u0000B"] }), "NUL in the body");
    const ping = await t.app.inject({ method: "GET", url: "/ping" });
    assert.equal(ping.statusCode, 200, "still answering");
  });
});
