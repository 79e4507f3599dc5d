/** Opens a snapshot inside a worker thread from a location a store shared (`DataRepo.shareSnapshot`). */
import type { Snapshot, SnapshotLocation } from "./port.js";
import { SqliteSnapshot } from "./sqlite/data.js";

export function openWorkerSnapshot(location: SnapshotLocation): Snapshot {
  switch (location.kind) {
    case "sqlite":
      return new SqliteSnapshot(location.file, location.siteId);
  }
}
