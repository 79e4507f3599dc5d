import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { hashId, uuidToId } from "../src/sources/bitbucket/ids.js";
import { adfToText } from "../src/sources/jira/adf.js";
import { jqlDate } from "../src/sources/jira/jql.js";
import { sprintIds } from "../src/sources/jira/map-issue.js";
import { backoffDelayMs, DEFAULT_BACKOFF, retryDelayMs, serverDelayMs } from "../src/sources/connector/backoff.js";
import { Secret } from "../src/sources/connector/credentials.js";
import { vendorMessage, withQuery } from "../src/sources/connector/http-client.js";
import { RateBudget, type Clock } from "../src/sources/connector/rate-budget.js";
import { connectorFor } from "../src/sources/connectors.js";
import { parseSourceConfig, SOURCE_KINDS } from "../src/sources/connector/source-config.js";
import { toDatetime, toRow } from "../src/sync/to-row.js";

const now = Date.UTC(2024, 2, 1, 12, 0, 0);
const headers = (h: Record<string, string>) => new Headers(h);

describe("sync units", () => {
  test("server delays: Retry-After seconds and date, X-RateLimit-Reset ISO and epoch, DC interval", () => {
    assert.equal(serverDelayMs(headers({ "retry-after": "3" }), now), 3000);
    assert.equal(serverDelayMs(headers({ "retry-after": new Date(now + 5000).toUTCString() }), now), 5000);
    assert.equal(serverDelayMs(headers({ "x-ratelimit-reset": "2024-03-01T12:00:10Z" }), now), 10_000);
    assert.equal(serverDelayMs(headers({ "x-ratelimit-reset": String(now / 1000 + 7) }), now), 7000);
    assert.equal(serverDelayMs(headers({ "x-ratelimit-interval-seconds": "2" }), now), 2000);
    assert.equal(serverDelayMs(headers({}), now), undefined);
  });

  test("exponential backoff with jitter stays within [ceiling/2, ceiling] and under the maximum", () => {
    for (const attempt of [0, 1, 2, 3, 10]) {
      const ceiling = Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.baseDelayMs * 2 ** attempt);
      assert.equal(backoffDelayMs(attempt, DEFAULT_BACKOFF, () => 0), ceiling / 2);
      assert.equal(backoffDelayMs(attempt, DEFAULT_BACKOFF, () => 1), ceiling);
    }
    assert.equal(retryDelayMs(0, headers({ "retry-after": "1" }), DEFAULT_BACKOFF, now, () => 0), 1000);
  });

  test("the rate budget spaces requests at the configured rate and honours a pause", async () => {
    let t = 0;
    const slept: number[] = [];
    const clock: Clock = { now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) };
    const budget = new RateBudget(2, 1, clock);
    await budget.take();
    await budget.take();
    await budget.take();
    assert.equal(t, 1000);
    budget.pauseUntil(t + 5000);
    await budget.take();
    assert.ok(t >= 6000);
  });

  test("ADF becomes text; strings pass through", () => {
    const doc = {
      type: "doc",
      version: 1,
      content: [
        { type: "heading", attrs: { level: 1 }, content: [{ type: "text", text: "Title" }] },
        { type: "paragraph", content: [{ type: "text", text: "a" }, { type: "hardBreak" }, { type: "text", text: "b " }, { type: "emoji", attrs: { shortName: ":smile:", text: "😄" } }] },
        { type: "bulletList", content: [{ type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "one" }] }] }] },
        { type: "paragraph", content: [{ type: "inlineCard", attrs: { url: "https://x.test/1" } }] },
      ],
    };
    assert.equal(adfToText(doc), "Title\na\nb 😄\n- one\nhttps://x.test/1");
    assert.equal(adfToText("plain *wiki*"), "plain *wiki*");
    assert.equal(adfToText(null), null);
  });

  test("datetimes normalise to UTC seconds; urls become relative to the source", () => {
    assert.equal(toDatetime("2024-03-04T16:20:11.400+1100"), "2024-03-04T05:20:11Z");
    assert.equal(toDatetime("2024-03-04T05:20:11.000000+00:00"), "2024-03-04T05:20:11Z");
    assert.equal(toDatetime(1714550400000), "2024-05-01T08:00:00Z");
    assert.equal(toDatetime(""), null);
    const row = toRow(entity("jira", "sprints"), { sprint_id: "37", board_id: 1, name: "S", start_date: "2024-03-04T09:00:00.000+11:00" }, "https://acme.atlassian.net");
    assert.deepEqual(row, [37, 1, "S", null, null, "2024-03-03T22:00:00Z", null, null]);
    const issue = toRow(entity("jira", "issues"), { id: 1, url: "https://acme.atlassian.net/browse/A-1", labels: [] }, "https://acme.atlassian.net");
    assert.equal(issue[1], "/browse/A-1");
  });

  test("JQL dates are written in the token user's zone", () => {
    assert.equal(jqlDate(Date.parse("2024-03-08T21:45:10Z"), "Australia/Sydney"), "2024-03-09 08:45");
    assert.equal(jqlDate(Date.parse("2024-03-08T21:45:10Z"), "Not/AZone"), "2024-03-08 21:45");
  });

  test("sprint ids from Cloud objects and DC strings", () => {
    assert.deepEqual(sprintIds([{ id: 5 }, { id: 6 }]), [5, 6]);
    assert.deepEqual(sprintIds(["com.atlassian.greenhopper.service.sprint.Sprint@1f[id=12,rapidViewId=7,state=ACTIVE]"]), [12]);
    assert.deepEqual(sprintIds(null), []);
  });

  test("Bitbucket Cloud UUIDs map to stable 52-bit integers", () => {
    assert.equal(uuidToId("{1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d}"), 0x1a2b3c4d5e6f4);
    assert.ok(Number.isSafeInteger(hashId("x")));
    assert.equal(hashId("1-2|APPROVED|2024"), hashId("1-2|APPROVED|2024"));
  });

  test("secrets never render; vendor error bodies are read in each shape", () => {
    const secret = new Secret("hunter2");
    assert.equal(`${secret}`, "[redacted]");
    assert.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
    assert.equal(vendorMessage({ errorMessages: ["No issue"], errors: { jql: "bad" } }), "No issue; jql: bad");
    assert.equal(vendorMessage({ errors: [{ status: 400, code: "INVALID", title: "Bad", detail: "cursor expired" }] }), "cursor expired");
    assert.equal(vendorMessage({ type: "error", error: { message: "Repository not found" } }), "Repository not found");
    assert.equal(vendorMessage({ errors: [{ context: null, message: "Authentication failed", exceptionName: "x" }] }), "Authentication failed");
    assert.equal(withQuery("/a?x=1", { s: ["A", "B"], u: undefined }), "/a?x=1&s=A&s=B");
  });

  test("a source config lists every problem, one per field", () => {
    const r = parseSourceConfig({ kind: "nope", url: "ftp://x" });
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.errors.map((e) => e.key).sort(), ["source.kind", "source.url"]);
    const ok = parseSourceConfig({ kind: "jira-dc", url: "https://jira.acme.io/", tokenFile: "jira" });
    assert.ok(ok.ok && ok.config.url === "https://jira.acme.io");
  });

  test("every kind has a connector; Bitbucket's commits are a stream of their own, from git or the API", () => {
    for (const kind of SOURCE_KINDS) assert.equal(connectorFor({ kind, url: "https://x.test", tokenEnv: "SLUICE_SECRET_T" }).kind, kind);
    const streams = (commitsFrom?: "api" | "git") => connectorFor({ kind: "bitbucket-dc", url: "https://x.test", tokenEnv: "SLUICE_SECRET_T", commitsFrom }).streams.map((s) => s.name);
    for (const from of [undefined, "git", "api"] as const) assert.deepEqual(streams(from), ["users", "repositories", "pull_requests", "commits"]);
  });
});
