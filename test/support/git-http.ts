/**
 * A real git server for the sync tests: `git http-backend` (git's own smart-HTTP CGI program) run for
 * each request under a prefix (`/scm/…`, where Bitbucket Data Center serves git), on the replay
 * server's port — so a clone link on the site's own host. Requests without the expected Authorization
 * header get a 401, as Bitbucket answers; every Authorization header seen is kept for the test to read.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RawHandler } from "./replay-server.js";

export interface GitHttpServer {
  handler: RawHandler;
  /** The Authorization headers of the git requests, in order. */
  authorizations: (string | undefined)[];
  /** The header git must send; change it to refuse the next fetches. */
  expected: string;
}

export function gitHttpBackend(projectRoot: string, prefix: string, expected: string): GitHttpServer {
  const server: GitHttpServer = {
    authorizations: [],
    expected,
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (!url.pathname.startsWith(`${prefix}/`)) return false;
      server.authorizations.push(req.headers.authorization);
      if (req.headers.authorization !== server.expected) {
        req.resume();
        res.writeHead(401, { "www-authenticate": 'Basic realm="Bitbucket"', "content-type": "text/plain" });
        res.end("Authentication failed\n");
        return true;
      }
      const child = spawn("git", ["http-backend"], {
        stdio: ["pipe", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          GIT_PROJECT_ROOT: projectRoot,
          GIT_HTTP_EXPORT_ALL: "1",
          REQUEST_METHOD: req.method ?? "GET",
          PATH_INFO: url.pathname.slice(prefix.length),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers["content-type"] ?? "",
          REMOTE_ADDR: "127.0.0.1",
          REMOTE_USER: "sluice",
          ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
          ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        },
      });
      req.pipe(child.stdin);
      child.stdin.on("error", () => undefined);
      let head = Buffer.alloc(0);
      let headersDone = false;
      child.stdout.on("data", (chunk: Buffer) => {
        if (headersDone) {
          res.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        headersDone = true;
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
          const colon = line.indexOf(":");
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
          else headers[name] = value;
        }
        res.writeHead(status, headers);
        res.write(head.subarray(end + 4));
      });
      child.stdout.on("end", () => {
        if (!headersDone) res.writeHead(500).end("git http-backend sent no headers");
        else res.end();
      });
      child.stderr.resume();
      return true;
    },
  };
  return server;
}
