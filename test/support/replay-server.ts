/**
 * A local HTTP server on 127.0.0.1 that replays vendor API responses for the sync tests.
 *
 * Fixtures: a folder with `routes.json` — `[{ "method", "path", "query"?, "body"?, "file", "status"?,
 * "headers"? }]` — and one JSON file per endpoint page, shaped exactly like the vendor's response.
 * `{{base}}` in a file is replaced with the server's URL (self links, `next` URLs). A request matches
 * a route when method and path are equal and every query parameter (and body field) the route names
 * has the same value (`~text`: contains it; `!`: the parameter is absent); the most specific match
 * wins, later folders before earlier ones.
 *
 * Faults are queued with `fail()` and consumed by the next matching requests (a 429 with
 * Retry-After, a 500, a hang for timeouts, a 401). `handle()` adds programmatic routes (generated data).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export interface Route {
  method?: string;
  path: string;
  query?: Record<string, string>;
  /** Top-level body fields that must be equal (JSON-compared). */
  body?: Record<string, unknown>;
  file?: string;
  status?: number;
  headers?: Record<string, string>;
}

export interface Fault {
  method?: string;
  path: string;
  /** How many matching requests to answer this way (default 1). */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}

export type Handler = (req: RecordedRequest, base: string) => { status: number; body: unknown; headers?: Record<string, string> } | undefined;

/** A raw handler, asked before anything else (its body unread): true when it answered (a git server's paths). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

interface LoadedRoute extends Route {
  dir: string;
  order: number;
}

export class ReplayServer {
  readonly requests: RecordedRequest[] = [];
  readonly unmatched: string[] = [];
  private routes: LoadedRoute[] = [];
  private faults: Fault[] = [];
  private handlers: Handler[] = [];
  private raw: RawHandler[] = [];
  private hung: ServerResponse[] = [];
  private server: Server | undefined;
  base = "";

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errorMessages: [String(error)] }));
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.base;
  }

  /** Replaces the loaded fixtures with these folders (later folders win ties). */
  load(...dirs: string[]): void {
    this.routes = [];
    let order = 0;
    for (const dir of dirs) {
      const routes = JSON.parse(readFileSync(join(dir, "routes.json"), "utf8")) as Route[];
      for (const r of routes) this.routes.push({ ...r, dir, order: order++ });
    }
  }

  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  handle(handler: Handler): void {
    this.handlers.push(handler);
  }

  /** Serves some requests itself, streaming (e.g. `git http-backend` under `/scm/`). */
  passThrough(handler: RawHandler): void {
    this.raw.push(handler);
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const handler of this.raw) if (handler(req, res)) return;
    const url = new URL(req.url ?? "/", this.base);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);

    const fault = this.faults.find((f) => f.path === recorded.path && (!f.method || f.method === recorded.method));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      if (fault.hang) {
        this.hung.push(res);
        return;
      }
      const body = fault.body === undefined ? "" : JSON.stringify(fault.body);
      res.writeHead(fault.status ?? 500, { "content-type": "application/json", ...fault.headers });
      res.end(body);
      return;
    }

    for (const handler of this.handlers) {
      const answer = handler(recorded, this.base);
      if (answer) {
        res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
        return;
      }
    }

    const route = this.match(recorded);
    if (!route) {
      this.unmatched.push(`${recorded.method} ${url.pathname}${url.search}`);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ errorMessages: [`no fixture for ${recorded.method} ${url.pathname}${url.search}`], errors: {} }));
      return;
    }
    const body = route.file ? readFileSync(join(route.dir, route.file), "utf8").replaceAll("{{base}}", this.base) : "";
    res.writeHead(route.status ?? 200, { "content-type": "application/json", ...route.headers });
    res.end(body);
  }

  private match(req: RecordedRequest): LoadedRoute | undefined {
    let best: LoadedRoute | undefined;
    let bestScore = -1;
    for (const route of this.routes) {
      if (route.path !== req.path || (route.method ?? "GET") !== req.method) continue;
      let ok = true;
      let score = 0;
      for (const [k, v] of Object.entries(route.query ?? {})) {
        const got = req.query.getAll(k).join(",");
        if (v === "!" ? req.query.has(k) : v.startsWith("~") ? !got.includes(v.slice(1)) : got !== v) ok = false;
        score++;
      }
      for (const [k, v] of Object.entries(route.body ?? {})) {
        const got = (req.body as Record<string, unknown> | undefined)?.[k];
        if (JSON.stringify(got) !== JSON.stringify(v)) ok = false;
        score++;
      }
      if (ok && score >= bestScore) {
        best = route;
        bestScore = score;
      }
    }
    return best;
  }
}

