/** The SQLite reader's thread (`reader.ts`): runs the statements it is sent on a read-only connection. */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { ReaderReply } from "./reader.js";

const port = parentPort!;
const db = new Database((workerData as { file: string }).file, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
const statements = new Map<string, Database.Statement>();

port.on("message", (m: { id: number; sql: string; parameters: unknown[] }) => {
  let reply: ReaderReply;
  try {
    let statement = statements.get(m.sql);
    if (!statement) {
      statement = db.prepare(m.sql);
      if (statements.size < 200) statements.set(m.sql, statement);
    }
    reply = { id: m.id, row: statement.get(...m.parameters) };
  } catch (error) {
    const e = error as { message?: string; code?: string };
    reply = { id: m.id, error: { message: String(e.message ?? error), ...(e.code ? { code: e.code } : {}) } };
  }
  port.postMessage(reply);
});
