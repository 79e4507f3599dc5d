/**
 * An export worker thread: opens its own snapshot (shared with the job's, see
 * `DataRepo.shareSnapshot`) and writes a lane of entity files, reporting rows and files to the job.
 */
import { parentPort, workerData } from "node:worker_threads";
import { entity } from "../core/entities/registry.js";
import { openWorkerSnapshot } from "../store/worker-snapshot.js";
import { isCancelled, isSluiceError } from "../core/errors.js";
import { pacer, snapshotSource, writeEntityFile } from "./entity-file.js";
import { laneFileKey, type LaneData, type LaneMessage } from "./lane-protocol.js";
import { yieldThisThread } from "../jobs/background.js";

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as LaneData;
  const controller = new AbortController();
  const post = (m: LaneMessage) => port.postMessage(m);
  let opened: (() => void) | undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  port.on("message", (m: { type: string }) => {
    if (m.type === "open") opened?.();
    if (m.type === "cancel") {
      controller.abort();
      opened?.();
    }
  });
  await open;
  if (controller.signal.aborted) return post({ type: "cancelled" });
  const snapshot = openWorkerSnapshot(data.location);
  post({ type: "ready" });
  // Only now, with the snapshot open: while lanes open theirs, the job holds the store's write lock
  // (every reader must see the same commit), and a lane starved at the idle priority on a busy machine
  // kept it for seconds — other writers timed out with "database is locked".
  if (data.yieldCpu) yieldThisThread();
  const pace = pacer(data.rowsPerSecond, controller.signal);
  try {
    for (const f of data.files) {
      const def = entity(f.product, f.entity);
      const key = laneFileKey(f);
      let last = 0;
      let lastAt = Date.now();
      const file = await writeEntityFile(
        {
          def,
          directory: data.directory,
          name: f.name,
          format: data.format,
          schemaVersion: data.schemaVersion,
          csv: data.csv,
          instanceUrl: data.instanceUrl,
          minimumFreeBytes: data.minimumFreeBytes,
          ...(f.part !== undefined ? { part: f.part } : {}),
          ...(pace ? { pace } : {}),
          signal: controller.signal,
          onRows: (rows) => {
            // Every 5,000 rows, or every 200 ms for a slow (paced) lane.
            if (rows - last >= 5000 || (rows > last && Date.now() - lastAt >= 200)) {
              last = rows;
              lastAt = Date.now();
              post({ type: "rows", key, entity: f.entity, rows });
            }
          },
        },
        (writer) => snapshotSource(snapshot, f.query, writer.encoding, data.batchSize),
      );
      post({ type: "rows", key, entity: f.entity, rows: file.rows });
      post({ type: "file", file, ...(f.part !== undefined ? { part: f.part } : {}) });
    }
  } catch (error) {
    await snapshot.close();
    if (isCancelled(error) || controller.signal.aborted) post({ type: "cancelled" });
    else post({ type: "error", code: isSluiceError(error) ? error.code : null, message: (error as Error).message });
    return;
  }
  await snapshot.close();
  post({ type: "done" });
}

// Nothing keeps the thread alive once its port is closed: however main ends, the thread exits.
void main().finally(() => parentPort!.close());
