/**
 * A webhook endpoint for the webhook-delivery tests that behaves like the vendor's documented example
 * receiver (an Express app with `express.json()`), rebuilt on node:http on a free 127.0.0.1 port:
 *
 * - a POST whose content-type is exactly `application/json` is parsed and answered 200;
 * - otherwise a POST with a content-disposition header is streamed to `<dir>/<filename>` (the filename
 *   taken with the example's own regex, `file.dat` when there is none) and answered 200 once written,
 *   500 when the write fails;
 * - like `express.json()`, any body whose media type is application/json (with a charset, say) is read as
 *   JSON first — up to 100 kB, else 413; not an object or array, else 400 — so such a body with a
 *   content-disposition is saved as an empty file, as the example does;
 * - other methods are answered 404, as Express does for a route it does not have.
 *
 * One difference: the example never answers a POST that is neither JSON nor has a content-disposition
 * (the client hangs until its timeout); this receiver answers it 400 at once. A filename that would land
 * outside `dir` is answered 400 rather than written there.
 *
 * `failNext(n, status)` answers the next n requests with `status` after reading (and discarding) the body.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, STATUS_CODES, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** The JSON body of a webhook: the report's `columns` and `rows`, plus whatever else was sent. */
export interface WebhookJson {
  columns?: unknown;
  rows?: unknown;
  [field: string]: unknown;
}

export interface WebhookRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The status the receiver answered. */
  status: number;
  /** For a saved (or refused) file: the name taken from content-disposition, and where it was written. */
  filename?: string;
  path?: string;
  /** For a JSON body. */
  json?: WebhookJson;
  /** Body bytes received. */
  bytes: number;
}

export interface WebhookReceiverOptions {
  /** Where files are saved; default a fresh temp dir, removed at close. */
  dir?: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; any path is accepted. */
  readonly url: string;
  readonly dir: string;
  /** Completed requests, in the order they were answered. */
  readonly requests: WebhookRequest[];
  /** Answers the next `count` requests with `status` (default 500) after reading their body. */
  failNext(count: number, status?: number): void;
  /** Resolves with `requests` once at least `count` have been answered; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<WebhookRequest[]>;
  close(): Promise<void>;
}

/** The example's filename pattern, verbatim. */
const FILENAME_REGEX = /filename[^;=\n]*=((['"]).*?\2|[^;\n]*)/;
/** express.json()'s default body limit. */
const JSON_LIMIT = 100 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Counts the bytes going through, for the request record. */
function counter(): Transform & { bytes: number } {
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      stream.bytes += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  stream.bytes = 0;
  return stream;
}

/** The whole body (always read to the end, so the answer reaches the client), failing with 413 past `limit`. */
function readBody(req: IncomingMessage, count: { bytes: number }, limit = Infinity): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      count.bytes += chunk.length;
      if (count.bytes <= limit) chunks.push(chunk);
    });
    req.once("end", () => (count.bytes > limit ? reject(new HttpError(413, "request entity too large")) : resolveBody(Buffer.concat(chunks))));
    req.once("error", reject);
  });
}

/** body-parser's JSON reading: strict (an object or array), empty body → `{}`. */
function parseJson(body: Buffer): WebhookJson {
  const text = body.toString("utf8");
  if (text.trim() === "") return {};
  if (!/^[\s\uFEFF]*[[{]/.test(text)) throw new HttpError(400, "JSON body is neither an object nor an array");
  try {
    return JSON.parse(text) as WebhookJson;
  } catch (error) {
    throw new HttpError(400, `invalid JSON: ${String(error)}`);
  }
}

const mediaType = (contentType: string | undefined): string => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const ownDir = options.dir === undefined;
  const dir = resolve(options.dir ?? (await mkdtemp(join(tmpdir(), "sluice-webhook-"))));
  const requests: WebhookRequest[] = [];
  const waiters = new Set<() => void>();
  let failing = 0;
  let failStatus = 500;

  const answer = (res: ServerResponse, record: WebhookRequest, status: number) => {
    record.status = status;
    res.once("finish", () => {
      requests.push(record);
      for (const wake of [...waiters]) wake();
    });
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(STATUS_CODES[status] ?? String(status));
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, record: WebhookRequest): Promise<void> => {
    if (req.method !== "POST") {
      await readBody(req, record);
      answer(res, record, 404);
      return;
    }
    if (failing > 0) {
      failing--;
      await readBody(req, record);
      answer(res, record, failStatus);
      return;
    }
    const contentType = req.headers["content-type"];
    const contentDisposition = req.headers["content-disposition"];
    // express.json() runs first for every application/json media type, whatever the route does next.
    if (mediaType(contentType) === "application/json") {
      const json = parseJson(await readBody(req, record, JSON_LIMIT));
      if (contentType === "application/json") {
        record.json = json;
        answer(res, record, 200);
        return;
      }
    }
    if (!contentDisposition) {
      await readBody(req, record);
      throw new HttpError(400, "neither an application/json body nor a content-disposition header");
    }
    let filename = "file.dat";
    const matches = FILENAME_REGEX.exec(contentDisposition);
    if (matches?.[1]) filename = matches[1].replace(/['"]/g, "");
    const path = join(dir, filename);
    record.filename = filename;
    record.path = path;
    const inside = relative(dir, path);
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
      await readBody(req, record);
      throw new HttpError(400, `filename ${JSON.stringify(filename)} is outside the upload directory`);
    }
    const count = counter();
    try {
      await pipeline(req, count, createWriteStream(path));
    } catch (error) {
      record.bytes += count.bytes;
      throw new HttpError(500, `error writing file: ${String(error)}`);
    }
    record.bytes += count.bytes;
    answer(res, record, 200);
  };

  const server = createServer((req, res) => {
    const record: WebhookRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, status: 0, bytes: 0 };
    serve(req, res, record).catch((error: unknown) => {
      if (!req.complete) req.resume();
      if (res.headersSent || req.socket.destroyed) {
        // The client went away mid-body: keep the record of what arrived.
        requests.push(record);
        for (const wake of [...waiters]) wake();
        return;
      }
      answer(res, record, error instanceof HttpError ? error.status : 500);
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.removeListener("error", reject);
      resolveListen();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    dir,
    requests,
    failNext(count, status = 500) {
      failing = count;
      failStatus = status;
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          if (requests.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolveWait(requests);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver ${url}: ${requests.length} of ${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        if (ownDir) await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
