/**
 * The BlobStore contract: one suite, run against the filesystem store (a temporary directory) and the
 * S3 store (a real S3-compatible server, s3rver, on 127.0.0.1). Both must store byte-identical blobs,
 * say what they stored (bytes, sha256), list in key order under a prefix, never show a partial blob,
 * and refuse keys that would leave their root. Then what only S3 has: refused credentials, an endpoint
 * where nothing listens, and a 200 MB upload that streams in flat memory. Last, storage specs.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { isSluiceError } from "../src/core/errors.js";
import {
  FilesystemBlobStore,
  openBlobStore,
  S3BlobStore,
  storageSpec,
  type BlobInfo,
  type BlobStore,
  type S3BlobStoreOptions,
} from "../src/storage/index.js";
import { startS3, type TestS3 } from "./support/s3.js";

const MB = 1024 * 1024;

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

async function collect(blobs: AsyncIterable<BlobInfo>): Promise<BlobInfo[]> {
  const out: BlobInfo[] = [];
  for await (const blob of blobs) out.push(blob);
  return out;
}

/** `data` in chunks of 256 KiB, as a byte stream (the way a file or a socket hands it over). */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += 256 * 1024) yield data.subarray(at, at + 256 * 1024);
    })(),
    { objectMode: false },
  );
}

