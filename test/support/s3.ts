/**
 * A real S3-compatible server for the storage tests: `s3rver` on a free 127.0.0.1 port, its objects in
 * a temporary directory removed on close, one bucket made at start. Path-style URLs only.
 *
 * It runs in a child process, for two reasons: s3rver makes ListObjectsV2 continuation tokens with
 * DES, which OpenSSL 3 only has in its legacy provider (`--openssl-legacy-provider`; without it every
 * truncated listing is a 500), and the memory a test measures is then the client's alone. The child
 * ends when its stdin closes, so it never outlives the test process.
 *
 * s3rver's limits, which the tests live with: it checks the access key id (`S3RVER`) but not SigV4
 * signatures, so a wrong secret alone is accepted; it has no AbortMultipartUpload (405), so the parts
 * of an abandoned multipart upload stay on its disk (never visible as an object); it writes an object's
 * file in place rather than by rename; it lists by walking folders, not strictly in key order.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface TestS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly region: "us-east-1";
  readonly bucket: string;
  readonly accessKeyId: "S3RVER";
  readonly secretAccessKey: "S3RVER";
  close(): Promise<void>;
}

/** The child: starts s3rver, prints `{"port":…}`, exits when stdin ends. */
const CHILD = `
const [modulePath, directory, bucket] = process.argv.slice(1);
const S3rver = require(modulePath);
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + "\\n"),
  (error) => { process.stderr.write(String(error && error.stack || error) + "\\n"); process.exit(1); },
);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;

export async function startS3(bucket = "sluice-test"): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "sluice-s3-"));
  const modulePath = createRequire(import.meta.url).resolve("s3rver");
  const child = spawn(process.execPath, ["--openssl-legacy-provider", "-e", CHILD, modulePath, directory, bucket], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = once(child, "exit");

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once("line", (line) => {
        const parsed: unknown = JSON.parse(line);
        const value = typeof parsed === "object" && parsed !== null && "port" in parsed ? parsed.port : undefined;
        if (typeof value === "number") resolve(value);
        else reject(new Error(`s3rver said ${line}`));
      });
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before it listened: ${stderr.trim()}`)));
    });
  } catch (error) {
    child.kill("SIGKILL");
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
