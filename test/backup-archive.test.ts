/**
 * The backup archive format (issue 16) on the filesystem blob store: rows and blobs round trip with and
 * without encryption, the manifest's counts and checksums against the files on disk, a flipped byte or
 * a truncated part refused naming the part (and found by verify), a newer format version and a missing
 * manifest refused, wrong and missing keys, the writer's refusals, and a 100 MB part of each kind
 * written, read and verified in flat memory.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { isSluiceError } from "../src/core/errors.js";
import { FilesystemBlobStore } from "../src/storage/filesystem/index.js";
import {
  ARCHIVE_FORMAT_VERSION,
  ArchiveReader,
  ArchiveWriter,
  verifyArchive,
  type ArchiveKey,
  type ArchiveManifest,
  type ArchiveSite,
} from "../src/backup/archive/index.js";

const SITE: ArchiveSite = { key: "wiki", product: "confluence", contextPath: "/wiki", baseUrl: "https://example.com/wiki", plan: "standard", region: "eu" };
const COLUMNS = ["id", "title", "body", "done", "score", "extra"];
const NOW = new Date("2025-03-04T05:06:07.000Z");

/** Store values in, and what a reader gives back. */
const ROWS_IN: unknown[][] = [
  [1, "plain", null, true, 1.5, undefined],
  [2, 'line\nbreak\r\nand "quotes", \\ and a tab\t', "\u2028\u2029 separators", false, -3, 0],
  [3, "unicode: 日本語 🎉 é ñ", Buffer.from("SQLite text ✓\n", "utf8"), null, 0.1 + 0.2, 42n],
  [4, "", "", true, Number.MAX_SAFE_INTEGER, 2n ** 60n],
  [5, "date", new Date("2024-01-02T03:04:05.678Z"), false, 1e-7, ["a", { b: 1 }]],
];
const ROWS_OUT: unknown[][] = [
  [1, "plain", null, true, 1.5, null],
  [2, 'line\nbreak\r\nand "quotes", \\ and a tab\t', "\u2028\u2029 separators", false, -3, 0],
  [3, "unicode: 日本語 🎉 é ñ", "SQLite text ✓\n", null, 0.1 + 0.2, 42],
  [4, "", "", true, Number.MAX_SAFE_INTEGER, "1152921504606846976"],
  [5, "date", "2024-01-02T03:04:05.678Z", false, 1e-7, ["a", { b: 1 }]],
];
const ATTACHMENT = Buffer.from("attachment secret: the quick brown fox\n".repeat(50), "utf8");
const BUNDLE = randomBytes(70_000);

const KEY: ArchiveKey = { id: "backup-key-2025", key: randomBytes(32) };
const OTHER_KEY = randomBytes(32);

async function* batches(rows: unknown[][], size: number): AsyncGenerator<unknown[][]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

