import { statfs } from "node:fs/promises";
import { SluiceError } from "../core/errors.js";

/** Bytes available to us on the volume holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/** Fails with `export.disk.space.insufficient` when free space is under the minimum (0 disables). */
export async function checkDiskSpace(path: string, minimum: number): Promise<void> {
  if (minimum <= 0) return;
  const free = await freeBytes(path);
  if (free < minimum) {
    const gb = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GB`;
    throw new SluiceError(
      "export.disk.space.insufficient",
      `Not enough disk space for the export: ${gb(free)} free at ${path}, minimumUsableDiskSpaceAfterExport is ${gb(minimum)}.`,
    );
  }
}
