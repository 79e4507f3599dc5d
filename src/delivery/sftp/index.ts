/**
 * SFTP delivery (ssh2-sftp-client): key or password authentication, the server's host key pinned (a
 * changed key is refused before anything is sent), the file written under a temporary name in the
 * remote directory and renamed when complete (`posix-rename`, which replaces an older file of the same
 * name). The socket is made here, to the address the guard checked, with `setNoDelay(true)`: stream
 * uploads stall without it.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { connect, type Socket } from "node:net";
import { posix } from "node:path";
import SftpClient from "ssh2-sftp-client";
import ssh2 from "ssh2";
import { z } from "zod";
import type { Problem } from "../../core/errors.js";
import { hostRefusal, resolveTarget } from "../address-guard.js";
import { deliveryId, type DeliveryKind } from "../port.js";

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$/;

export const sftpSettings = z
  .object({
    type: z.literal("sftp"),
    id: deliveryId,
    host: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:[\]_-]+$/, "a host name or an IP address"),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).max(200),
    privateKey: z.string().max(20_000).optional().describe("an OpenSSH or PEM private key"),
    passphrase: z.string().max(1000).optional(),
    password: z.string().max(1000).optional(),
    hostKey: z
      .string()
      .max(20_000)
      .refine((k) => FINGERPRINT.test(k.trim()) || PUBLIC_KEY.test(k.trim()), "the server's host key: its SHA256 fingerprint (SHA256:…, as ssh-keygen -lf prints it) or its public key line (ssh-ed25519 AAAA…)"),
    directory: z.string().min(1).max(1000).default(".").describe("the remote directory (made when missing)"),
  })
  .strict()
  .refine((s) => s.privateKey !== undefined || s.password !== undefined, { message: "give privateKey or password", path: ["privateKey"] });
export type SftpSettings = z.infer<typeof sftpSettings>;

/** The pinned key as a fingerprint (`SHA256:…`, without padding). */
function pinnedFingerprint(hostKey: string): string {
  const key = hostKey.trim();
  if (FINGERPRINT.test(key)) return key.replace(/=$/, "");
  return fingerprintOf(Buffer.from(key.split(" ")[1]!, "base64"));
}

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function socketTo(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once("timeout", () => socket.destroy(new Error(`no answer from ${address}:${port} within ${timeoutMs / 1000} s`)));
    socket.once("error", reject);
  });
}

export const sftpDelivery: DeliveryKind<SftpSettings> = {
  type: "sftp",
  schema: sftpSettings,
  secrets: ["privateKey", "passphrase", "password"],
  sameTarget: (a, b) => a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user === b.user,
  async check(settings, field, config) {
    const problems: Problem[] = [];
    const refused = await hostRefusal(settings.host, config.allowedPrivateHosts);
    if (refused) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.host: ${refused}` });
    if (settings.privateKey !== undefined) {
      const parsed = ssh2.utils.parseKey(settings.privateKey, settings.passphrase);
      if (parsed instanceof Error) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.privateKey: the key does not parse (${parsed.message})` });
      else if (!(Array.isArray(parsed) ? parsed[0] : parsed)?.isPrivateKey()) problems.push({ key: "sluice.report.delivery.invalid", message: `${field}.privateKey: this is a public key; give the private key` });
    }
    return problems;
  },
  async send(settings, ctx) {
    const address = await resolveTarget(settings.host, ctx.config.allowedPrivateHosts);
    const expected = pinnedFingerprint(settings.hostKey);
    let seen: string | undefined;
    const timeoutMs = ctx.config.timeoutSeconds * 1000;
    const sock = await socketTo(address, settings.port, timeoutMs);
    const client = new SftpClient("sluice-report", { error: () => undefined, end: () => undefined, close: () => undefined });
    const onAbort = () => sock.destroy(new Error("the run was stopped"));
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await client.connect({
        sock,
        username: settings.user,
        ...(settings.privateKey !== undefined ? { privateKey: settings.privateKey, passphrase: settings.passphrase } : { password: settings.password }),
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          seen = fingerprintOf(key);
          return seen === expected;
        },
      });
      const directory = settings.directory.replace(/\/+$/, "") || "/";
      if (!(await client.exists(directory))) await client.mkdir(directory, true);
      const target = posix.join(directory, ctx.file.name);
      const temporary = posix.join(directory, `.${ctx.file.name}.${ctx.runId}.partial`);
      await client.put(createReadStream(ctx.file.path), temporary);
      await client.posixRename(temporary, target);
      return { detail: `sftp://${settings.user}@${settings.host}:${settings.port}${target.startsWith("/") ? "" : "/"}${target}` };
    } catch (error) {
      if (seen !== undefined && seen !== expected) {
        throw new Error(`the host key of ${settings.host}:${settings.port} changed: it is ${seen}, the schedule pins ${expected}; nothing was sent (check the server, then update the schedule's hostKey)`, { cause: error });
      }
      throw error;
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      await client.end().catch(() => undefined);
      sock.destroy();
    }
  },
};
