/**
 * Log hygiene: whatever a request carried, a log line holds a bounded part of it — a 100 KB value is cut
 * with its length, in a field, nested, in the message, in an error's message — and tokens, passwords,
 * secrets and authorization headers are redacted.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger, MAX_VALUE } from "../src/logger.js";

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const raw = () => chunks.join("").split("\n").filter((l) => l !== "");
  return { stream, raw, lines: () => raw().map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("log hygiene", () => {
  const huge = "x".repeat(100_000);

  it("a 100 KB value is cut to a sane length with its size, wherever it is in the line", () => {
    const { stream, lines, raw } = capture();
    const log = createLogger("info", stream);
    log.warn({ url: `/wiki/rest/datapipeline/latest/export?fromDate=${huge}` }, "a field");
    log.warn({ request: { body: { name: huge, list: [huge, huge] } } }, "nested");
    log.warn(`a message ${huge}`);
    log.error({ err: new Error(`a bad value: ${huge}`) }, "an error");
    log.error({ cause: new Error(huge) }, "an error elsewhere");
    for (const line of raw()) assert.ok(line.length < 10 * MAX_VALUE, `a line of ${line.length} characters`);
    const [field, nested, message, error, elsewhere] = lines();
    assert.match(field!.url as string, /^\/wiki\/rest\/datapipeline\/latest\/export\?fromDate=x+… \(cut: 100,047 characters\)$/);
    const body = (nested!.request as { body: { name: string; list: string[] } }).body;
    assert.match(body.name, /… \(cut: 100,000 characters\)$/);
    assert.match(body.list[1]!, /… \(cut: 100,000 characters\)$/);
    assert.match(message!.msg as string, /^a message x+… \(cut: 100,010 characters\)$/);
    const err = error!.err as { type: string; message: string; stack: string };
    assert.equal(err.type, "Error");
    assert.match(err.message, /^a bad value: x+… \(cut: 100,013 characters\)$/);
    assert.ok(err.stack.length < 5000);
    assert.match((elsewhere!.cause as { message: string }).message, /… \(cut: 100,000 characters\)$/);
  });

  it("short values are kept whole; tokens, passwords, secrets and authorization headers are redacted", () => {
    const { stream, lines } = capture();
    const log = createLogger("info", stream);
    log.info({ site: "wiki", jobId: 7, token: "sluice_abc", source: { password: "p", secret: "s", apiToken: "t" }, req: { headers: { authorization: "Bearer sluice_abc", cookie: "c" } } }, "done");
    const [line] = lines();
    assert.equal(line!.site, "wiki");
    assert.equal(line!.jobId, 7);
    assert.equal(line!.msg, "done");
    assert.equal(line!.token, "[redacted]");
    assert.deepEqual(line!.source, { password: "[redacted]", secret: "[redacted]", apiToken: "[redacted]" });
    assert.deepEqual((line!.req as { headers: unknown }).headers, { authorization: "[redacted]", cookie: "[redacted]" });
    assert.ok(!JSON.stringify(line).includes("sluice_abc"));
  });

  it("a child logger's bindings and deep objects stay bounded", () => {
    const { stream, lines } = capture();
    const log = createLogger("info", stream).child({ site: "wiki" });
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    log.info({ deep, many: Array.from({ length: 500 }, (_, i) => i) }, "deep");
    const [line] = lines();
    assert.equal(line!.site, "wiki");
    assert.match(JSON.stringify(line!.deep), /\[object\]/);
    assert.equal((line!.many as unknown[]).length, 51);
  });
});