/** A body that gives `goodBytes` bytes and then fails, the way a dropped source connection does. */
function failingBody(goodBytes: number, message: string): Readable {
  return Readable.from(
    (async function* () {
      const chunk = randomBytes(256 * 1024);
      for (let sent = 0; sent < goodBytes; sent += chunk.length) {
        yield chunk.subarray(0, Math.min(chunk.length, goodBytes - sent));
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(message);
    })(),
    { objectMode: false },
  );
}

/** `total` bytes made lazily from one random block; `expected` is their sha256. */
function lazyBody(total: number, blockSize = MB): { body: Readable; expected: string } {
  const block = randomBytes(blockSize);
  const hash = createHash("sha256");
  for (let n = 0; n < total; n += blockSize) hash.update(block.subarray(0, Math.min(blockSize, total - n)));
  const body = Readable.from(
    (function* () {
      for (let n = 0; n < total; n += blockSize) yield Buffer.from(block.subarray(0, Math.min(blockSize, total - n)));
    })(),
    { objectMode: false },
  );
  return { body, expected: hash.digest("hex") };
}

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<Error> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected a ${code} error`),
    (error: unknown) => {
      caught = error;
    },
  );
  assert.ok(isSluiceError(caught), `expected a SluiceError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

interface Harness {
  store: BlobStore;
  /** A store on the same backing storage under another root (another directory, another S3 prefix). */
  neighbour: BlobStore;
  close(): Promise<void>;
}

const ADAPTERS: { kind: string; open(): Promise<Harness> }[] = [
  {
    kind: "filesystem",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "sluice-blobs-"));
      return {
        store: new FilesystemBlobStore(join(dir, "store")),
        neighbour: new FilesystemBlobStore(join(dir, "store-2")),
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: "s3",
    async open() {
      const s3 = await startS3();
      const options = (prefix: string): S3BlobStoreOptions => ({
        name: "test",
        endpoint: s3.endpoint,
        region: s3.region,
        bucket: s3.bucket,
        prefix,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      const store = new S3BlobStore(options("sluice/store"));
      const neighbour = new S3BlobStore(options("sluice/store-2"));
      return {
        store,
        neighbour,
        async close() {
          store.destroy();
          neighbour.destroy();
          await s3.close();
        },
      };
    },
  },
];

for (const adapter of ADAPTERS) {
  describe(`BlobStore contract: ${adapter.kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await adapter.open();
    });
    after(async () => {
      await h.close();
    });

    test("check reaches the storage", async () => {
      await h.store.check();
      assert.equal(h.store.kind, adapter.kind);
    });

    test("put and get round trip byte for byte: empty, small, and 20 MB (multipart on S3)", async () => {
      const bodies = [Buffer.alloc(0), Buffer.from("hello, blob\n"), randomBytes(20 * MB + 123)];
      for (const [n, data] of bodies.entries()) {
        const key = `round-trip/${n}.bin`;
        const stored = await h.store.put(key, streamOf(data));
        assert.deepEqual(stored, { key, bytes: data.length, sha256: sha256(data) });
        assert.deepEqual(await h.store.head(key), { key, bytes: data.length });
        const back = await readAll(await h.store.get(key));
        assert.equal(back.length, data.length);
        assert.ok(back.equals(data), `blob ${key} came back different`);
      }
    });

    test("head of a missing blob is undefined; get of one is sluice.storage.not.found", async () => {
      assert.equal(await h.store.head("missing/nothing.bin"), undefined);
      await rejectsWith(h.store.get("missing/nothing.bin"), "sluice.storage.not.found", /missing\/nothing\.bin/);
    });

    test("list gives the blobs under a prefix in key order, nothing of another prefix or root", async () => {
      const keys = ["list/1/b.json", "list/1/a.json", "list/1/parts/0002", "list/1/parts/0001", "list/10/x", "list/1-x/y", "list/2/z"];
      for (const key of keys) await h.store.put(key, Readable.from([Buffer.from(key)]));
      await h.neighbour.put("list/1/neighbour.json", Readable.from([Buffer.from("other root")]));

      const under1 = await collect(h.store.list("list/1/"));
      assert.deepEqual(
        under1,
        ["list/1/a.json", "list/1/b.json", "list/1/parts/0001", "list/1/parts/0002"].map((key) => ({ key, bytes: key.length })),
      );
      // Without the trailing slash the prefix is still the folder, never `list/10/`.
      assert.deepEqual(await collect(h.store.list("list/1")), under1);
      assert.deepEqual(
        (await collect(h.store.list("list/"))).map((b) => b.key),
        ["list/1-x/y", "list/1/a.json", "list/1/b.json", "list/1/parts/0001", "list/1/parts/0002", "list/10/x", "list/2/z"],
      );
      assert.deepEqual(await collect(h.store.list("list/3/")), []);
      assert.deepEqual((await collect(h.neighbour.list("list/"))).map((b) => b.key), ["list/1/neighbour.json"]);
    });

    test("a put whose body fails midway leaves no blob and keeps the older one", async () => {
      const failure = /source connection dropped/;
      // Fails inside the second 8 MB part: on S3 the multipart upload has begun.
      await assert.rejects(h.store.put("failing/new.bin", failingBody(10 * MB, "source connection dropped")), failure);
      assert.equal(await h.store.head("failing/new.bin"), undefined);
      await rejectsWith(h.store.get("failing/new.bin"), "sluice.storage.not.found");

      const old = Buffer.from("the older blob");
      await h.store.put("failing/old.bin", Readable.from([old]));
      await assert.rejects(h.store.put("failing/old.bin", failingBody(1 * MB, "source connection dropped")), failure);
      assert.ok((await readAll(await h.store.get("failing/old.bin"))).equals(old));
      assert.deepEqual(await collect(h.store.list("failing/")), [{ key: "failing/old.bin", bytes: old.length }]);
    });

    test("an aborted put leaves no blob", async () => {
      const controller = new AbortController();
      // Aborted from inside the body as the put pulls it (a 'data' listener would make the body flow on
      // its own, past the abort, into its error).
      const chunk = randomBytes(256 * 1024);
      const body = Readable.from(
        (async function* () {
          for (let sent = 0; sent < 30 * MB; sent += chunk.length) {
            if (sent >= 9 * MB) controller.abort();
            yield chunk;
            await new Promise((resolve) => setImmediate(resolve));
          }
          throw new Error("never reached");
        })(),
        { objectMode: false },
      );
      await assert.rejects(h.store.put("aborted/blob.bin", body, controller.signal), (error: Error) => error.name === "AbortError");
      assert.equal(await h.store.head("aborted/blob.bin"), undefined);
      assert.deepEqual(await collect(h.store.list("aborted/")), []);
    });

    test("put replaces an older blob of the same key", async () => {
      await h.store.put("replace/blob.txt", Readable.from([Buffer.from("first version, longer")]));
      const stored = await h.store.put("replace/blob.txt", Readable.from([Buffer.from("second")]));
      assert.deepEqual(stored, { key: "replace/blob.txt", bytes: 6, sha256: sha256(Buffer.from("second")) });
      assert.equal((await readAll(await h.store.get("replace/blob.txt"))).toString(), "second");
      assert.deepEqual(await collect(h.store.list("replace/")), [{ key: "replace/blob.txt", bytes: 6 }]);
    });

    test("delete removes one blob and is quiet when it is gone; deletePrefix removes a folder (over 1000 blobs)", async () => {
      await h.store.put("delete/one.txt", Readable.from([Buffer.from("1")]));
      await h.store.put("delete/two.txt", Readable.from([Buffer.from("2")]));
      await h.store.delete("delete/one.txt");
      await h.store.delete("delete/one.txt");
      assert.equal(await h.store.head("delete/one.txt"), undefined);
      assert.deepEqual((await collect(h.store.list("delete/"))).map((b) => b.key), ["delete/two.txt"]);

      const many = Array.from({ length: 1005 }, (_, i) => `bulk/1/${String(i).padStart(4, "0")}`);
      for (let i = 0; i < many.length; i += 25) {
        await Promise.all(many.slice(i, i + 25).map((key) => h.store.put(key, Readable.from([Buffer.from("x")]))));
      }
      await h.store.put("bulk/10/keep", Readable.from([Buffer.from("keep")]));
      assert.equal((await collect(h.store.list("bulk/1/"))).length, 1005);
      assert.equal(await h.store.deletePrefix("bulk/1"), 1005);
      assert.deepEqual((await collect(h.store.list("bulk/"))).map((b) => b.key), ["bulk/10/keep"]);
      assert.equal(await h.store.deletePrefix("bulk/1/"), 0);
    });

    test("keys with .., a leading / or NUL are refused", async () => {
      for (const key of ["../escape", "a/../../escape", "/absolute", "a\u0000b", "", "a//b", "a\\b", "./a"]) {
        await assert.rejects(h.store.put(key, Readable.from([Buffer.from("x")])), /not a blob key/, `put ${JSON.stringify(key)}`);
        await assert.rejects(h.store.get(key), /not a blob key/, `get ${JSON.stringify(key)}`);
        await assert.rejects(h.store.head(key), /not a blob key/, `head ${JSON.stringify(key)}`);
        await assert.rejects(h.store.delete(key), /not a blob key/, `delete ${JSON.stringify(key)}`);
      }
      await assert.rejects(collect(h.store.list("../")), /not a blob key/);
      await assert.rejects(h.store.deletePrefix("../x"), /not a blob key/);
    });
  });
}

describe("S3 blob store: failures and memory", () => {
  let s3: TestS3;
  const opened: S3BlobStore[] = [];
  const open = (overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStore => {
    const store = new S3BlobStore({
      name: "test",
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      prefix: "failures",
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      ...overrides,
    });
    opened.push(store);
    return store;
  };
  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    for (const store of opened) store.destroy();
    await s3.close();
  });

  test("the description names bucket, prefix and endpoint", () => {
    assert.equal(open().description, `s3 ${s3.bucket}/failures at ${s3.endpoint}`);
    assert.equal(open({ endpoint: undefined, region: "eu-west-1", prefix: "" }).description, `s3 ${s3.bucket} at AWS eu-west-1`);
  });

  test("refused credentials: check and put are sluice.storage.unavailable naming the storage", async () => {
    // s3rver knows access key ids but does not verify SigV4 signatures: a wrong id is what it refuses.
    const store = open({ credentials: { accessKeyId: "NOT-A-KEY", secretAccessKey: "wrong" } });
    const where = new RegExp(`^s3 ${s3.bucket}/failures at http://127\\.0\\.0\\.1:\\d+ cannot be used: the access key id`);
    await rejectsWith(store.check(), "sluice.storage.unavailable", where);
    const error = await rejectsWith(store.put("x.bin", Readable.from([Buffer.from("x")])), "sluice.storage.unavailable", where);
    assert.doesNotMatch(error.message, /NOT-A-KEY|wrong/);
    await rejectsWith(store.put("big.bin", lazyBody(20 * MB).body), "sluice.storage.unavailable", where);
    await rejectsWith(store.get("x.bin"), "sluice.storage.unavailable", where);
  });

  test("a missing bucket is sluice.storage.unavailable saying so", async () => {
    const store = open({ bucket: "no-such-bucket" });
    await rejectsWith(store.check(), "sluice.storage.unavailable", /the bucket no-such-bucket does not exist/);
    await rejectsWith(store.put("x.bin", Readable.from([Buffer.from("x")])), "sluice.storage.unavailable", /no-such-bucket does not exist/);
  });

  test("an endpoint where nothing listens fails fast with sluice.storage.unavailable", async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
      });
    });
    const store = open({ endpoint: `http://127.0.0.1:${port}` });
    const started = Date.now();
    await rejectsWith(store.check(), "sluice.storage.unavailable", new RegExp(`at http://127\\.0\\.0\\.1:${port} cannot be used: nothing answers`));
    await rejectsWith(store.put("x.bin", Readable.from([Buffer.from("x")])), "sluice.storage.unavailable", /connection refused/);
    await rejectsWith(collect(store.list("")), "sluice.storage.unavailable");
    // A bound, not a speed claim: the store gives up instead of hanging on its default retries.
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  test("a 200 MB put streams in flat memory", async (t) => {
    const store = open();
    const total = 200 * MB;
    const { body, expected } = lazyBody(total);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let stored;
    try {
      stored = await store.put("big/200mb.bin", body);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.deepEqual(stored, { key: "big/200mb.bin", bytes: total, sha256: expected });
    assert.deepEqual(await store.head("big/200mb.bin"), { key: "big/200mb.bin", bytes: total });
    const growth = (peak - baseline) / MB;
    t.diagnostic(`RSS grew by ${growth.toFixed(0)} MB`);
    assert.ok(growth < 100, `RSS grew by ${growth.toFixed(0)} MB during a 200 MB put`);
    assert.equal(await store.deletePrefix("big"), 1);
  });
});

