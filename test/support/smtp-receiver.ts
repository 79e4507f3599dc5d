/**
 * A real SMTP receiver for the email-delivery tests: `smtp-server` on a free 127.0.0.1 port, plain text
 * (no TLS, no STARTTLS) with authentication optional, every message parsed with mailparser and kept.
 *
 * `failNext(n)` rejects the next n messages at the end of DATA (a 451 by default, or `failWith`), the way
 * a mail server that is full or refuses the message does; a rejected message is counted, not kept.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedAttachment {
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

export interface ReceivedMail {
  /** The envelope sender (MAIL FROM), `""` for a null sender. */
  from: string;
  /** The envelope recipients (RCPT TO), in order. */
  to: string[];
  /** The From and To headers as text (`Sluice <reports@example.com>`). */
  headerFrom: string;
  headerTo: string;
  subject: string;
  text: string;
  attachments: ReceivedAttachment[];
}

export interface SmtpReceiverOptions {
  /** The reply code of a rejected message: 451 (try again later, the default) or 550 (refused). */
  failWith?: number;
}

export interface SmtpReceiver {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Accepted messages, in the order their DATA ended. */
  readonly messages: ReceivedMail[];
  /** How many messages were rejected by `failNext`. */
  readonly rejected: number;
  /** Rejects the next `count` messages with `responseCode` (default: the `failWith` option, else 451). */
  failNext(count: number, responseCode?: number): void;
  /** Resolves with `messages` once at least `count` have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const addressText = (value: { text: string } | { text: string }[] | undefined): string =>
  value === undefined ? "" : Array.isArray(value) ? value.map((v) => v.text).join(", ") : value.text;

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let failing = 0;
  let failCode = options.failWith ?? 451;
  let rejected = 0;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    banner: "Sluice test SMTP receiver",
    // Connections still open at close() are cut after this, not after smtp-server's 30 s default.
    closeTimeout: 500,
    onData(stream, session, callback) {
      // The whole message is read (and parsed) before the reply, as a real server does.
      simpleParser(stream).then(
        (mail) => {
          if (failing > 0) {
            failing--;
            rejected++;
            const reason = failCode >= 500 ? "Message refused by the test receiver" : "Mailbox temporarily unavailable (test receiver)";
            callback(Object.assign(new Error(reason), { responseCode: failCode }));
            return;
          }
          messages.push({
            from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            headerFrom: addressText(mail.from),
            headerTo: addressText(mail.to),
            subject: mail.subject ?? "",
            text: mail.text ?? "",
            attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
          });
          callback();
          for (const wake of [...waiters]) wake();
        },
        (error: unknown) => {
          stream.resume();
          callback(Object.assign(new Error(`Could not parse the message: ${String(error)}`), { responseCode: 554 }));
        },
      );
    },
  });
  // A client dropping its connection is not the test's failure; it shows in what was (not) received.
  server.on("error", () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.server.removeListener("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    host: "127.0.0.1",
    port,
    messages,
    get rejected() {
      return rejected;
    },
    failNext(count, responseCode) {
      failing = count;
      failCode = responseCode ?? options.failWith ?? 451;
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP receiver on port ${port}: ${messages.length} of ${count} messages after ${timeoutMs} ms (${rejected} rejected)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
