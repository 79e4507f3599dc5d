/**
 * How much of a streamed worksheet exceljs still holds, uncompressed. exceljs's streaming writer hands
 * each sheet's XML to the zip without backpressure: rows produced faster than they are compressed pile
 * up in the sheet's buffer (before the zip takes the entry) or in the zip's input stream (after). The
 * writer waits while this backlog is large, so memory stays flat whatever the row count.
 * Reads exceljs 4.4 internals (`_stream.buffers`, `_stream.pipes`); when they are not there it sees no
 * backlog, and the writer only yields to the event loop between batches.
 */

interface Sized {
  length?: unknown;
}

interface PipeLike {
  _writableState?: { length?: unknown };
}

interface StreamBufLike {
  buffers?: unknown;
  pipes?: unknown;
}

const size = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) ? n : 0);

/** Bytes of sheet XML written by exceljs and not yet taken by the compressor. */
export function sheetBacklog(sheet: object): number {
  const stream = (sheet as { _stream?: StreamBufLike })._stream;
  if (!stream) return 0;
  let bytes = 0;
  if (Array.isArray(stream.buffers)) for (const b of stream.buffers as Sized[]) bytes += size(b.length);
  if (Array.isArray(stream.pipes)) for (const p of stream.pipes as PipeLike[]) bytes += size(p._writableState?.length);
  return bytes;
}