async function allRows(reader: ArchiveReader, name: string, batchSize?: number): Promise<{ rows: unknown[][]; batches: number }> {
  const rows: unknown[][] = [];
  let n = 0;
  for await (const batch of reader.rows(name, batchSize === undefined ? {} : { batchSize })) {
    rows.push(...batch);
    n++;
  }
  return { rows, batches: n };
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Asserts that `work` fails with a SluiceError of `code` whose message matches `message`. */
async function refused(work: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(isSluiceError(error), `a SluiceError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

/** Writes the sample archive: two rows parts of `pages`, one of `comments`, an attachment and a bundle. */
async function writeSample(store: FilesystemBlobStore, prefix: string, encryptionKey?: ArchiveKey): Promise<ArchiveManifest> {
  const writer = await ArchiveWriter.create(store, prefix, { site: SITE, schemaVersion: 3, now: NOW, ...(encryptionKey ? { encryptionKey } : {}) });
  await writer.writeRows("rows/pages.1.ndjson.gz", "pages", COLUMNS, batches(ROWS_IN, 2));
  await writer.writeRows("rows/pages.2.ndjson.gz", "pages", COLUMNS, batches(ROWS_IN.slice(0, 2), 10));
  await writer.writeRows("rows/comments.ndjson.gz", "comments", ["id"], batches([], 1));
  await writer.writeBlob("attachments/10001", Readable.from([ATTACHMENT.subarray(0, 100), ATTACHMENT.subarray(100)]));
  await writer.writeBlob("git/PROJ/repo.bundle", Readable.from([BUNDLE]), { kind: "git" });
  return writer.finish({ incomplete: { missing: ["attachments/10002 (page 7: diagram.png)"] } });
}

describe("backup archive", () => {
  let root: string;
  let store: FilesystemBlobStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "sluice-archive-"));
    store = new FilesystemBlobStore(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const encrypted of [false, true]) {
    describe(encrypted ? "encrypted" : "not encrypted", () => {
      const prefix = encrypted ? "backups/enc" : "backups/plain";
      let manifest: ArchiveManifest;
      const keys = new Map([[KEY.id, KEY.key]]);

      before(async () => {
        manifest = await writeSample(store, prefix, encrypted ? KEY : undefined);
      });

      it("writes a manifest with format, site, counts and the stored bytes' sha256 of every part", async () => {
        const onDisk = JSON.parse(await readFile(join(root, prefix, "manifest.json"), "utf8")) as ArchiveManifest;
        assert.deepEqual(onDisk, manifest);
        assert.equal(manifest.format, "sluice-backup");
        assert.equal(manifest.formatVersion, ARCHIVE_FORMAT_VERSION);
        assert.equal(manifest.createdAt, NOW.toISOString());
        assert.deepEqual(manifest.site, SITE);
        assert.equal(manifest.schemaVersion, 3);
        assert.deepEqual(manifest.counts, { pages: 7, comments: 0 });
        assert.deepEqual(manifest.incomplete, { missing: ["attachments/10002 (page 7: diagram.png)"] });
        assert.deepEqual(
          manifest.parts.map((p) => [p.name, p.kind, p.kind === "rows" ? p.rows : null]),
          [
            ["rows/pages.1.ndjson.gz", "rows", 5],
            ["rows/pages.2.ndjson.gz", "rows", 2],
            ["rows/comments.ndjson.gz", "rows", 0],
            ["attachments/10001", "blob", null],
            ["git/PROJ/repo.bundle", "git", null],
          ],
        );
        for (const part of manifest.parts) {
          const stored = await readFile(join(root, prefix, ...part.name.split("/")));
          assert.equal(part.bytes, stored.length, part.name);
          assert.equal(part.sha256, sha256(stored), part.name);
        }
        const attachment = manifest.parts[3]!;
        assert.equal(attachment.plainBytes, ATTACHMENT.length);
        const storedAttachment = await readFile(join(root, prefix, "attachments", "10001"));
        if (encrypted) {
          assert.deepEqual(manifest.encryption?.algorithm, "aes-256-gcm");
          assert.equal(manifest.encryption?.keyId, KEY.id);
          assert.ok(!JSON.stringify(manifest).includes(KEY.key.toString("hex")), "the key is not in the manifest");
          // IV + ciphertext + tag, and no plain text at rest.
          assert.equal(storedAttachment.length, ATTACHMENT.length + 12 + 16);
          assert.ok(!storedAttachment.includes("attachment secret"));
        } else {
          assert.equal(manifest.encryption, null);
          assert.deepEqual(storedAttachment, ATTACHMENT);
        }
      });

      it("reads rows and blobs back as written", async () => {
        const reader = await ArchiveReader.open(store, `${prefix}/`, encrypted ? { keys } : {});
        assert.deepEqual(reader.manifest, manifest);
        const pages = await allRows(reader, "rows/pages.1.ndjson.gz", 2);
        assert.deepEqual(pages.rows, ROWS_OUT);
        assert.equal(pages.batches, 3);
        assert.deepEqual((await allRows(reader, "rows/pages.2.ndjson.gz")).rows, ROWS_OUT.slice(0, 2));
        assert.deepEqual((await allRows(reader, "rows/comments.ndjson.gz")).rows, []);
        assert.deepEqual(await bytesOf(reader.blob("attachments/10001")), ATTACHMENT);
        assert.deepEqual(await bytesOf(reader.blob("git/PROJ/repo.bundle")), BUNDLE);
        await refused(async () => reader.blob("attachments/404"), "sluice.backup.archive.missing", /has no part attachments\/404/);
      });

      it("verifies every part, or a sample", async () => {
        assert.deepEqual(await verifyArchive(store, prefix), { ok: true, checkedParts: 5, totalParts: 5, checkedBytes: manifest.parts.reduce((n, p) => n + p.bytes, 0), failures: [] });
        const sampled = await verifyArchive(store, prefix, { sample: 2 });
        assert.equal(sampled.ok, true);
        assert.equal(sampled.checkedParts, 2);
      });
    });
  }

  describe("a damaged archive", () => {
    const prefix = "backups/damaged";
    let manifest: ArchiveManifest;
    const keys = new Map([[KEY.id, KEY.key]]);

    before(async () => {
      manifest = await writeSample(store, prefix, KEY);
      await writeSample(store, "backups/damaged-plain");
    });

    /** Runs `check` with the part's stored bytes replaced by `damage(bytes)`, then puts them back. */
    async function withDamaged(at: string, part: string, damage: (bytes: Buffer) => Buffer, check: () => Promise<void>): Promise<void> {
      const file = join(root, at, ...part.split("/"));
      const original = await readFile(file);
      await writeFile(file, damage(Buffer.from(original)));
      try {
        await check();
      } finally {
        await writeFile(file, original);
      }
    }

    const flip = (at: number) => (bytes: Buffer) => {
      const i = at < 0 ? bytes.length + at : at;
      bytes[i] = bytes[i]! ^ 0x01;
      return bytes;
    };

    for (const at of ["backups/damaged", "backups/damaged-plain"]) {
      for (const [where, position] of [["first", 0], ["middle", 40], ["last", -1]] as const) {
        it(`refuses rows with the ${where} byte flipped (${at.endsWith("plain") ? "plain" : "encrypted"}), naming the part; verify names it too`, async () => {
          const part = "rows/pages.1.ndjson.gz";
          await withDamaged(at, part, flip(position), async () => {
            const reader = await ArchiveReader.open(store, at, { keys });
            await refused(() => allRows(reader, part), "sluice.backup.archive.corrupt", /^part rows\/pages\.1\.ndjson\.gz: checksum mismatch \(sha256 /);
            // The other parts still read.
            assert.deepEqual((await allRows(reader, "rows/pages.2.ndjson.gz")).rows, ROWS_OUT.slice(0, 2));
            const result = await verifyArchive(store, at);
            assert.equal(result.ok, false);
            assert.equal(result.checkedParts, 5);
            assert.equal(result.failures.length, 1);
            assert.equal(result.failures[0]?.part, part);
            assert.match(result.failures[0]?.reason ?? "", /^checksum mismatch/);
          });
        });
      }
    }

    it("refuses a blob with one byte flipped, at the end of its stream", async () => {
      await withDamaged(prefix, "git/PROJ/repo.bundle", flip(5000), async () => {
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => bytesOf(reader.blob("git/PROJ/repo.bundle")), "sluice.backup.archive.corrupt", /^part git\/PROJ\/repo\.bundle: checksum mismatch/);
      });
    });

    it("refuses a truncated part with its byte counts", async () => {
      const rows = manifest.parts.find((p) => p.name === "rows/pages.1.ndjson.gz")!;
      await withDamaged(prefix, rows.name, (b) => b.subarray(0, b.length - 10), async () => {
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => allRows(reader, rows.name), "sluice.backup.archive.corrupt", new RegExp(`^part rows/pages\\.1\\.ndjson\\.gz: truncated: ${rows.bytes - 10} of ${rows.bytes} bytes`));
        const result = await verifyArchive(store, prefix);
        assert.deepEqual(result.failures, [{ part: rows.name, reason: `truncated: ${rows.bytes - 10} of ${rows.bytes} bytes` }]);
      });
      const blob = manifest.parts.find((p) => p.name === "attachments/10001")!;
      await withDamaged(prefix, blob.name, (b) => b.subarray(0, 7), async () => {
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => bytesOf(reader.blob(blob.name)), "sluice.backup.archive.corrupt", new RegExp(`^part attachments/10001: truncated: 7 of ${blob.bytes} bytes`));
      });
      await withDamaged(prefix, blob.name, (b) => Buffer.concat([b, Buffer.from("x")]), async () => {
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => bytesOf(reader.blob(blob.name)), "sluice.backup.archive.corrupt", /^part attachments\/10001: checksum mismatch/);
      });
    });

    it("refuses and reports a part whose blob is gone", async () => {
      const file = join(root, prefix, "attachments", "10001");
      const original = await readFile(file);
      await unlink(file);
      try {
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => bytesOf(reader.blob("attachments/10001")), "sluice.backup.archive.corrupt", /^part attachments\/10001: missing/);
        const result = await verifyArchive(store, prefix);
        assert.deepEqual(result.failures.map((f) => f.part), ["attachments/10001"]);
      } finally {
        await writeFile(file, original);
      }
      assert.equal((await verifyArchive(store, prefix)).ok, true);
    });

    it("refuses a manifest of a newer format version with its version", async () => {
      const file = join(root, prefix, "manifest.json");
      const original = await readFile(file, "utf8");
      await writeFile(file, JSON.stringify({ ...(JSON.parse(original) as object), formatVersion: 2, somethingNew: { x: 1 } }));
      try {
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.version", /^The archive is of format version 2; this Sluice reads up to 1 /);
        const result = await verifyArchive(store, prefix);
        assert.equal(result.ok, false);
        assert.equal(result.failures[0]?.part, "manifest.json");
        assert.match(result.failures[0]?.reason ?? "", /format version 2/);
      } finally {
        await writeFile(file, original);
      }
    });

    it("refuses a manifest that is not a Sluice backup manifest, or not valid", async () => {
      const file = join(root, prefix, "manifest.json");
      const original = await readFile(file, "utf8");
      const edited = JSON.parse(original) as Record<string, unknown>;
      try {
        await writeFile(file, "{ not json");
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.corrupt", /manifest\.json: not JSON/);
        await writeFile(file, JSON.stringify({ ...edited, format: "something-else" }));
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.corrupt", /not a Sluice backup manifest/);
        await writeFile(file, JSON.stringify({ ...edited, counts: { pages: 6, comments: 0 } }));
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.corrupt", /counts\.pages is 6, its parts hold 7 rows/);
        await writeFile(file, JSON.stringify({ ...edited, parts: [{ name: "../../etc/passwd", kind: "blob", bytes: 1, sha256: "0".repeat(64) }] }));
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.corrupt", /parts\.0\.name/);
      } finally {
        await writeFile(file, original);
      }
    });

    it("refuses a rows part whose manifest entry was edited to match changed bytes of another part", async () => {
      // The stored bytes of pages.2 under the name of pages.1, with the manifest made to agree: the
      // checksums pass, the key's authentication (the part name is in it) does not.
      const file = join(root, prefix, "manifest.json");
      const original = await readFile(file, "utf8");
      const edited = JSON.parse(original) as ArchiveManifest;
      const one = join(root, prefix, "rows", "pages.1.ndjson.gz");
      const oneBytes = await readFile(one);
      const two = edited.parts.find((p) => p.name === "rows/pages.2.ndjson.gz")!;
      edited.parts = edited.parts.map((p) => (p.name === "rows/pages.1.ndjson.gz" ? { ...p, bytes: two.bytes, sha256: two.sha256, plainBytes: two.plainBytes, rows: 2 } : p));
      edited.counts = { ...edited.counts, pages: 4 };
      try {
        await writeFile(file, JSON.stringify(edited));
        await writeFile(one, await readFile(join(root, prefix, "rows", "pages.2.ndjson.gz")));
        assert.equal((await verifyArchive(store, prefix)).ok, true, "the checksums agree");
        const reader = await ArchiveReader.open(store, prefix, { keys });
        await refused(() => allRows(reader, "rows/pages.1.ndjson.gz"), "sluice.backup.archive.corrupt", /^part rows\/pages\.1\.ndjson\.gz: cannot be decrypted and read with key backup-key-2025/);
      } finally {
        await writeFile(file, original);
        await writeFile(one, oneBytes);
      }
    });

    it("refuses an archive without a manifest as incomplete, and a prefix without anything", async () => {
      const file = join(root, prefix, "manifest.json");
      const original = await readFile(file);
      await unlink(file);
      try {
        await refused(() => ArchiveReader.open(store, prefix, { keys }), "sluice.backup.archive.missing", /^The backup archive backups\/damaged\/ in filesystem .* is incomplete: it has no manifest\.json/);
        const result = await verifyArchive(store, prefix);
        assert.equal(result.ok, false);
        assert.equal(result.failures[0]?.part, "manifest.json");
      } finally {
        await writeFile(file, original);
      }
      await refused(() => ArchiveReader.open(store, "backups/none/"), "sluice.backup.archive.missing", /^There is no backup archive at backups\/none\//);
    });

    it("refuses a wrong key naming its id, and a missing key when a part is read", async () => {
      await refused(
        () => ArchiveReader.open(store, prefix, { keys: new Map([[KEY.id, OTHER_KEY]]) }),
        "sluice.config.invalid",
        /encrypted with key backup-key-2025, and the key configured as backup-key-2025 is not that key/,
      );
      const reader = await ArchiveReader.open(store, prefix, { keys: new Map([["another", OTHER_KEY]]) });
      assert.equal(reader.manifest.counts.pages, 7, "the manifest can be shown without the key");
      await refused(() => allRows(reader, "rows/pages.1.ndjson.gz"), "sluice.config.invalid", /encrypted with key backup-key-2025, which is not configured \(the configured keys are another\)/);
      await refused(() => bytesOf(reader.blob("attachments/10001")), "sluice.config.invalid", /key backup-key-2025, which is not configured/);
      // Verify needs no key, and says when the configured one cannot read the archive.
      assert.equal((await verifyArchive(store, prefix)).ok, true);
      const withWrong = await verifyArchive(store, prefix, { keys: new Map([[KEY.id, OTHER_KEY]]) });
      assert.equal(withWrong.ok, false);
      assert.deepEqual(withWrong.failures.map((f) => f.part), ["manifest.json"]);
      assert.match(withWrong.failures[0]?.reason ?? "", /backup-key-2025/);
    });
  });

  describe("the writer", () => {
    it("refuses a prefix that holds an archive, bad part names, a name twice and bad keys", async () => {
      await writeSample(store, "backups/taken");
      await refused(() => ArchiveWriter.create(store, "backups/taken", { site: SITE, schemaVersion: 3 }), "sluice.storage.invalid", /already holds a backup archive at backups\/taken\//);
      await refused(() => ArchiveWriter.create(store, "../up", { site: SITE, schemaVersion: 3 }), "sluice.storage.invalid", /Not a backup archive prefix/);
      await refused(() => ArchiveWriter.create(store, "backups/k", { site: SITE, schemaVersion: 3, encryptionKey: { id: "short", key: randomBytes(16) } }), "sluice.config.invalid", /key short must be 32 bytes/);
      const writer = await ArchiveWriter.create(store, "backups/names", { site: SITE, schemaVersion: 3 });
      for (const name of ["manifest.json", "../x", ".hidden", "a//b", "a/.partial", ""]) {
        await refused(() => writer.writeBlob(name, Readable.from([Buffer.from("x")])), "sluice.internal", /Not a backup part name/);
      }
      await writer.writeBlob("attachments/1", Readable.from([Buffer.from("x")]));
      await refused(() => writer.writeBlob("attachments/1", Readable.from([Buffer.from("y")])), "sluice.internal", /has a part attachments\/1/);
      await refused(() => writer.writeBlob("attachments", Readable.from([Buffer.from("y")])), "sluice.internal", /has a part attachments/);
      await refused(() => writer.writeBlob("attachments/1/2", Readable.from([Buffer.from("y")])), "sluice.internal", /has a part attachments\/1\/2/);
      const manifest = await writer.finish();
      assert.deepEqual(manifest.parts.map((p) => p.name), ["attachments/1"]);
      assert.equal(manifest.incomplete, null);
      await refused(() => writer.writeBlob("late", Readable.from([Buffer.from("x")])), "sluice.internal", /is finished/);
    });

    it("fails a part whose rows cannot be kept, leaves no blob of it, and goes on", async () => {
      const writer = await ArchiveWriter.create(store, "backups/bad-rows", { site: SITE, schemaVersion: 3 });
      await refused(() => writer.writeRows("rows/a.ndjson.gz", "a", ["x", "y"], batches([[1, 2], [3]], 1)), "sluice.internal", /part rows\/a\.ndjson\.gz row 2: 1 values for 2 columns/);
      await refused(() => writer.writeRows("rows/b.ndjson.gz", "b", ["x"], batches([[1], [Infinity]], 5)), "sluice.internal", /row 2 column x: the number Infinity cannot be kept/);
      await assert.rejects(() => stat(join(root, "backups", "bad-rows", "rows", "a.ndjson.gz")), { code: "ENOENT" });
      // A failing source fails its part with its own error.
      async function* failing(): AsyncGenerator<unknown[][]> {
        yield [[1]];
        throw new Error("the store went away");
      }
      await assert.rejects(() => writer.writeRows("rows/c.ndjson.gz", "c", ["x"], failing()), /the store went away/);
      await writer.writeRows("rows/a.ndjson.gz", "a", ["x", "y"], batches([[1, 2]], 1));
      const manifest = await writer.finish();
      assert.deepEqual(manifest.counts, { a: 1 });
      const reader = await ArchiveReader.open(store, "backups/bad-rows");
      assert.deepEqual((await allRows(reader, "rows/a.ndjson.gz")).rows, [[1, 2]]);
    });

    it("writes parts side by side, and abort removes what was written", async () => {
      const writer = await ArchiveWriter.create(store, "backups/parallel", { site: SITE, schemaVersion: 3, encryptionKey: KEY });
      await Promise.all(Array.from({ length: 8 }, (_, i) => writer.writeBlob(`attachments/${i}`, Readable.from([Buffer.from(`attachment ${i}`)]))));
      const manifest = await writer.finish();
      assert.equal(manifest.parts.length, 8);
      const reader = await ArchiveReader.open(store, "backups/parallel", { keys: new Map([[KEY.id, KEY.key]]) });
      for (let i = 0; i < 8; i++) assert.equal((await bytesOf(reader.blob(`attachments/${i}`))).toString(), `attachment ${i}`);

      const aborted = await ArchiveWriter.create(store, "backups/aborted", { site: SITE, schemaVersion: 3 });
      await aborted.writeBlob("attachments/1", Readable.from([Buffer.from("x")]));
      await aborted.abort();
      const left: string[] = [];
      for await (const blob of store.list("backups/aborted/")) left.push(blob.key);
      assert.deepEqual(left, []);
    });
  });

  it("writes, reads and verifies a 100 MB blob part and a 100 MB rows part in flat memory", async () => {
    const MB = 1 << 20;
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 10);
    try {
      const block = randomBytes(MB);
      const plainHash = createHash("sha256");
      async function* hundredMegabytes(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 100; i++) {
          const chunk = Buffer.from(block);
          chunk.writeUInt32BE(i, 0);
          plainHash.update(chunk);
          sample();
          yield chunk;
        }
      }
      const text = "x".repeat(200);
      let written = 0;
      async function* rows(): AsyncGenerator<unknown[][]> {
        for (let b = 0; b < 500; b++) {
          const batch: unknown[][] = [];
          for (let i = 0; i < 1000; i++) batch.push([written++, `${text}${written}`, written % 2 === 0]);
          sample();
          yield batch;
        }
      }
      const writer = await ArchiveWriter.create(store, "backups/large", { site: SITE, schemaVersion: 3, encryptionKey: KEY, gzipLevel: 1 });
      const blobPart = await writer.writeBlob("git/big.bundle", Readable.from(hundredMegabytes()), { kind: "git" });
      const rowsPart = await writer.writeRows("rows/big.ndjson.gz", "big", ["id", "text", "even"], rows());
      await writer.finish();
      assert.equal(blobPart.plainBytes, 100 * MB);
      assert.equal(rowsPart.rows, 500_000);
      assert.ok((rowsPart.plainBytes ?? 0) > 100 * MB, `${rowsPart.plainBytes} bytes of rows`);

      const reader = await ArchiveReader.open(store, "backups/large", { keys: new Map([[KEY.id, KEY.key]]) });
      const readHash = createHash("sha256");
      let readBytes = 0;
      for await (const chunk of reader.blob("git/big.bundle") as AsyncIterable<Buffer>) {
        readHash.update(chunk);
        readBytes += chunk.length;
        sample();
      }
      assert.equal(readBytes, 100 * MB);
      assert.equal(readHash.digest("hex"), plainHash.digest("hex"));
      let n = 0;
      for await (const batch of reader.rows("rows/big.ndjson.gz", { batchSize: 1000 })) {
        for (const row of batch) {
          if (row[0] !== n || row[2] !== ((n + 1) % 2 === 0)) assert.fail(`row ${n}: ${JSON.stringify(row).slice(0, 80)}`);
          n++;
        }
        sample();
      }
      assert.equal(n, 500_000);
      assert.equal((await verifyArchive(store, "backups/large")).ok, true);
      sample();
    } finally {
      clearInterval(timer);
    }
    const growth = (peak - rss0) / (1 << 20);
    // Each part is 100 MB or more: one held in memory would grow the process by more than 100 MB. Garbage
    // between collections alone reached 84 MB once in the full suite on a busy machine.
    assert.ok(growth < 100, `rss grew by ${growth.toFixed(1)} MB`);
  });
});
