/**
 * The thread of a threaded writer: opens the format's writer and writes the batches it is sent, one at a
 * time, saying when each is taken. Text values arrive as `Uint8Array` (structured clone drops Buffer's
 * prototype) and are made Buffers again, as the writers expect from the stores.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isSluiceError } from "../../core/errors.js";
import { yieldThisThread } from "../../jobs/background.js";
import { writerFactory } from "../index.js";
import type { RecordWriter } from "../port.js";
import type { FromThread, ToThread, WriterThreadData } from "./protocol.js";

const data = workerData as WriterThreadData;
const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);

function revive(rows: unknown[][]): unknown[][] {
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[i] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

const failed = (error: unknown): FromThread => ({ kind: "error", message: (error as Error).message, ...(isSluiceError(error) ? { code: error.code } : {}) });

async function main(): Promise<void> {
  if (data.yieldCpu) yieldThisThread();
  let writer: RecordWriter;
  try {
    writer = await writerFactory(data.format).open(data.target, data.layout);
  } catch (error) {
    send(failed(error));
    return;
  }
  send({ kind: "open" });
  // One message at a time, in order: a batch is written before the next is read.
  let chain = Promise.resolve();
  port.on("message", (message: ToThread) => {
    chain = chain.then(async () => {
      try {
        if (message.kind === "rows") {
          await writer.write(revive(message.rows));
          send({ kind: "written", id: message.id, rows: writer.rows });
        } else if (message.kind === "close") {
          send({ kind: "closed", file: await writer.close() });
          port.close();
        } else {
          await writer.abort();
          send({ kind: "aborted" });
          port.close();
        }
      } catch (error) {
        send(failed(error));
        await writer.abort().catch(() => undefined);
        port.close();
      }
    });
  });
}

void main();
