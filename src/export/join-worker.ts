/**
 * The thread that joins a split file's parts (`file-parts.ts`): reading, appending and hashing every
 * byte of a big file is work for a background thread, not for the one that answers the API.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isCancelled } from "../core/errors.js";
import { yieldThisThread } from "../jobs/background.js";
import { joinParts } from "./file-parts.js";
import type { JoinReply, JoinRequest } from "./lane-protocol.js";

const port = parentPort!;
const request = workerData as JoinRequest;
if (request.yieldCpu) yieldThisThread();
const controller = new AbortController();
port.on("message", (m: { type: string }) => {
  if (m.type === "cancel") controller.abort();
});
const reply = (m: JoinReply) => {
  port.postMessage(m);
  port.close(); // nothing more to hear: the thread ends
};
joinParts(request.directory, request.name, request.count, request.rows, controller.signal).then(
  (joined) => reply({ type: "joined", ...joined }),
  (error: unknown) => reply(isCancelled(error) ? { type: "cancelled" } : { type: "error", message: (error as Error).message }),
);
