/**
 * An HTTP proxy in front of the test S3 server (s3rver) that makes the storage refuse chosen uploads:
 * every request is passed through unchanged, except a PUT whose object key matches `refuse`, which is
 * held until `release()` and then answered 403 AccessDenied (S3's own error shape), as a bucket policy
 * that denies those keys would. A fake at the far edge of the third-party API only: Sluice talks real S3
 * to it. `held` resolves when the first refused request arrives, so a test can look at the job while
 * the upload is in flight, without timing anything.
 */
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface S3FaultProxy {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Resolves with the key of the first refused PUT (since the last `rearm`), once it arrives. */
  readonly held: Promise<string>;
  /** Answers the held (and any later) refused PUTs. */
  release(): void;
  /** Holds refused PUTs again, with a new `held`. */
  rearm(): void;
  /** Keys of the objects passed through with PUT. */
  readonly uploaded: string[];
  close(): Promise<void>;
}

const DENIED = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`;

export async function startS3FaultProxy(target: string, refuse: RegExp): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  let released = false;
  const waiting: (() => void)[] = [];
  let onHeld: (key: string) => void = () => undefined;
  let held!: Promise<string>;
  const rearm = () => {
    released = false;
    held = new Promise<string>((resolve) => (onHeld = resolve));
  };
  rearm();
  const uploaded: string[] = [];

  const pass = (req: IncomingMessage, res: ServerResponse) => {
    const headers = { ...req.headers };
    delete headers.expect; // the proxy has read nothing yet; the body follows at once
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (req.method !== "PUT" || !refuse.test(key)) {
      if (req.method === "PUT") uploaded.push(key);
      return pass(req, res);
    }
    req.resume();
    const deny = () => res.writeHead(403, { "content-type": "application/xml" }).end(DENIED);
    onHeld(key);
    if (released) deny();
    else waiting.push(deny);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const release = () => {
    released = true;
    for (const deny of waiting.splice(0)) deny();
  };
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get held() {
      return held;
    },
    uploaded,
    release,
    rearm,
    async close() {
      release();
      if (!server.listening) return;
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