describe("storage specs", () => {
  test("storageSpec accepts filesystem and s3 specs and lists what is wrong", () => {
    assert.ok(storageSpec.safeParse({ type: "filesystem", path: "/var/lib/sluice/backups" }).success);
    assert.ok(
      storageSpec.safeParse({
        type: "s3",
        endpoint: "https://s3.example.com:9000",
        region: "us-east-1",
        bucket: "sluice.backups-1",
        prefix: "org/1",
        forcePathStyle: true,
        accessKeyIdEnv: "BACKUP_KEY_ID",
        secretAccessKeyEnv: "BACKUP_SECRET",
      }).success,
    );
    const refused = [
      { type: "filesystem", path: "relative/dir" },
      { type: "filesystem", path: "/abs", extra: 1 },
      { type: "s3", region: "us-east-1", bucket: "Upper_Case" },
      { type: "s3", region: "us-east-1", bucket: "ab" },
      { type: "s3", region: "us-east-1", bucket: "192.168.1.1" },
      { type: "s3", region: "us-east-1", bucket: "a..b" },
      { type: "s3", region: "us-east-1", bucket: "ok-bucket", accessKeyIdEnv: "lower-case" },
      { type: "s3", region: "us-east-1", bucket: "ok-bucket", prefix: "../up" },
      { type: "s3", region: "us-east-1", bucket: "ok-bucket", prefix: "/lead" },
      { type: "s3", region: "us-east-1", bucket: "ok-bucket", endpoint: "ftp://host" },
      { type: "s3", region: "us-east-1", bucket: "ok-bucket", secretAccessKey: "inline" },
      { type: "sftp", path: "/x" },
    ];
    for (const spec of refused) assert.equal(storageSpec.safeParse(spec).success, false, JSON.stringify(spec));
  });

  test("openBlobStore takes S3 credentials from the named environment variables", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-open-"));
    try {
      const fs = openBlobStore({ type: "filesystem", path: dir }, {});
      assert.equal(fs.kind, "filesystem");
      await fs.put("a/b.txt", Readable.from([Buffer.from("b")]));
      assert.deepEqual(await readdir(join(dir, "a")), ["b.txt"]);

      const spec = storageSpec.parse({ type: "s3", endpoint: "http://127.0.0.1:1", region: "us-east-1", bucket: "sluice-test", prefix: "p", accessKeyIdEnv: "KEY_ID", secretAccessKeyEnv: "KEY_SECRET" });
      const s3 = openBlobStore(spec, { KEY_ID: "id", KEY_SECRET: "secret" }, "offsite");
      assert.ok(s3 instanceof S3BlobStore);
      assert.equal(s3.name, "offsite");
      assert.equal(s3.description, "s3 sluice-test/p at http://127.0.0.1:1");
      s3.destroy();
      await rejectsWith(Promise.resolve().then(() => openBlobStore(spec, { KEY_ID: "id" })), "sluice.storage.invalid", /environment variable KEY_SECRET, which is not set/);
      await rejectsWith(
        Promise.resolve().then(() => openBlobStore({ type: "s3", region: "us-east-1", bucket: "sluice-test" }, {})),
        "sluice.storage.invalid",
        /AWS_ACCESS_KEY_ID/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