/** `test/fixtures/<kind>` of the source tree, found from the compiled test's location. */
export function fixtureDir(kind: string): string {
  let dir = new URL(".", import.meta.url).pathname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "test", "fixtures", kind);
    try {
      readFileSync(join(candidate, "common", "routes.json"));
      return candidate;
    } catch {
      dir = join(dir, "..");
    }
  }
  throw new Error(`fixtures for ${kind} not found above ${import.meta.url}`);
}

/**
 * Generated Jira Cloud data for the kill test and the benchmark: `issues` issues in one project, each
 * updated one minute after the previous, each with `histories` changelog entries embedded in full.
 * Answers `search/jql` (honouring `updated >= "…"`, `maxResults`, `nextPageToken`, `fields=id`) and
 * the small endpoints a sync touches. The search JSON is built by string templates for speed.
 */
export function generatedJiraCloud(options: { issues: number; histories: number; start?: number }): Handler {
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const updatedOf = (i: number) => start + i * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");
  const issueJson = (i: number, base: string): string => {
    const id = 100000 + i;
    const updated = iso(updatedOf(i));
    const histories: string[] = [];
    for (let h = 0; h < options.histories; h++) {
      histories.push(
        `{"id":"${id * 100 + h}","author":{"accountId":"acc-${h % 7}","displayName":"User ${h % 7}","active":true},"created":"${updated}","items":[{"field":"status","fieldtype":"jira","fieldId":"status","from":"1","fromString":"To Do","to":"3","toString":"In Progress"}]}`,
      );
    }
    return (
      `{"expand":"changelog","id":"${id}","self":"${base}/rest/api/3/issue/${id}","key":"GEN-${i}","changelog":{"startAt":0,"maxResults":${options.histories},"total":${options.histories},"histories":[${histories.join(",")}]},` +
      `"fields":{"summary":"Generated issue ${i}","issuetype":{"id":"10001","name":"Task"},"project":{"id":"10000","key":"GEN","name":"Generated","projectTypeKey":"software"},` +
      `"status":{"name":"In Progress","id":"3","statusCategory":{"id":4,"key":"indeterminate","name":"In Progress"}},"priority":{"id":"3","name":"Medium"},` +
      `"creator":{"accountId":"acc-1","displayName":"User 1"},"reporter":{"accountId":"acc-1","displayName":"User 1"},"assignee":null,` +
      `"created":"${iso(start)}","updated":"${updated}","labels":["gen"],"components":[],"versions":[],"fixVersions":[],"issuelinks":[],` +
      `"watches":{"watchCount":1,"isWatching":false},"votes":{"votes":0,"hasVoted":false},` +
      `"description":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Body of issue ${i}"}]}]},"customfield_10060":"value ${i}"}}`
    );
  };
  const firstAtOrAfter = (ms: number) => {
    let i = Math.ceil((ms - start) / 60_000);
    if (i < 0) i = 0;
    return i;
  };
  return (req, base) => {
    const p = req.path;
    if (p === "/rest/api/3/myself") return { status: 200, body: { accountId: "acc-1", displayName: "User 1", timeZone: "UTC", active: true } };
    if (p === "/rest/api/3/field") return { status: 200, body: [{ id: "customfield_10060", name: "Notes", custom: true, schema: { type: "string" } }] };
    if (p === "/rest/api/3/priority") return { status: 200, body: [{ id: "3", name: "Medium" }] };
    if (p === "/rest/api/3/users/search") return { status: 200, body: [] };
    if (p === "/rest/api/3/search/approximate-count") return { status: 200, body: { count: options.issues } };
    if (p === "/rest/api/3/worklog/updated" || p === "/rest/api/3/worklog/deleted") {
      const since = Number(req.query.get("since") ?? 0);
      return { status: 200, body: { values: [], since, until: since, lastPage: true } };
    }
    if (p === "/rest/agile/1.0/board") return { status: 200, body: { maxResults: 50, startAt: 0, total: 0, isLast: true, values: [] } };
    if (p !== "/rest/api/3/search/jql") return undefined;
    const jql = req.query.get("jql") ?? "";
    const m = /updated >= "(\d{4}-\d{2}-\d{2} \d{2}:\d{2})"/.exec(jql);
    const from = m ? firstAtOrAfter(Date.parse(`${m[1]!.replace(" ", "T")}:00Z`)) : 0;
    const token = req.query.get("nextPageToken");
    const offset = token ? Number(token.slice(1)) : from;
    const max = Math.min(Number(req.query.get("maxResults") ?? 50), 5000);
    const end = Math.min(options.issues, offset + max);
    const parts: string[] = [];
    if (req.query.get("fields") === "id") {
      for (let i = offset; i < end; i++) parts.push(`{"id":"${100000 + i}","key":"GEN-${i}"}`);
    } else {
      for (let i = offset; i < end; i++) parts.push(issueJson(i, base));
    }
    const last = end >= options.issues;
    return { status: 200, body: `{"issues":[${parts.join(",")}],${last ? "" : `"nextPageToken":"o${end}",`}"isLast":${last}}` };
  };
}
