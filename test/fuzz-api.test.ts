/**
 * A schema-driven fuzz of the whole HTTP API, as an attacker or a careless admin would try it: every
 * operation of the OpenAPI document, with every kind of credential, then with seeded random inputs —
 * wrong types, huge numbers, deep nesting, long strings, unicode, arrays for objects, broken JSON — in
 * path parameters, query parameters and bodies. It asserts: no 5xx; every 4xx in the documented shape
 * `{statusCode, message, errors:[{key, message}], timestamp}` (except where the Data pipeline spec answers
 * with the job itself — a 409 or 422 of POST …/export — or with a WARNING — a 409 of DELETE …/export); no
 * 2xx without the right role; and the
 * server still answering. Seeded (SLUICE_FUZZ_SEED to replay another seed) and bounded (SLUICE_FUZZ_RUNS
 * inputs per operation) so that it runs in well under a minute.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { issueToken } from "../src/access/tokens.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

const SEED = Number(process.env.SLUICE_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.SLUICE_FUZZ_RUNS ?? 60);

interface ParamSchema {
  type?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
}

interface Operation {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  pathParams: string[];
  query: string[];
  /** The documented constraints of each query parameter. */
  querySchemas: Record<string, ParamSchema>;
  bodyFields: string[];
  /** Open to every valid token (`x-sluice-access: any token`), not only to sysadmins. */
  people: boolean;
}

/** The credential of a person without admin rights: allowed on operations documented as open to any token. */
const PERSON = "a person's token (no admin rights)";

/** Routes anyone may call (no token): the pings, the API document and its viewer. */
const PUBLIC = [/^\/ping$/, /^\/[^/]+\/rest\/datapipeline\/[^/]+\/ping$/, /^\/rest\/openapi\.json$/, /^\/rest\/docs/];

/** Field names any body might carry: those of the document, and those the routes read. */
const FIELDS = [
  "path", "days", "time", "zoneId", "repeatIntervalInWeeks", "schemaVersion", "fromDate", "type", "keys", "product",
  "contextPath", "plan", "region", "baseUrl", "kind", "url", "email", "tokenEnv", "tokenFile", "intervalMinutes",
  "name", "site", "params", "recurrence", "enabled", "user", "group", "scope", "full", "reconcile", "every", "unit",
  "at", "start", "end", "weekdays", "token", "sql", "maxRows", "timeoutMs", "context", "chart", "visibility", "items",
  "__proto__", "constructor",
];

function deep(levels: number, array: boolean): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < levels; i++) v = array ? [v] : { a: v };
  return v;
}

const nastyString = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.constantFrom(
    "", " ", "0", "-1", "1e309", "-0", "2147483648", "4294967296", "9223372036854775807", "99999999999999999999999", "NaN", "Infinity", "null", "true",
    "../../../../etc/passwd", "..%2f..%2fetc", "%00", "\u0000", "\uFFFF", "\uD800", "🚀🚀", "Ω≈ç√", "<script>alert(1)</script>",
    "' OR 1=1 --", "${jndi:ldap://x}", "wiki", "jira", "bitbucket", "SPACE", "PROJECT", "export", "sync", "mon", "02:00",
    "2024-01-01T00:00Z", "2024-13-45T99:99Z", "Europe/Paris", "Mars/Olympus", "SLUICE_SECRET_X", "/tmp", "/proc/self",
    "SELECT 1", "SELECT * FROM pages LIMIT 3", "SELECT * FROM tokens", "DELETE FROM pages", "PRAGMA table_info(pages)", "SELECT $1, $2", "SELECT 'x\u0000y'",
  ),
  fc.constant("x".repeat(20_000)),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1e308, -1e308, 0, -1, 2 ** 31, 2 ** 53 + 2),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(deep(400, false), deep(400, true)),
  fc.array(nastyString, { maxLength: 4 }),
  fc.array(fc.integer(), { minLength: 1500, maxLength: 1500 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 4 }),
);

/** A body: nothing, broken JSON, a bare value, or an object of known fields with hostile values. */
const body: fc.Arbitrary<{ raw: string } | { json: unknown } | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom({ raw: "{" }, { raw: '{"a":' }, { raw: "[1," }, { raw: "\u0000" }, { raw: "nul" }, { raw: '{"__proto__":{"x":1}}' }),
  nastyValue.map((json) => ({ json })),
  fc.dictionary(fc.constantFrom(...FIELDS), nastyValue, { maxKeys: 6 }).map((json) => ({ json })),
  fc.record({ type: fc.constantFrom("SPACE", "PROJECT", "REPOSITORY"), keys: fc.array(nastyString, { maxLength: 5 }) }).map((json) => ({ json })),
);

