/**
 * The receivers the delivery tests send to work with real clients: nodemailer → the SMTP receiver,
 * ssh2-sftp-client → OpenSSH's sshd (key login, host key check, a rotated host key refused), a chunked
 * HTTP upload → the webhook receiver. Every payload comes back byte for byte.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import nodemailer from "nodemailer";
import SftpClient from "ssh2-sftp-client";
import { startSmtpReceiver, type SmtpReceiver } from "./support/smtp-receiver.js";
import { sshFingerprint, startSshd, type Sshd } from "./support/sshd.js";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

describe("SMTP receiver", () => {
  let smtp: SmtpReceiver;
  const transport = () => nodemailer.createTransport({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true });
  const mail = (subject: string) => ({ from: "Sluice <reports@sluice.test>", to: ["ops@example.test", "cfo@example.test"], subject, text: "Attached." });

  before(async () => {
    smtp = await startSmtpReceiver();
  });
  after(() => smtp.close());

  it("keeps a mail with its envelope, headers and attachments byte for byte", async () => {
    const binary = randomBytes(200_000);
    const csv = Buffer.from("key,summary\r\nSLU-1,Grüße ✓\r\n", "utf8");
    await transport().sendMail({
      ...mail("Weekly report"),
      attachments: [
        { filename: "report.parquet", content: binary, contentType: "application/octet-stream" },
        { filename: "report.csv", content: csv, contentType: "text/csv" },
      ],
    });
    const [received] = await smtp.waitFor(1);
    assert.ok(received);
    assert.equal(received.from, "reports@sluice.test");
    assert.deepEqual(received.to, ["ops@example.test", "cfo@example.test"]);
    assert.equal(received.headerFrom, '"Sluice" <reports@sluice.test>');
    assert.equal(received.subject, "Weekly report");
    assert.equal(received.text.trim(), "Attached.");
    assert.deepEqual(
      received.attachments.map((a) => [a.filename, a.contentType]),
      [["report.parquet", "application/octet-stream"], ["report.csv", "text/csv"]],
    );
    assert.ok(received.attachments[0]!.content.equals(binary));
    assert.ok(received.attachments[1]!.content.equals(csv));
  });

  it("rejects the next messages when told to, then accepts again", async () => {
    smtp.failNext(1, 550);
    await assert.rejects(transport().sendMail(mail("refused")), (error: { responseCode?: number }) => error.responseCode === 550);
    smtp.failNext(1);
    await assert.rejects(transport().sendMail(mail("later")), (error: { responseCode?: number }) => error.responseCode === 451);
    await transport().sendMail(mail("accepted"));
    const messages = await smtp.waitFor(2);
    assert.deepEqual(messages.map((m) => m.subject), ["Weekly report", "accepted"]);
    assert.equal(smtp.rejected, 2);
  });
});

describe("OpenSSH sshd", () => {
  let sshd: Sshd;

  before(async () => {
    sshd = await startSshd();
  });
  after(() => sshd.close());

  /** Connects over a socket of our own (no Nagle: SFTP stream uploads stall otherwise), key auth. */
  const sftp = async (hostVerifier: (key: Buffer) => boolean): Promise<{ client: SftpClient; sock: Socket }> => {
    const sock = connect(sshd.port, sshd.host);
    sock.setNoDelay(true);
    // Quiet global listeners: the library's defaults print every close to stdout.
    const client = new SftpClient("receivers-test", { error: () => undefined, end: () => undefined, close: () => undefined });
    try {
      await client.connect({ sock, username: sshd.user, privateKey: sshd.privateKey, hostVerifier, readyTimeout: 5000 });
    } catch (error) {
      sock.destroy();
      throw error;
    }
    return { client, sock };
  };

  it("takes an SFTP upload with key auth and shows its host key", async () => {
    const seen: Buffer[] = [];
    const { client, sock } = await sftp((key) => {
      seen.push(key);
      return true;
    });
    const content = randomBytes(3 * 1024 * 1024 + 17);
    try {
      await client.put(Readable.from([content.subarray(0, 1_000_000), content.subarray(1_000_000)]), join(sshd.uploadDir, "report.csv"));
    } finally {
      await client.end();
      sock.destroy();
    }
    assert.equal(seen.length, 1);
    assert.equal(sshFingerprint(seen[0]!), sshd.hostKeyFingerprint);
    assert.match(sshd.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(sshd.hostPublicKey, `ssh-ed25519 ${seen[0]!.toString("base64")}`);
    assert.match(sshd.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.ok((await readFile(join(sshd.uploadDir, "report.csv"))).equals(content));
  });

  it("comes back on the same port with a new host key, which a client pinned to the old one refuses", async () => {
    const old = sshd.hostKeyFingerprint;
    const port = sshd.port;
    await sshd.rotateHostKey();
    assert.equal(sshd.port, port);
    assert.notEqual(sshd.hostKeyFingerprint, old);

    await assert.rejects(sftp((key) => sshFingerprint(key) === old), /verification failed|Host denied/i);

    const { client, sock } = await sftp((key) => sshFingerprint(key) === sshd.hostKeyFingerprint);
    try {
      assert.ok(await client.exists(sshd.uploadDir));
    } finally {
      await client.end();
      sock.destroy();
    }
  });
});

describe("webhook receiver", () => {
  let hook: WebhookReceiver;

  before(async () => {
    hook = await startWebhookReceiver();
  });
  after(() => hook.close());

  /** POSTs chunks without a length (chunked transfer encoding); the status. */
  const post = (headers: Record<string, string>, chunks: Buffer[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(`${hook.url}/upload`, { method: "POST", headers }, (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      });
      req.once("error", reject);
      Readable.from(chunks).pipe(req);
    });

  it("saves a chunked upload under the content-disposition filename, byte for byte", async () => {
    const content = randomBytes(1_500_000);
    const chunks = [content.subarray(0, 1), content.subarray(1, 700_000), content.subarray(700_000)];
    const status = await post({ "content-type": "text/csv", "content-disposition": 'attachment; filename="weekly report.csv"' }, chunks);
    assert.equal(status, 200);
    const [saved] = await hook.waitFor(1);
    assert.ok(saved);
    assert.equal(saved.headers["transfer-encoding"], "chunked");
    assert.equal(saved.filename, "weekly report.csv");
    assert.equal(saved.path, join(hook.dir, "weekly report.csv"));
    assert.equal(saved.bytes, content.length);
    assert.ok((await readFile(saved.path)).equals(content));
  });

  it("records a JSON report and fails the next requests when told to", async () => {
    const report = { columns: ["key", "summary"], rows: [["SLU-1", "First"]] };
    const json = { "content-type": "application/json" };
    hook.failNext(1, 503);
    assert.equal(await post(json, [Buffer.from(JSON.stringify(report))]), 503);
    assert.equal(await post(json, [Buffer.from(JSON.stringify(report))]), 200);
    const requests = await hook.waitFor(3);
    assert.deepEqual(requests.map((r) => r.status), [200, 503, 200]);
    assert.deepEqual(requests[2]!.json, report);
    assert.equal(requests[1]!.json, undefined);
  });
});