function pathValue(name: string): fc.Arbitrary<string> {
  const good: Record<string, string[]> = {
    site: ["wiki", "jira", "bitbucket", "-"],
    key: ["wiki", "jira", "bitbucket"],
    version: ["latest", "1.0"],
    id: ["1", "2", "999999"],
    group: ["developers", "nobody"],
    user: ["admin", "vera"],
  };
  return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...(good[name] ?? ["x"])) }, { weight: 1, arbitrary: nastyString.filter((s) => s.length < 2000) });
}

function operations(doc: { paths: Record<string, Record<string, { "x-sluice-access"?: string; parameters?: { in: string; name: string; schema?: ParamSchema }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      out.push({
        method: method.toUpperCase() as Operation["method"],
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
        query: params.filter((p) => p.in === "query").map((p) => p.name),
        querySchemas: Object.fromEntries(params.filter((p) => p.in === "query").map((p) => [p.name, p.schema ?? {}])),
        bodyFields: Object.keys(schema?.properties ?? {}),
        people: op["x-sluice-access"] === "any token",
      });
    }
  }
  return out;
}

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as a client sends them). */
function encodeSegment(value: string): string {
  return [...Buffer.from(value, "utf8")].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

for (const storeKind of STORE_KINDS)
describe(`the HTTP API under a schema-driven fuzz (${storeKind})`, { timeout: 240_000 }, () => {
  let t: TestApp;
  let ops: Operation[];
  let credentials: Record<string, Record<string, string>>;
  const seen = { requests: 0, byStatus: new Map<number, number>() };

  before(async () => {
    t = await startTestApp({ store: storeKind, seed_demo: true, scale: 0.05, config: { export: { minimumUsableDiskSpaceAfterExport: 0 } } });
    const person = await issueToken(t.ctx.store, { username: "vera", sysadmin: false, name: "fuzz" });
    credentials = {
      none: {},
      empty: { authorization: "" },
      "bearer without a token": { authorization: "Bearer" },
      basic: { authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` },
      "unknown token": { authorization: `Bearer sluice_${randomBytes(32).toString("base64url")}` },
      "not a token": { authorization: "Bearer ' OR 1=1 --" },
      [PERSON]: { authorization: `Bearer ${person}` },
      sysadmin: t.auth,
    };
    const doc = (await t.app.inject({ method: "GET", url: "/rest/openapi.json" })).json();
    ops = operations(doc);
    assert.ok(ops.length >= 40, `the document lists ${ops.length} operations`);
  });
  after(async () => {
    // Exports and syncs the fuzz started end with the app.
    await t?.close();
  });

  function isPublic(url: string): boolean {
    const path = url.split("?")[0]!;
    return PUBLIC.some((p) => p.test(path));
  }

  async function check(sent: Sent, credential: string, op?: Operation): Promise<void> {
    const res = await t.app.inject({ method: sent.method as "GET", url: sent.url, headers: sent.headers, ...(sent.payload !== undefined ? { payload: sent.payload } : {}) });
    seen.requests++;
    seen.byStatus.set(res.statusCode, (seen.byStatus.get(res.statusCode) ?? 0) + 1);
    const what = `${sent.method} ${sent.url.slice(0, 300)} [${credential}] body ${(sent.payload ?? "").slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 400)}`;
    assert.ok(res.statusCode < 500, `a 5xx: ${what}`);
    if ((res.statusCode === 409 || res.statusCode === 422) && sent.method === "POST" && /\/rest\/datapipeline\/[^/]+\/export$/.test(sent.url.split("?")[0]!)) {
      // data-pipeline.md: a conflict or a failed pre-validation answers with the (running or FAILED) job.
      const job = JSON.parse(res.body) as { jobId?: unknown; status?: unknown };
      assert.ok(typeof job.jobId === "number" && typeof job.status === "string", `the job of a ${res.statusCode}: ${what}`);
    } else if (res.statusCode === 409 && sent.method === "DELETE" && /\/rest\/datapipeline\/[^/]+\/export$/.test(sent.url.split("?")[0]!)) {
      // data-pipeline.md: nothing to cancel is a 409 WARNING with a messageKey.
      const warning = JSON.parse(res.body) as { status?: unknown; messageKey?: unknown; message?: unknown };
      assert.ok(warning.status === "WARNING" && typeof warning.messageKey === "string" && typeof warning.message === "string", `the warning of a 409: ${what}`);
    } else if (res.statusCode >= 400) {
      let parsed: { statusCode?: unknown; message?: unknown; errors?: unknown; timestamp?: unknown };
      try {
        parsed = JSON.parse(res.body) as typeof parsed;
      } catch {
        assert.fail(`a 4xx that is not JSON: ${what}`);
      }
      assert.equal(parsed.statusCode, res.statusCode, `statusCode in the body: ${what}`);
      assert.equal(typeof parsed.message, "string", `message: ${what}`);
      assert.ok(Array.isArray(parsed.errors) && parsed.errors.length > 0, `errors: ${what}`);
      for (const e of parsed.errors as { key?: unknown; message?: unknown }[]) {
        assert.ok(typeof e.key === "string" && e.key !== "" && typeof e.message === "string", `an error without key or message: ${what}`);
      }
      assert.ok(typeof parsed.timestamp === "string" && !Number.isNaN(Date.parse(parsed.timestamp)), `timestamp: ${what}`);
    } else if (res.statusCode < 300 && credential !== "sysadmin" && !isPublic(sent.url) && !(op?.people && credential === PERSON)) {
      assert.fail(`a 2xx without the right role: ${what}`);
    }
  }

  function request(op: Operation, values: { path: Record<string, string>; query: [string, string][]; body: { raw: string } | { json: unknown } | undefined }): Sent {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(values.path[name] ?? "x"));
    const qs = new URLSearchParams(values.query).toString();
    const headers: Record<string, string> = { "x-atlassian-token": "no-check" };
    let payload: string | undefined;
    if (values.body !== undefined && op.method !== "GET") {
      payload = "raw" in values.body ? values.body.raw : JSON.stringify(values.body.json);
      headers["content-type"] = "application/json";
    }
    return { method: op.method, url: qs ? `${path}?${qs}` : path, headers, ...(payload !== undefined ? { payload } : {}) };
  }

  it("every operation with every kind of credential: 401/403 unless allowed, never a 5xx", async () => {
    for (const op of ops) {
      const sent = request(op, { path: Object.fromEntries(op.pathParams.map((p) => [p, p === "version" ? "latest" : p === "id" ? "1" : "wiki"])), query: [], body: undefined });
      for (const [name, headers] of Object.entries(credentials)) {
        await check({ ...sent, headers: { ...sent.headers, ...headers } }, name, op);
      }
    }
  });

  it(`seeded random inputs on every operation (seed ${SEED}, ${RUNS} per operation): no 5xx, every 4xx documented`, async () => {
    let i = 0;
    for (const op of ops) {
      const queryNames = [...new Set([...op.query, "offset", "limit", "site", "kind", "status", "fromDate", "format", "jobId", "q", "user"])];
      const inputs = fc.sample(
        fc.record({
          path: fc.record(Object.fromEntries(op.pathParams.map((p) => [p, pathValue(p)]))),
          query: fc.array(fc.tuple(fc.constantFrom(...queryNames), nastyString.filter((s) => s.length < 3000)), { maxLength: 4 }),
          body,
        }),
        { seed: SEED + i++, numRuns: RUNS },
      );
      for (const values of inputs) {
        const sent = request(op, values);
        await check({ ...sent, headers: { ...sent.headers, ...t.auth } }, "sysadmin");
      }
    }
  });

  it("what the document says of a query parameter, the API enforces (one contract for both)", async () => {
    let checked = 0;
    for (const op of ops) {
      for (const [name, schema] of Object.entries(op.querySchemas)) {
        const bad: string[] = [];
        if (schema.type === "integer" || schema.type === "number") bad.push("abc");
        if (schema.type === "integer") bad.push("1.5");
        if (schema.maximum !== undefined) bad.push(String(schema.maximum + 1));
        if (schema.minimum !== undefined) bad.push(String(schema.minimum - 1));
        if (schema.enum !== undefined) bad.push("not-one-of-them");
        for (const value of bad) {
          const sent = request(op, { path: Object.fromEntries(op.pathParams.map((p) => [p, p === "version" ? "latest" : p === "id" ? "1" : "wiki"])), query: [[name, value]], body: undefined });
          const res = await t.app.inject({ method: sent.method as "GET", url: sent.url, headers: { ...sent.headers, ...t.auth } });
          assert.equal(res.statusCode, 400, `${op.method} ${op.path} ?${name}=${value} (documented ${JSON.stringify(schema)}) → ${res.statusCode} ${res.body.slice(0, 300)}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 8, `${checked} documented constraints checked`);
  });

  it("the server still answers, and says what it saw", async () => {
    const ping = await t.app.inject({ method: "GET", url: "/ping" });
    assert.equal(ping.statusCode, 200);
    const sites = await t.app.inject({ method: "GET", url: "/rest/admin/v1/sites", headers: t.auth });
    assert.equal(sites.statusCode, 200);
    const statuses = [...seen.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    process.stdout.write(`# fuzz: ${seen.requests} requests over ${ops.length} operations: ${statuses.join(" ")}\n`);
    assert.ok(seen.requests >= ops.length * (RUNS + 8));
  });
});
